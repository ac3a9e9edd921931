package pulse_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// schedulers counts the heartbeat tickers of the process: goroutines in
// Scheduler.run, and those NewScheduler started that have not run yet (their
// only frame is then NewScheduler's go-statement wrapper).
func schedulers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			stacks := string(buf[:n])
			return strings.Count(stacks, "exchange.(*Scheduler).run(") + // a frame, not "created by"
				strings.Count(stacks, "exchange.NewScheduler.gowrap")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// settledSchedulers is schedulers() once the count has held still for a
// while: a ticker whose Close has returned (a previous test's server) shows
// its run frame until its goroutine is scheduled again to exit, which on a
// loaded machine may take long enough to be counted in a base and then
// vanish.
func settledSchedulers() int {
	n, same := schedulers(), 0
	for deadline := time.Now().Add(10 * time.Second); same < 20 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		if m := schedulers(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

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
	base := settledSchedulers() // the servers' own
	cli, err := pulse.NewClient(pulse.WithLogger(quiet()), pulse.WithHeartbeat(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if n := schedulers(); n != base {
		t.Errorf("a client with no reference runs %d tickers, want none", n-base)
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
	if n := schedulers(); n != base+1 {
		t.Errorf("a client of three providers runs %d heartbeat tickers, want 1", n-base)
	}
	// The shared ticker still drives every connection's heartbeats: after
	// several intervals each connection has a measured round trip.
	eventually(t, "a heartbeat round trip on every connection", func() bool {
		for _, c := range cli.Connections() {
			if c.RTT == 0 {
				return false
			}
		}
		return true
	})
	cli.Close()
	eventually(t, "the ticker stopped by Close", func() bool { return schedulers() == base })
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
