package exchange

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeChecker records when it was checked and asks for its next look after
// a fixed pause (0: every tick).
type fakeChecker struct {
	mu    sync.Mutex
	pause time.Duration
	seen  []time.Time
}

func (f *fakeChecker) check(now time.Time) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, now)
	if f.pause == 0 {
		return time.Time{}
	}
	return now.Add(f.pause)
}

func (f *fakeChecker) checks() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.seen...)
}

func TestSchedulerChecksOnlyDueConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const tick = 100 * time.Millisecond
		s := NewScheduler(tick)
		defer s.Close()
		start := time.Now()
		every, rested, gone := &fakeChecker{}, &fakeChecker{pause: 350 * time.Millisecond}, &fakeChecker{}
		for _, c := range []*fakeChecker{every, rested, gone} {
			s.add(c)
		}
		time.Sleep(tick + tick/2)
		synctest.Wait()
		s.remove(gone) // swaps the last one into its place
		time.Sleep(10 * tick)
		synctest.Wait()

		if n := len(every.checks()); n != 11 {
			t.Errorf("a connection due every tick was checked %d times in 11 ticks", n)
		}
		if n := len(gone.checks()); n != 1 {
			t.Errorf("a removed connection was checked %d times, want only the tick before its removal", n)
		}
		// Checked at the first tick, then at the first tick at least 350 ms
		// after each check: ticks 1, 5, 9.
		var at []time.Duration
		for _, c := range rested.checks() {
			at = append(at, c.Sub(start))
		}
		want := []time.Duration{tick, 5 * tick, 9 * tick}
		if len(at) != len(want) {
			t.Fatalf("a connection due every 350 ms was checked at %v, want %v", at, want)
		}
		for i := range want {
			if at[i] != want[i] {
				t.Fatalf("a connection due every 350 ms was checked at %v, want %v", at, want)
			}
		}
		if n := s.Len(); n != 2 {
			t.Errorf("len = %d after one removal of three, want 2", n)
		}
	})
}
