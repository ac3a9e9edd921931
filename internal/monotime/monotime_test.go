package monotime

import (
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	now := time.Now()
	n := Nanos(now)
	back := Time(n)
	if d := back.Sub(now); d != 0 {
		t.Fatalf("Time(Nanos(now)) = %v, want %v", back, now)
	}
	later := now.Add(1500 * time.Millisecond)
	if d := Time(Nanos(later)).Sub(back); d != 1500*time.Millisecond {
		t.Fatalf("difference %v, want 1.5s", d)
	}
	if Nanos(time.Time{}) != 0 || !Time(0).IsZero() {
		t.Fatal("the zero time is not 0, or 0 is not the zero time")
	}
	if Now() == 0 || Nanos(base) == 0 {
		t.Fatal("a real instant reads as never")
	}
}

// Times made by Time carry a monotonic reading (time.Time's String shows
// it as "m=±seconds"), so their differences with time.Now() are measured
// on the monotonic clock, whatever the wall clock does meanwhile.
func TestTimeHasMonotonicReading(t *testing.T) {
	tm := Time(Now())
	if !strings.Contains(tm.String(), " m=") {
		t.Fatalf("Time(Now()) = %s: no monotonic reading", tm)
	}
	if strings.Contains(tm.Round(0).String(), " m=") {
		t.Fatal("the check above shows nothing: a wall-only time also prints m=")
	}
}

func TestLatest(t *testing.T) {
	tests := []struct{ a, b, want int64 }{
		{0, 0, 0},
		{0, 5, 5},
		{5, 0, 5},
		{3, 5, 5},
		{-9, 0, -9}, // under a fake clock instants may be negative: 0 is still never
		{-9, -3, -3},
	}
	for _, tt := range tests {
		if got := Latest(tt.a, tt.b); got != tt.want {
			t.Errorf("Latest(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
