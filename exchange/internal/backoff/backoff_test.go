package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	cfg := Config{Base: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, Max: 2 * time.Second}
	mid := func() float64 { return 0.5 } // no jitter
	low := func() float64 { return 0 }   // -20 %
	high := func() float64 { return 0.999999 }
	tests := []struct {
		retries int
		rnd     func() float64
		want    time.Duration
	}{
		{0, mid, 100 * time.Millisecond},
		{1, mid, 160 * time.Millisecond},
		{2, mid, 256 * time.Millisecond},
		{3, mid, 409600 * time.Microsecond},
		{6, mid, 1677721600 * time.Nanosecond},
		{7, mid, 2 * time.Second}, // capped
		{1000, mid, 2 * time.Second},
		{0, low, 80 * time.Millisecond},
		{1000, low, 1600 * time.Millisecond},
	}
	for _, tt := range tests {
		got := cfg.Delay(tt.retries, tt.rnd)
		if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
			t.Errorf("Delay(%d) = %v, want %v", tt.retries, got, tt.want)
		}
	}
	if got := cfg.Delay(1000, high); got < 2399*time.Millisecond || got > 2400*time.Millisecond {
		t.Errorf("Delay with +20%% jitter = %v", got)
	}
}

func TestDefaults(t *testing.T) {
	if got := (Config{}).Delay(0, func() float64 { return 0.5 }); got != time.Second {
		t.Fatalf("zero config first delay = %v, want 1s", got)
	}
	if got := (Config{}).Delay(100, func() float64 { return 0.5 }); got != 120*time.Second {
		t.Fatalf("zero config cap = %v, want 120s", got)
	}
}

// TestJitterSpreads checks that the real random source stays within bounds
// and does not return one value.
func TestJitterSpreads(t *testing.T) {
	cfg := Config{Base: time.Second, Multiplier: 2, Jitter: 0.2, Max: time.Minute}
	seen := map[time.Duration]bool{}
	for i := 0; i < 100; i++ {
		d := cfg.Delay(0, nil)
		if d < 800*time.Millisecond || d > 1200*time.Millisecond {
			t.Fatalf("delay %v outside +/-20%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct delays in 100", len(seen))
	}
}
