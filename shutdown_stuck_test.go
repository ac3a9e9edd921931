package pulse_test

import (
	"context"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// stuck has a method that ignores its context until released.
type stuck struct {
	entered chan struct{}
	release chan struct{}
}

func (s *stuck) Hang(ctx context.Context) (string, error) {
	close(s.entered)
	<-s.release
	return "released", nil
}

// TestServeAbandonsStuckCall: a method that ignores its context does not
// hold Serve past its shutdown wait (WithShutdownWait: "calls still
// running then are abandoned"); Serve returns, and the method, released
// later, ends without harm.
func TestServeAbandonsStuckCall(t *testing.T) {
	st := &stuck{entered: make(chan struct{}), release: make(chan struct{})}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Stuck", st); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithShutdownWait(200*time.Millisecond))
	cli := newClient(t)
	var stub struct {
		Hang func(ctx context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Stuck", &stub, pulse.URL(ts.url), pulse.Timeout(30*time.Second), pulse.Retries(0)); err != nil {
		t.Fatal(err)
	}
	called := make(chan error, 1)
	go func() { _, err := stub.Hang(context.Background()); called <- err }()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not reach the method")
	}
	defer close(st.release)
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve still waiting for a call past its shutdown wait")
	}
	select {
	case <-called: // failed when the connection closed
	case <-time.After(10 * time.Second):
		t.Fatal("the abandoned call's caller was not failed")
	}
}
