package exchange

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
)

// TestHandlerGoexitReleasesItsCall: a handler that ends its goroutine
// (runtime.Goexit, as testing's FailNow does) still ends its call: it is
// no longer counted in flight, its worker no longer counts against
// WithMaxWorkers, and Close returns instead of waiting for it forever.
func TestHandlerGoexitReleasesItsCall(t *testing.T) {
	var exited atomic.Int32
	s, err := Listen("127.0.0.1:0", HandlerFunc(func(ctx context.Context, req *Request) *Response {
		if string(req.Body) == "exit" {
			exited.Add(1)
			runtime.Goexit()
		}
		return &Response{Status: StatusOK, Body: []byte("ok")}
	}), testLog, WithMaxWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	raw := dubbotest.Dial(t, s.Addr().String())
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 7, []byte("exit")))
	waitFor(t, 10*time.Second, "the handler to exit", func() bool { return exited.Load() == 1 })
	waitFor(t, 10*time.Second, "the call to end", func() bool { return s.inflight.Load() == 0 })
	// The only worker slot is free again: the next call runs.
	waitFor(t, 10*time.Second, "a free worker", s.workers.free)
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 8, []byte("next")))
	waitFor(t, 10*time.Second, "the next call's answer", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool {
			return !f.IsRequest() && f.ID() == 8 && f.Header[3] == byte(StatusOK)
		}) == 1
	})
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting for a call whose handler exited")
	}
	if alive, idle := s.workers.busy(); alive != 0 || idle != 0 {
		t.Fatalf("after Close: %d workers alive, %d idle", alive, idle)
	}
}
