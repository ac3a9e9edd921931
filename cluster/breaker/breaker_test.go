package breaker

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// feed records n calls at now, failing every k-th one when k > 0.
func feed(t *testing.T, b *Breaker, now time.Time, n, k int) {
	t.Helper()
	for i := range n {
		tk, ok := b.Allow(now)
		if !ok {
			t.Fatalf("call %d refused in state %v", i, b.State(now))
		}
		b.Record(tk, now, k > 0 && i%k == 0)
	}
}

func TestOpensAtRatioAfterVolume(t *testing.T) {
	tests := []struct {
		name     string
		n, every int
		want     State
	}{
		{"too few calls", 19, 1, Closed},
		{"half failing", 20, 2, Open},
		{"a third failing", 30, 3, Closed},
		{"all failing", 20, 1, Open},
		{"none failing", 100, 0, Closed},
	}
	for _, tt := range tests {
		b := New(Policy{})
		for i := range tt.n {
			tk, ok := b.Allow(t0)
			if !ok {
				break
			}
			b.Record(tk, t0, tt.every > 0 && i%tt.every == 0)
		}
		if got := b.State(t0); got != tt.want {
			t.Errorf("%s: state %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWindowForgetsOldFailures(t *testing.T) {
	b := New(Policy{})
	feed(t, b, t0, 15, 1)                    // 15 failures
	feed(t, b, t0.Add(11*time.Second), 5, 1) // 11 s later: the first 15 left the window
	if b.State(t0.Add(11*time.Second)) != Closed {
		t.Fatal("failures older than the window counted")
	}
	feed(t, b, t0.Add(12*time.Second), 15, 1)
	if b.State(t0.Add(12*time.Second)) != Open {
		t.Fatal("20 failures within the window did not open")
	}
}

func TestOpenRefusesThenProbesOnceThenCloses(t *testing.T) {
	b := New(Policy{})
	feed(t, b, t0, 20, 1)
	for _, d := range []time.Duration{0, time.Second, 4999 * time.Millisecond} {
		if _, ok := b.Allow(t0.Add(d)); ok || b.Ready(t0.Add(d)) {
			t.Fatalf("open breaker let a call through after %v", d)
		}
	}
	now := t0.Add(5 * time.Second)
	if !b.Ready(now) || b.State(now) != HalfOpen {
		t.Fatal("not ready to probe after the cooldown")
	}
	probe, ok := b.Allow(now)
	if !ok {
		t.Fatal("no probe admitted")
	}
	if _, ok := b.Allow(now); ok || b.Ready(now) {
		t.Fatal("a second call admitted while the probe runs")
	}
	b.Record(probe, now, false)
	if b.State(now) != Closed {
		t.Fatalf("state %v after a successful probe, want closed", b.State(now))
	}
}

func TestFailedProbeReopens(t *testing.T) {
	b := New(Policy{})
	feed(t, b, t0, 20, 1)
	now := t0.Add(5 * time.Second)
	probe, _ := b.Allow(now)
	b.Record(probe, now, true)
	if b.State(now) != Open || b.Ready(now.Add(4*time.Second)) {
		t.Fatal("failed probe did not reopen for a new cooldown")
	}
	if !b.Ready(now.Add(5 * time.Second)) {
		t.Fatal("not ready after the second cooldown")
	}
}

func TestStaleTicketsIgnored(t *testing.T) {
	b := New(Policy{})
	slow, _ := b.Allow(t0) // starts before the breaker opens
	feed(t, b, t0, 20, 1)
	now := t0.Add(5 * time.Second)
	probe, _ := b.Allow(now)
	b.Record(slow, now, false) // must not count as the probe's success
	if b.State(now) != HalfOpen {
		t.Fatalf("stale success moved the breaker to %v", b.State(now))
	}
	b.Cancel(probe) // the caller gave up: the slot is free again
	if _, ok := b.Allow(now); !ok {
		t.Fatal("canceled probe kept its slot")
	}
}

func TestConcurrentUse(t *testing.T) {
	b := New(Policy{MinRequests: 5})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				if tk, ok := b.Allow(now); ok {
					b.Record(tk, now, (i+g)%3 == 0)
				}
				b.Ready(now)
			}
		}()
	}
	wg.Wait()
	// Every admitted call was recorded: no probe slot may stay taken, or a
	// half-open breaker would refuse every call for good.
	if n := b.probes.Load(); n != 0 {
		t.Fatalf("%d probe slots still taken after every call was recorded", n)
	}
}
