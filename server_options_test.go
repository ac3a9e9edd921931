package pulse_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// gate blocks Wait until its channel closes.
type gate struct {
	open    chan struct{}
	waiting atomic.Int32
}

func (g *gate) Wait(ctx context.Context) (string, error) {
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-g.open:
		return "opened", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TestMaxConcurrentCalls: with every allowed call running, the next is
// refused with Java's thread pool exhaustion answer instead of being run.
func TestMaxConcurrentCalls(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Gate", g); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithMaxConcurrentCalls(1))
	cli := newClient(t)
	var stub struct {
		Wait func(ctx context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Gate", &stub, pulse.URL(ts.url), pulse.Timeout(20*time.Second), pulse.Retries(0)); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { _, err := stub.Wait(context.Background()); first <- err }()
	eventually(t, "the first call running", func() bool { return g.waiting.Load() == 1 })
	_, err := stub.Wait(context.Background())
	if err == nil || !strings.Contains(err.Error(), "SERVER_THREADPOOL_EXHAUSTED_ERROR") ||
		!strings.Contains(err.Error(), "thread pool is exhausted") {
		t.Fatalf("second call: %v, want the thread pool exhaustion answer", err)
	}
	close(g.open)
	if err := <-first; err != nil {
		t.Fatalf("first call: %v", err)
	}
}
