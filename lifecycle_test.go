package pulse_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOneHeartbeatTickerPerClient: one ticker drives the heartbeat checks
// of every provider connection of a Client, not one per connection or per
// provider. A Client with no reference has none; one referring to three
// providers puts all three connections on one Scheduler, whose ticks give
// each connection its heartbeats; Close stops it.
func TestOneHeartbeatTickerPerClient(t *testing.T) {
	var urls []string
	for _, name := range []string{"a", "b", "c"} {
		ts := startServer(t, func(s *pulse.Server) {
			if err := s.Register("org.example.Which", versioned{name}); err != nil {
				t.Fatal(err)
			}
		})
		urls = append(urls, ts.url)
	}
	cli, err := pulse.NewClient(pulse.WithLogger(quiet()), pulse.WithHeartbeat(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if s := pulse.HeartbeatScheduler(cli); s != nil {
		t.Fatal("a client with no reference runs a heartbeat ticker")
	}
	var stub struct {
		Which func(context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Which", &stub, pulse.URL(urls...)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three ready connections", func() bool {
		ready := 0
		for _, c := range cli.Connections() {
			if c.State == "ready" {
				ready++
			}
		}
		return ready == 3
	})
	if _, err := stub.Which(context.Background()); err != nil {
		t.Fatal(err)
	}
	sched := pulse.HeartbeatScheduler(cli)
	if sched == nil {
		t.Fatal("a client with three connections has no heartbeat ticker")
	}
	// Every connection is on the Client's one ticker: had each provider's
	// exchange.Client its own, this one would drive none of them.
	eventually(t, "the three connections on the client's ticker", func() bool { return sched.Len() == 3 })
	// The shared ticker drives every connection's heartbeats. Each
	// connection pings once when it connects, so a first round trip proves
	// nothing about the ticker; the ones it sends later, once the
	// connection has been idle for an interval, each measure a new one.
	first := map[string]time.Duration{}
	eventually(t, "a first heartbeat round trip on every connection", func() bool {
		for _, c := range cli.Connections() {
			if c.RTT == 0 {
				return false
			}
			if _, ok := first[c.Addr]; !ok {
				first[c.Addr] = c.RTT
			}
		}
		return len(first) == 3
	})
	eventually(t, "a heartbeat from the ticker on every connection", func() bool {
		for _, c := range cli.Connections() {
			if c.RTT == first[c.Addr] {
				return false
			}
		}
		return true
	})
	if s := pulse.HeartbeatScheduler(cli); s != sched {
		t.Error("the client's heartbeat ticker changed while it had connections")
	}
	cli.Close()
	select {
	case <-sched.Done():
	default:
		t.Error("the heartbeat ticker still runs after Close returned")
	}
	if n := sched.Len(); n != 0 {
		t.Errorf("the closed client's ticker still holds %d connections", n)
	}
}

type worker struct{ name string }

func (w worker) Work(ctx context.Context, ms int32) (string, error) {
	if ms > 0 {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return w.name, nil
}

// TestGracefulShutdownUnderLoad: many callers keep calling two providers
// while one shuts down gracefully. Calls that reach it after its READONLY
// (written before the client read it) are served there, as Java serves
// them; it closes only once nothing more arrives. No call fails, and the
// callers (not idempotent: a call that may have run is never retried) do
// not notice.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	for round := range 3 {
		t.Run(strconv.Itoa(round), func(t *testing.T) { shutdownUnderLoad(t) })
	}
}

func shutdownUnderLoad(t *testing.T) {
	const iface = "org.example.Worker"
	reg := func(name string) func(*pulse.Server) {
		return func(s *pulse.Server) {
			if err := s.Register(iface, worker{name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := startServer(t, reg("a"))
	b := startServer(t, reg("b"))
	cli := newClient(t)
	var stub struct {
		Work func(ctx context.Context, ms int32) (string, error)
	}
	if err := cli.Refer(iface, &stub, pulse.URL(a.url, b.url), pulse.Timeout(10*time.Second),
		pulse.LoadBalance("roundrobin")); err != nil {
		t.Fatal(err)
	}
	var (
		calls, failed, fromA, fromB atomic.Int64
		firstErr                    atomic.Value
		stop                        = make(chan struct{})
		wg                          sync.WaitGroup
	)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				who, err := stub.Work(context.Background(), int32(i%3)) // some calls in flight at the provider
				calls.Add(1)
				switch {
				case err != nil:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				case who == "a":
					fromA.Add(1)
				case who == "b":
					fromB.Add(1)
				}
			}
		}()
	}
	eventually(t, "calls answered by both providers", func() bool { return fromA.Load() > 50 && fromB.Load() > 50 })
	if err := a.stop(); err != nil {
		t.Errorf("graceful shutdown of a: %v", err)
	}
	after := calls.Load()
	eventually(t, "500 more calls after a stopped", func() bool { return calls.Load() > after+500 })
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d calls failed while a provider shut down gracefully; first: %v", n, calls.Load(), firstErr.Load())
	}
	t.Logf("%d calls, %d by a, %d by b, none failed", calls.Load(), fromA.Load(), fromB.Load())
}
