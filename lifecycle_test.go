package pulse_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// schedulers counts the running heartbeat tickers of the process.
func schedulers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "exchange.(*Scheduler).run")
		}
		buf = make([]byte, 2*len(buf))
	}
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
	base := schedulers() // the servers' own
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
