package exchange

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// TestReconnectStorm is scenario S14 at a size that fits a unit test: many
// clients lose their server, which comes back after a second. Every client
// is ready again soon after the server's return (the target, reported, is
// the largest backoff step plus a second), and the histogram of dial attempts (reported) shows the
// jitter spreading them.
func TestReconnectStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	const n = 200
	const maxBackoff = time.Second
	s, err := Listen("127.0.0.1:0", echo())
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	sch := NewScheduler(time.Second)
	defer sch.Close()

	var mu sync.Mutex
	var attempts []time.Time
	base := transportDialer([]transport.Option{transport.WithDialTimeout(time.Second)})
	dial := func(ctx context.Context, addr string, fl transport.FrameLen, h transport.Handler) (transport.Conn, error) {
		mu.Lock()
		attempts = append(attempts, time.Now())
		mu.Unlock()
		return base(ctx, addr, fl, h)
	}
	clients := make([]*Client, n)
	for i := range clients {
		c, err := newClient(addr, dial, WithScheduler(sch), WithBackoff(Backoff{Base: 100 * time.Millisecond, Max: maxBackoff}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	allReady := func() bool {
		for _, c := range clients {
			if c.State() != StateReady {
				return false
			}
		}
		return true
	}
	waitFor(t, 10*time.Second, "all clients ready", allReady)
	down := time.Now()
	s.Close()
	waitFor(t, 10*time.Second, "all clients notice", func() bool {
		for _, c := range clients {
			if c.State() == StateReady {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second - time.Since(down))
	s2, err := Listen(addr, echo())
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	defer s2.Close()
	back := time.Now()
	waitFor(t, maxBackoff+15*time.Second, "all clients ready again", allReady)
	took := time.Since(back)
	t.Logf("%d clients ready %v after the server returned (max backoff %v)", n, took, maxBackoff)
	if took > maxBackoff+10*time.Second { // the target is max backoff + 1 s; CI machines are loaded
		t.Errorf("reconnect took %v", took)
	}
	mu.Lock()
	defer mu.Unlock()
	var after []time.Duration
	for _, a := range attempts {
		if a.After(down) {
			after = append(after, a.Sub(down))
		}
	}
	slices.Sort(after)
	buckets := map[int]int{}
	peak := 0
	for _, d := range after {
		b := int(d / (100 * time.Millisecond))
		buckets[b]++
		peak = max(peak, buckets[b])
	}
	var hist []string
	for b := 0; b <= int(after[len(after)-1]/(100*time.Millisecond)); b++ {
		hist = append(hist, fmt.Sprint(buckets[b]))
	}
	t.Logf("%d dial attempts after the loss, per 100 ms: %s", len(after), strings.Join(hist, " "))
}
