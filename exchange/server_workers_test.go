package exchange

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
)

// TestMaxWorkersAnswersExhausted: with every worker busy, a call is not run
// but answered SERVER_THREADPOOL_EXHAUSTED_ERROR with Java's wording; a
// blocked handler holds only its own worker, and calls go through again
// once a worker is free.
func TestMaxWorkersAnswersExhausted(t *testing.T) {
	release := make(chan struct{})
	var ran atomic.Int32
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		ran.Add(1)
		if string(req.Body) == "block" {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return &Response{Status: StatusOK, Body: append([]byte(nil), req.Body...)}
	}), WithMaxWorkers(2))
	c := startClient(t, s.Addr().String())
	blocked := make(chan error, 1)
	go func() { _, err := call(c, 30*time.Second, "block"); blocked <- err }()
	waitFor(t, 10*time.Second, "the blocking call in its handler", func() bool { return s.inflight.Load() == 1 })

	// One worker is left: calls on the same connection are not held up.
	for range 20 {
		// The worker of the last call may not have parked yet.
		waitFor(t, 10*time.Second, "an idle worker", s.workers.free)
		if resp, err := call(c, 10*time.Second, "quick"); err != nil || string(resp.Body) != "quick" {
			t.Fatalf("call beside a blocked handler: %v %+v", err, resp)
		}
	}

	// Both busy: the next call is refused without running.
	waitFor(t, 10*time.Second, "an idle worker", s.workers.free)
	go func() { _, err := call(c, 30*time.Second, "block"); blocked <- err }()
	waitFor(t, 10*time.Second, "two blocking calls in their handlers", func() bool { return s.inflight.Load() == 2 })
	before := ran.Load()
	_, err := call(c, 10*time.Second, "refused")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != StatusServerThreadpoolExhausted ||
		!strings.Contains(se.Message, "thread pool is exhausted") || !strings.HasPrefix(se.Message, "Server side(127.0.0.1,") {
		t.Fatalf("call with every worker busy: %v", err)
	}
	if ran.Load() != before {
		t.Fatal("the refused call ran")
	}

	close(release)
	for range 2 {
		if err := <-blocked; err != nil {
			t.Fatalf("blocked call: %v", err)
		}
	}
	waitFor(t, 10*time.Second, "an idle worker", s.workers.free)
	if resp, err := call(c, 10*time.Second, "again"); err != nil || string(resp.Body) != "again" {
		t.Fatalf("call after the workers were freed: %v %+v", err, resp)
	}
}

// TestWorkersReusedThenExpire: a worker that finished a call takes the next
// one instead of a new goroutine; idle workers exit after about a second,
// and the sweeper with the last of them.
func TestWorkersReusedThenExpire(t *testing.T) {
	done := make(chan struct{}, 1)
	p := newWorkers(4, func(*job) { done <- struct{}{} })
	defer p.close()
	for i := range 5 {
		if !p.dispatch(&job{}) {
			t.Fatalf("dispatch %d refused", i)
		}
		<-done
		waitFor(t, 10*time.Second, "the worker parked", func() bool { _, idle := p.busy(); return idle == 1 })
		if alive, _ := p.busy(); alive != 1 {
			t.Fatalf("after call %d: %d workers alive, want 1", i, alive)
		}
	}
	waitFor(t, 10*time.Second, "the idle worker to exit", func() bool { alive, _ := p.busy(); return alive == 0 })
	p.mu.Lock()
	sweeping := p.sweeping
	p.mu.Unlock()
	if sweeping {
		t.Fatal("the sweeper still runs with no worker alive")
	}
	// And a new one starts when needed.
	if !p.dispatch(&job{}) {
		t.Fatal("dispatch after expiry refused")
	}
	<-done
}

// TestWorkersCloseRefuses: after close no call is taken and every worker,
// the sweeper too, has exited (goleak checks the goroutines).
func TestWorkersCloseRefuses(t *testing.T) {
	ran := make(chan struct{}, 8)
	p := newWorkers(8, func(*job) { ran <- struct{}{} })
	for range 3 {
		p.dispatch(&job{})
	}
	for range 3 {
		<-ran
	}
	p.close()
	if p.dispatch(&job{}) {
		t.Fatal("dispatch after close was taken")
	}
	if alive, idle := p.busy(); alive != 0 || idle != 0 {
		t.Fatalf("after close: %d alive, %d idle", alive, idle)
	}
}

// TestRefusesAfterDrainDeadline: once the drain wait of Shutdown has run
// out, the calls still arriving in the moment before the close are answered
// SERVER_ERROR with ShuttingDownMessage and not run.
func TestRefusesAfterDrainDeadline(t *testing.T) {
	var ran atomic.Int32
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		ran.Add(1)
		return &Response{Status: StatusOK}
	}))
	raw := dubbotest.Dial(t, s.Addr().String())
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 7, []byte("before")))
	waitFor(t, 10*time.Second, "the first answer", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool { return !f.IsRequest() && f.ID() == 7 }) == 1
	})
	s.draining.Store(true)
	s.refusing.Store(true) // as Shutdown does when its ctx ends, just before Close
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 8, []byte("after")))
	waitFor(t, 10*time.Second, "the refusal", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool {
			return !f.IsRequest() && f.ID() == 8 && f.Header[3] == byte(StatusServerError) &&
				strings.Contains(string(f.Body), ShuttingDownMessage)
		}) == 1
	})
	if n := ran.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

// recycling is an echo Handler that counts the Responses given back.
type recycling struct {
	recycled atomic.Int32
	bad      atomic.Int32
}

func (r *recycling) HandleRequest(ctx context.Context, req *Request) *Response {
	return &Response{Status: StatusOK, Body: append([]byte(nil), req.Body...)}
}

func (r *recycling) RecycleResponse(resp *Response) {
	if resp.Status != StatusOK || len(resp.Body) == 0 {
		r.bad.Add(1)
	}
	resp.Body = append(resp.Body[:0], "overwritten"...) // after its write: the client must not see it
	r.recycled.Add(1)
}

// TestResponseRecycler: a Handler that takes its Responses back gets each
// of them once it has been written, and not before.
func TestResponseRecycler(t *testing.T) {
	h := &recycling{}
	s := startServer(t, h)
	c := startClient(t, s.Addr().String())
	for i := range 50 {
		body := "call-" + strings.Repeat("x", i)
		if resp, err := call(c, 10*time.Second, body); err != nil || string(resp.Body) != body {
			t.Fatalf("call %d: %v %+v", i, err, resp)
		}
	}
	waitFor(t, 10*time.Second, "50 responses given back", func() bool { return h.recycled.Load() == 50 })
	if h.bad.Load() != 0 {
		t.Fatal("a response was given back changed")
	}
}
