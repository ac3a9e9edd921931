package exchange

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
)

// Test settings: heartbeat interval 200 ms, timeout 600 ms (3x), as the
// scenario catalogue; fast reconnects.
var (
	fastHB      = WithHeartbeat(Heartbeat{Interval: 200 * time.Millisecond})
	fastBackoff = WithBackoff(Backoff{Base: 20 * time.Millisecond, Max: 300 * time.Millisecond})
)

const hessian2 = 2

// testLog keeps warnings and errors on stderr and drops the Info lines that
// closing connections on purpose produces by the hundred.
var testLog = WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

func echo() Handler {
	return HandlerFunc(func(ctx context.Context, req *Request) *Response {
		return &Response{Status: StatusOK, Body: append([]byte(nil), req.Body...)}
	})
}

func startServer(t testing.TB, h Handler, opts ...ServerOption) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", h, append([]ServerOption{testLog}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func startClient(t testing.TB, addr string, opts ...ClientOption) *Client {
	t.Helper()
	c, err := NewClient(addr, append([]ClientOption{testLog}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatalf("client never ready: %v", err)
	}
	return c
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func call(c *Client, d time.Duration, body string) (*Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.Call(ctx, &Request{TwoWay: true, Serialization: hessian2, Body: []byte(body)})
}

func TestCallsMultiplexed(t *testing.T) {
	s := startServer(t, echo())
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("conns=%d", n), func(t *testing.T) {
			c := startClient(t, s.Addr().String(), WithConnections(n))
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 50; i++ {
						body := fmt.Sprintf("g%d-i%d", g, i)
						resp, err := call(c, 5*time.Second, body)
						if err != nil {
							errs <- err
							return
						}
						if string(resp.Body) != body {
							errs <- fmt.Errorf("got %q for %q", resp.Body, body)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "every connection ready", func() bool {
				for _, in := range c.Conns() {
					if in.State != StateReady {
						return false
					}
				}
				return true
			})
		})
	}
}

func TestOneWay(t *testing.T) {
	got := make(chan *Request, 1)
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		got <- &Request{TwoWay: req.TwoWay, Body: append([]byte(nil), req.Body...)}
		return nil
	}))
	c := startClient(t, s.Addr().String())
	if err := c.Send(context.Background(), &Request{Serialization: hessian2, Body: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.TwoWay || string(r.Body) != "hi" {
			t.Fatalf("handler got %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("one-way request never arrived")
	}
}

func TestStatusErrorFromServer(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		return &Response{Status: StatusServiceNotFound, Body: appendHessianString(nil, "no such service")}
	}))
	c := startClient(t, s.Addr().String())
	resp, err := call(c, 5*time.Second, "x")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != StatusServiceNotFound || se.Message != "no such service" {
		t.Fatalf("err = %v", err)
	}
	if resp == nil || resp.Status != StatusServiceNotFound {
		t.Fatalf("resp = %+v", resp)
	}
}

func TestTimeoutRemovesPendingAndDropsLateResponse(t *testing.T) {
	p := dubbotest.NewProvider(t, dubbotest.CallDelay(400*time.Millisecond))
	c := startClient(t, p.Addr(), fastHB)
	start := time.Now()
	_, err := call(c, 100*time.Millisecond, "slow")
	took := time.Since(start)
	var se *StatusError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &se) || se.Status != StatusServerTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want SERVER_TIMEOUT", err)
	}
	if took < 100*time.Millisecond || took > 2*time.Second {
		t.Fatalf("call with a 100 ms deadline took %v", took)
	}
	t.Logf("call with a 100 ms deadline returned after %v", took)
	cc := c.slots[0].cur.Load()
	if n := cc.pendingLen(); n != 0 {
		t.Fatalf("pending entries after timeout: %d", n)
	}
	waitFor(t, 5*time.Second, "late response dropped", func() bool { return c.droppedTotal.Load() == 1 })
	// The connection is still fine.
	if State(cc.state.Load()) != StateReady {
		t.Fatalf("state %v after a late response", State(cc.state.Load()))
	}
}

func TestClientTimeoutNeverWritten(t *testing.T) {
	p := dubbotest.NewProvider(t)
	c := startClient(t, p.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Call(ctx, &Request{Serialization: hessian2})
	if StatusOf(err) != StatusClientError || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: err = %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = c.Call(ctx, &Request{Serialization: hessian2})
	if StatusOf(err) != StatusClientTimeout || !errors.Is(err, ErrTimeout) {
		t.Fatalf("expired ctx: err = %v", err)
	}
	if n := p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }); n != 0 {
		t.Fatalf("%d calls written", n)
	}
}

func TestPayloadTooLargeOnEncode(t *testing.T) {
	p := dubbotest.NewProvider(t)
	c := startClient(t, p.Addr(), WithPayloadLimit(1024))
	_, err := call(c, time.Second, string(make([]byte, 1025)))
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if n := p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }); n != 0 {
		t.Fatalf("%d calls written", n)
	}
}

func TestConnectionDeathFailsInFlightAtOnce(t *testing.T) {
	p := dubbotest.NewProvider(t, dubbotest.IgnoreCalls())
	c := startClient(t, p.Addr(), fastHB, fastBackoff)
	const n = 10
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := call(c, 30*time.Second, "never answered")
			errs <- err
		}()
	}
	waitFor(t, 5*time.Second, "calls reach the provider", func() bool {
		return p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }) == n
	})
	killed := time.Now()
	p.KillConns()
	for i := 0; i < n; i++ {
		err := <-errs
		if !errors.Is(err, ErrConnectionLost) || StatusOf(err) != StatusChannelInactive {
			t.Fatalf("err = %v, want CHANNEL_INACTIVE", err)
		}
	}
	if took := time.Since(killed); took > 5*time.Second {
		t.Fatalf("in-flight calls failed %v after the connection died", took)
	}
	t.Logf("in-flight calls failed %v after the connection died", time.Since(killed))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
}

// TestHeartbeatBytes checks the frames against Java's, byte for byte.
func TestHeartbeatBytes(t *testing.T) {
	t.Run("client heartbeat and answer to a server ping", func(t *testing.T) {
		p := dubbotest.NewProvider(t)
		c := startClient(t, p.Addr())
		fs := p.Frames()
		if len(fs) == 0 || !fs[0].IsHeartbeat() {
			t.Fatalf("first frame is not a heartbeat: %+v", fs)
		}
		want := fmt.Sprintf("da bb e2 00 %s 00 00 00 01 4e", hexBytes(fs[0].Header[4:12]))
		if got := hexBytes(append(fs[0].Header[:], fs[0].Body...)); got != want {
			t.Fatalf("heartbeat = %s, want %s", got, want)
		}
		id := p.Ping()
		waitFor(t, 5*time.Second, "answer to the server's ping", func() bool {
			return p.Count(func(f dubbotest.Frame) bool { return f.IsHeartbeatAnswer() && f.ID() == id }) == 1
		})
		for _, f := range p.Frames() {
			if f.IsHeartbeatAnswer() {
				want := fmt.Sprintf("da bb 22 14 %s 00 00 00 01 4e", hexBytes(f.Header[4:12]))
				if got := hexBytes(append(f.Header[:], f.Body...)); got != want {
					t.Fatalf("answer = %s, want %s", got, want)
				}
			}
		}
		in := c.Conns()[0]
		if in.HasHealth || in.RTT <= 0 {
			t.Fatalf("conn info against a plain peer: %+v", in)
		}
	})
	t.Run("server answers a Java heartbeat with the null body", func(t *testing.T) {
		s := startServer(t, echo())
		p := dubbotest.Dial(t, s.Addr().String())
		id := p.Ping()
		waitFor(t, 5*time.Second, "answer", func() bool {
			return p.Count(func(f dubbotest.Frame) bool { return f.IsHeartbeatAnswer() }) == 1
		})
		f := p.Frames()[0]
		want := fmt.Sprintf("da bb 22 14 %s 00 00 00 01 4e", hexBytes(f.Header[4:12]))
		if got := hexBytes(append(f.Header[:], f.Body...)); got != want || f.ID() != id {
			t.Fatalf("answer = %s, want %s", got, want)
		}
		// One-way events get no answer; READONLY from a peer is ignored.
		p.ReadOnly()
		id2 := p.Ping()
		waitFor(t, 5*time.Second, "second answer", func() bool {
			return p.Count(func(f dubbotest.Frame) bool { return f.IsHeartbeatAnswer() && f.ID() == id2 }) == 1
		})
		if n := len(p.Frames()); n != 2 {
			t.Fatalf("peer read %d frames, want 2 heartbeat answers only", n)
		}
	})
}

func TestHealthBetweenPulsePeers(t *testing.T) {
	s := startServer(t, echo(), fastHB)
	c := startClient(t, s.Addr().String(), fastHB)
	waitFor(t, 5*time.Second, "health", func() bool { return c.Conns()[0].HasHealth })
	in := c.Conns()[0]
	if in.Health.Status != "SERVING" || in.Health.Conns != 1 || in.RTT <= 0 {
		t.Fatalf("conn info = %+v", in)
	}
	// The standard client never asks.
	c2 := startClient(t, s.Addr().String(), fastHB, WithHeartbeatClient(StandardHeartbeatClient{}))
	waitFor(t, 5*time.Second, "rtt", func() bool { return c2.Conns()[0].RTT > 0 })
	if c2.Conns()[0].HasHealth {
		t.Fatal("standard heartbeat client got health")
	}
}

// TestHeartbeatOnlyWhenIdle runs the task on both sides of a Pulse
// connection: at most one heartbeat exchange per interval while idle, none
// while calls flow.
func TestHeartbeatOnlyWhenIdle(t *testing.T) {
	const interval = 200 * time.Millisecond
	s := startServer(t, echo(), fastHB)
	c := startClient(t, s.Addr().String(), fastHB)
	base := c.pings.Load() + s.pings.Load()
	start := time.Now()
	time.Sleep(10 * interval)
	idle := time.Since(start)
	n := c.pings.Load() + s.pings.Load() - base
	max := int64(idle/interval) + 1
	t.Logf("idle %v: client sent %d heartbeats, server %d", idle, c.pings.Load(), s.pings.Load())
	if n > max || n < 2 {
		t.Fatalf("%d heartbeats in %v, want between 2 and %d", n, idle, max)
	}
	if s.pings.Load() > 1 { // 0 unless the client's ticker was held up for a third of an interval
		t.Fatalf("server pinged %d times on a connection whose client pings", s.pings.Load())
	}
	waitFor(t, 5*time.Second, "every heartbeat answered", func() bool { return s.answered.Load() == c.pings.Load() })
	// Busy: calls flow both ways, no heartbeat.
	base = c.pings.Load() + s.pings.Load()
	stop := time.Now().Add(10 * interval)
	for time.Now().Before(stop) {
		if _, err := call(c, 5*time.Second, "busy"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(interval / 20)
	}
	if n := c.pings.Load() + s.pings.Load() - base; n > 2 { // 0 unless the caller was held up for an interval
		t.Fatalf("%d heartbeats while calls flowed", n)
	}
}

// TestServerPingsWhenClientDoesNot: a peer that never pings (a Java 2.7+
// client sends only on read idle, here one that never does) gets the
// server's heartbeats, at most one per interval + margin.
func TestServerPingsWhenClientDoesNot(t *testing.T) {
	s := startServer(t, echo(), fastHB)
	p := dubbotest.Dial(t, s.Addr().String())
	start := time.Now()
	waitFor(t, 5*time.Second, "three server heartbeats", func() bool {
		return p.Count(func(f dubbotest.Frame) bool { return f.IsHeartbeat() }) >= 3
	})
	took := time.Since(start)
	if took < 3*350*time.Millisecond {
		t.Fatalf("3 server heartbeats in %v: faster than one per interval", took)
	}
	if s.nconns.Load() != 1 {
		t.Fatal("server closed a connection that answers its heartbeats")
	}
	waitFor(t, 5*time.Second, "server-side rtt", func() bool { cs := s.Conns(); return len(cs) == 1 && cs[0].RTT > 0 })
}

func TestFrozenProviderExpiresAndReconnects(t *testing.T) {
	p := dubbotest.NewProvider(t)
	c := startClient(t, p.Addr(), fastHB, fastBackoff)
	first := c.slots[0].cur.Load()
	p.Freeze()
	frozen := time.Now()
	errs := make(chan error, 1)
	go func() {
		_, err := call(c, 30*time.Second, "into the freeze")
		errs <- err
	}()
	var err error
	select {
	case err = <-errs:
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight call not failed")
	}
	detected := time.Since(frozen)
	if !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("frozen provider detected after %v (timeout 600ms + tick 67ms)", detected)
	if detected > 3*time.Second {
		t.Fatalf("detection took %v", detected)
	}
	// Reconnected into the frozen backlog: connecting, not ready.
	waitFor(t, 5*time.Second, "a new connection", func() bool {
		cur := c.slots[0].cur.Load()
		return cur != nil && cur != first
	})
	if st := c.State(); st == StateReady {
		t.Fatalf("state %v on a frozen peer", st)
	}
	if _, err := call(c, time.Second, "x"); !errors.Is(err, ErrNotReady) {
		t.Fatalf("call on a frozen peer: %v, want ErrNotReady", err)
	}
	p.Thaw()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal("no recovery after thaw")
	}
	if _, err := call(c, 5*time.Second, "after"); err != nil {
		t.Fatal(err)
	}
}

func TestFrozenConsumerClosedByServer(t *testing.T) {
	s := startServer(t, echo(), fastHB)
	p := dubbotest.Dial(t, s.Addr().String())
	waitFor(t, 5*time.Second, "connection", func() bool { return s.nconns.Load() == 1 })
	p.Freeze()
	start := time.Now()
	waitFor(t, 5*time.Second, "server closes the frozen consumer", func() bool { return s.nconns.Load() == 0 })
	t.Logf("server closed a frozen consumer after %v (timeout 600ms)", time.Since(start))
	if n := s.sched.Len(); n != 0 {
		t.Fatalf("scheduler still holds %d connections", n)
	}
}

func TestSlowlorisClosedByIdleTimeout(t *testing.T) {
	s := startServer(t, echo(), fastHB)
	c := startClient(t, s.Addr().String(), fastHB) // a well-behaved client beside them
	baseG := runtime.NumGoroutine()
	var conns []net.Conn
	for i := 0; i < 200; i++ {
		nc, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		h := NewHeader(FlagRequest|FlagTwoWay|hessian2, 0, 1, 100)
		if i%2 == 0 {
			nc.Write(h[:15]) // half a header
		} else {
			nc.Write(append(h[:], 1, 2, 3)) // header and part of the body
		}
		conns = append(conns, nc)
	}
	start := time.Now()
	for i := 0; i < 20; i++ { // the honest client is served meanwhile
		if _, err := call(c, 5*time.Second, "honest"); err != nil {
			t.Fatal(err)
		}
	}
	for _, nc := range conns {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(nc)
		if err != nil {
			t.Fatalf("read: %v (got %x)", err, b)
		}
	}
	t.Logf("200 slowloris connections closed after %v", time.Since(start))
	waitFor(t, 5*time.Second, "state freed", func() bool { return s.nconns.Load() == 1 })
	waitFor(t, 5*time.Second, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= baseG+2 })
	if _, err := call(c, 5*time.Second, "still"); err != nil {
		t.Fatalf("honest client after the slowloris: %v", err)
	}
}

func TestBadFrameAnswersBadRequest(t *testing.T) {
	s := startServer(t, echo(), WithPayloadLimit(1024))
	tests := []struct {
		name   string
		header Header
		answer bool
	}{
		{"no serialization", NewHeader(FlagRequest|FlagTwoWay, 0, 7, 1), true},
		{"over payload", NewHeader(FlagRequest|FlagTwoWay|hessian2, 0, 7, 1025), true},
		{"negative length", NewHeader(FlagRequest|FlagTwoWay|hessian2, 0, 7, -1), true},
		{"bad magic", func() Header { h := NewHeader(FlagRequest|FlagTwoWay|hessian2, 0, 7, 1); h[0] = 0; return h }(), false},
		{"one-way request over payload", NewHeader(FlagRequest|hessian2, 0, 7, 1025), false},
		{"response over payload", NewHeader(hessian2, StatusOK, 7, 1025), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(tt.header[:])
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(nc)
			if err != nil {
				t.Fatalf("connection not closed: %v", err)
			}
			if !tt.answer {
				if len(b) != 0 {
					t.Fatalf("answered %x, want no answer", b)
				}
				return
			}
			h, err := DecodeHeader(b, 0)
			if err != nil || h.Status() != StatusBadRequest || h.ID() != 7 || h.IsRequest() {
				t.Fatalf("answer %x: %v", b, err)
			}
		})
	}
}

func TestReadOnlyStopsNewCalls(t *testing.T) {
	p := dubbotest.NewProvider(t)
	c := startClient(t, p.Addr(), fastHB, fastBackoff)
	st, changed := c.Watch()
	if st != StateReady {
		t.Fatalf("state %v", st)
	}
	p.ReadOnly()
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no state change after READONLY")
	}
	if st := c.State(); st != StateReadOnly {
		t.Fatalf("state %v, want readonly", st)
	}
	before := p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() })
	if _, err := call(c, time.Second, "x"); !errors.Is(err, ErrNotReady) {
		t.Fatalf("call after READONLY: %v", err)
	}
	if p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }) != before {
		t.Fatal("a call was written after READONLY")
	}
	// A reconnect clears it.
	p.KillConns()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGracefulShutdownDrains(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		started.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return &Response{Status: StatusOK, Body: req.Body}
	}), fastHB)
	c := startClient(t, s.Addr().String(), fastHB)
	const n = 5
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := call(c, 10*time.Second, "draining")
			errs <- err
		}()
	}
	waitFor(t, 5*time.Second, "calls in the handler", func() bool { return started.Load() == n })
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	waitFor(t, 5*time.Second, "client sees READONLY", func() bool { return c.State() == StateReadOnly })
	if _, err := call(c, time.Second, "new"); !errors.Is(err, ErrNotReady) {
		t.Fatalf("new call during shutdown: %v", err)
	}
	// A call that raced READONLY is served, as Java serves it.
	raw := dubbotest.Dial(t, s.Addr().String())
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 99, []byte("late")))
	waitFor(t, 5*time.Second, "the late call in the handler", func() bool { return started.Load() == n+1 })
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v before in-flight calls finished", err)
	default:
	}
	close(release)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("in-flight call failed: %v", err)
		}
	}
	waitFor(t, 5*time.Second, "the late call's answer", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool {
			return !f.IsRequest() && f.ID() == 99 && f.Header[3] == byte(StatusOK) && string(f.Body) == "late"
		}) == 1
	})
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownBoundedWait(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		<-ctx.Done()
		return nil
	}))
	c := startClient(t, s.Addr().String())
	errs := make(chan error, 1)
	go func() { _, err := call(c, 30*time.Second, "stuck"); errs <- err }()
	waitFor(t, 5*time.Second, "call in flight", func() bool { return s.inflight.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v", err)
	}
	if err := <-errs; !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("stuck call: %v", err)
	}
}

func TestReconnectAfterServerRestart(t *testing.T) {
	s := startServer(t, echo(), fastHB)
	addr := s.Addr().String()
	c := startClient(t, addr, fastHB, fastBackoff)
	if _, err := call(c, 5*time.Second, "before"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	waitFor(t, 5*time.Second, "client notices", func() bool { return c.State() == StateConnecting })
	if _, err := call(c, time.Second, "down"); !errors.Is(err, ErrNotReady) {
		t.Fatalf("call while down: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // a few failed attempts
	s2, err := Listen(addr, echo(), fastHB)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	defer s2.Close()
	back := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("ready %v after the server came back (max backoff 300ms)", time.Since(back))
	if _, err := call(c, 5*time.Second, "after"); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerTimeoutAnswersServerTimeout(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		<-ctx.Done()
		return &Response{Status: StatusOK}
	}), WithHandlerTimeout(100*time.Millisecond))
	c := startClient(t, s.Addr().String())
	_, err := call(c, 10*time.Second, "slow")
	if StatusOf(err) != StatusServerTimeout || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
}

func TestHeartbeatFloodEnforcement(t *testing.T) {
	s := startServer(t, echo(), WithHeartbeatEnforcement(100*time.Millisecond))
	p := dubbotest.Dial(t, s.Addr().String())
	waitFor(t, 5*time.Second, "flooder closed", func() bool {
		p.Ping()
		time.Sleep(time.Millisecond)
		return p.Conns() == 0
	})
	// Off by default.
	s2 := startServer(t, echo())
	p2 := dubbotest.Dial(t, s2.Addr().String())
	for i := 0; i < 20; i++ {
		p2.Ping()
	}
	waitFor(t, 5*time.Second, "answers", func() bool {
		return p2.Count(func(f dubbotest.Frame) bool { return f.IsHeartbeatAnswer() }) == 20
	})
}

func TestCloseFailsCallsAndStops(t *testing.T) {
	p := dubbotest.NewProvider(t, dubbotest.IgnoreCalls())
	c, err := NewClient(p.Addr(), fastHB)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() { _, err := call(c, 30*time.Second, "x"); errs <- err }()
	waitFor(t, 5*time.Second, "call written", func() bool { return p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }) == 1 })
	c.Close()
	if err := <-errs; !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("err = %v", err)
	}
	if _, err := call(c, time.Second, "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if c.State() != StateClosed {
		t.Fatalf("state %v", c.State())
	}
}

func TestHessianString(t *testing.T) {
	for _, s := range []string{"", "a", "server is shutting down", string(bytes.Repeat([]byte("x"), 31)), string(bytes.Repeat([]byte("é"), 500)), string(bytes.Repeat([]byte("y"), 70000))} {
		b := appendHessianString(nil, s)
		got, ok := readHessianString(b)
		if !ok || got != s {
			t.Fatalf("round trip of %d chars failed", len(s))
		}
	}
	if _, ok := readHessianString([]byte{0x05, 'a'}); ok {
		t.Fatal("truncated string accepted")
	}
}

func TestHandlerPanicAnswersServiceError(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response { panic("boom") }))
	c := startClient(t, s.Addr().String())
	_, err := call(c, 5*time.Second, "x")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != StatusServiceError || se.Message != "handler panicked: boom" {
		t.Fatalf("err = %v", err)
	}
}

// TestIdleHeartbeatsSeenByPeer counts, on the peer's side, the heartbeats
// an idle Pulse client sends: one per interval at the most.
func TestIdleHeartbeatsSeenByPeer(t *testing.T) {
	const interval = 200 * time.Millisecond
	p := dubbotest.NewProvider(t)
	c := startClient(t, p.Addr(), fastHB)
	start := time.Now()
	time.Sleep(10 * interval)
	fs := p.Frames()
	took := time.Since(start)
	n := 0
	for i, f := range fs {
		if !f.IsHeartbeat() {
			t.Fatalf("frame %d is not a heartbeat", i)
		}
		if i > 0 && f.At.Sub(fs[i-1].At) < interval/2 { // sent >= interval apart; arrival times jitter
			t.Fatalf("heartbeats %d and %d only %v apart", i-1, i, f.At.Sub(fs[i-1].At))
		}
		n++
	}
	if max := int(took/interval) + 2; n > max || n < 3 {
		t.Fatalf("%d heartbeats in %v", n, took)
	}
	if c.pings.Load() != int64(n) {
		t.Logf("client counted %d, peer %d (one in flight)", c.pings.Load(), n)
	}
}

// TestChurnNoLeak opens and closes clients against one server, in sequence
// and all at once: goroutines, open files and the server's connection state
// come back to where they were.
func TestChurnNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("churn")
	}
	s := startServer(t, echo())
	addr := s.Addr().String()
	baseG := runtime.NumGoroutine()
	baseFD := openFDs()
	cycle := func(i int) error {
		c, err := NewClient(addr)
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.WaitReady(ctx); err != nil {
			return fmt.Errorf("cycle %d: ready: %w", i, err)
		}
		if _, err = c.Call(ctx, &Request{Serialization: hessian2, Body: []byte("x")}); err != nil {
			return fmt.Errorf("cycle %d: call on %+v: %w", i, c.Conns(), err)
		}
		return nil
	}
	for i := 0; i < 2000; i++ {
		if err := cycle(i); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cycle(2000 + i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Generous waits: 200 connections unwind on both sides of a loaded
	// 2-core machine under -race.
	waitFor(t, 30*time.Second, "server state freed", func() bool { return s.nconns.Load() == 0 && s.sched.Len() == 0 })
	waitFor(t, 30*time.Second, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= baseG+2 })
	waitFor(t, 30*time.Second, "fds back to baseline", func() bool { return openFDs() <= baseFD+2 })
}

func openFDs() int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(es)
}

// TestSharedScheduler: one Scheduler drives every connection of a Server
// and of twenty Clients; heartbeats still flow and nothing else ticks.
func TestSharedScheduler(t *testing.T) {
	sch := NewScheduler(200 * time.Millisecond / 3)
	defer sch.Close()
	s := startServer(t, echo(), fastHB, WithScheduler(sch))
	var clients []*Client
	for i := 0; i < 20; i++ {
		clients = append(clients, startClient(t, s.Addr().String(), fastHB, WithScheduler(sch)))
	}
	waitFor(t, 5*time.Second, "all connections on the shared ticker", func() bool { return sch.Len() == 40 })
	base := clients[0].pings.Load()
	waitFor(t, 5*time.Second, "heartbeats from the shared ticker", func() bool { return clients[0].pings.Load() >= base+2 })
	for _, c := range clients {
		c.Close()
	}
	waitFor(t, 5*time.Second, "connections leave the ticker", func() bool { return sch.Len() == 0 })
}

func TestInlineHandler(t *testing.T) {
	s := startServer(t, echo(), WithInlineHandler())
	c := startClient(t, s.Addr().String())
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				body := fmt.Sprintf("%d/%d", g, i)
				resp, err := call(c, 5*time.Second, body)
				if err != nil || string(resp.Body) != body {
					t.Errorf("call %s: %v %v", body, resp, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestReadOnlyEventBytes: the READONLY a Server sends on Shutdown is Java's,
// byte for byte.
func TestReadOnlyEventBytes(t *testing.T) {
	s := startServer(t, echo())
	p := dubbotest.Dial(t, s.Addr().String())
	waitFor(t, 5*time.Second, "connection", func() bool { return s.nconns.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "READONLY", func() bool { return len(p.Frames()) >= 1 })
	f := p.Frames()[0]
	want := fmt.Sprintf("da bb a2 00 %s 00 00 00 02 01 52", hexBytes(f.Header[4:12]))
	if got := hexBytes(append(f.Header[:], f.Body...)); got != want {
		t.Fatalf("READONLY = %s, want %s", got, want)
	}
}

// TestCloseWithBlockedInlineHandler: Close ends the context of a handler
// blocked on the read goroutine and returns.
func TestCloseWithBlockedInlineHandler(t *testing.T) {
	s, err := Listen("127.0.0.1:0", HandlerFunc(func(ctx context.Context, req *Request) *Response {
		<-ctx.Done()
		return nil
	}), WithInlineHandler())
	if err != nil {
		t.Fatal(err)
	}
	c := startClient(t, s.Addr().String())
	go call(c, 30*time.Second, "stuck")
	waitFor(t, 5*time.Second, "call in the handler", func() bool { return s.inflight.Load() == 1 })
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a blocked inline handler")
	}
}

// TestOneOfNConnectionsLost: with three connections, losing one leaves the
// Client ready and calls keep succeeding on the others while it reconnects.
func TestOneOfNConnectionsLost(t *testing.T) {
	s := startServer(t, echo())
	c := startClient(t, s.Addr().String(), WithConnections(3), WithBackoff(Backoff{Base: 200 * time.Millisecond}))
	waitFor(t, 5*time.Second, "three ready connections", func() bool {
		for _, in := range c.Conns() {
			if in.State != StateReady {
				return false
			}
		}
		return true
	})
	lost := c.slots[1].cur.Load()
	lost.conn.Close()
	waitFor(t, 5*time.Second, "slot 1 down", func() bool { return c.slots[1].cur.Load() != lost })
	if st := c.State(); st != StateReady {
		t.Fatalf("client state %v with two of three connections ready", st)
	}
	for i := 0; i < 20; i++ {
		if _, err := call(c, 5*time.Second, "on the others"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	waitFor(t, 5*time.Second, "slot 1 back", func() bool {
		cur := c.slots[1].cur.Load()
		return cur != nil && State(cur.state.Load()) == StateReady
	})
}

func TestPulseHeartbeatMarker(t *testing.T) {
	tests := []struct {
		id   int64
		want bool
	}{
		{1, false},
		{-51170522534869508, false}, // a Java 3.3 id seen live
		{pulseMarker, true},
		{pulseMarker | 0xffff, true},
		{pulseMarker | 0x10000, false}, // the 16 bits under "PULS" must be zero
		{pulseMarker - 1, false},
	}
	for _, tt := range tests {
		if got := isPulseHeartbeat(tt.id); got != tt.want {
			t.Errorf("isPulseHeartbeat(%#x) = %v", tt.id, got)
		}
	}
	for _, seq := range []int64{1, 7, 0xffff, 0x10000, 1 << 40} {
		id, body := PulseHeartbeatClient{}.NewHeartbeat(hessian2, seq)
		if !isPulseHeartbeat(id) || !bytes.Equal(body, []byte{'N'}) {
			t.Errorf("seq %d: id %#x body %x", seq, id, body)
		}
		if id, _ := (StandardHeartbeatClient{}).NewHeartbeat(hessian2, seq); isPulseHeartbeat(id) {
			t.Errorf("standard heartbeat %d marked", seq)
		}
	}
}

// TestClientCloseWaitsForConnections: when Close returns, every connection
// has run OnClose: it left the (shared) ticker and failed its calls.
func TestClientCloseWaitsForConnections(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) *Response {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return &Response{Status: StatusOK}
	}))
	sch := NewScheduler(time.Second)
	defer sch.Close()
	c := startClient(t, s.Addr().String(), WithConnections(3), WithScheduler(sch))
	waitFor(t, 5*time.Second, "three connections on the ticker", func() bool { return sch.Len() == 3 })
	errc := make(chan error, 1)
	go func() {
		_, err := call(c, 30*time.Second, "x")
		errc <- err
	}()
	waitFor(t, 5*time.Second, "the call in flight", func() bool { return s.inflight.Load() == 1 })
	c.Close()
	if n := sch.Len(); n != 0 {
		t.Errorf("%d connections still on the ticker after Close", n)
	}
	if err := <-errc; !errors.Is(err, ErrConnectionLost) {
		t.Errorf("call in flight at Close: %v, want ErrConnectionLost", err)
	}
}

func TestStatusErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  *StatusError
		want string
	}{
		{&StatusError{Status: StatusServiceError}, "exchange: SERVICE_ERROR"},
		{&StatusError{Status: StatusServiceError, Message: "boom"}, "exchange: SERVICE_ERROR: boom"},
		{&StatusError{Status: StatusChannelInactive, Message: "write failed", cause: io.ErrClosedPipe},
			"exchange: CHANNEL_INACTIVE: write failed: io: read/write on closed pipe"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestPayloadLimitOption(t *testing.T) {
	noShift := func(time.Duration) time.Duration { return 0 }
	for _, tc := range []struct {
		opts []ClientOption
		want int // <= 0: no limit
	}{
		{nil, DefaultPayloadLimit},
		{[]ClientOption{WithPayloadLimit(1024)}, 1024},
		{[]ClientOption{WithPayloadLimit(0)}, 0},
		{[]ClientOption{WithPayloadLimit(-5)}, 0},
	} {
		var o clientOptions
		for _, opt := range tc.opts {
			opt.applyClient(&o)
		}
		if _, err := o.resolve(noShift); err != nil {
			t.Fatal(err)
		}
		if got := o.payload; got != tc.want && !(tc.want <= 0 && got <= 0) {
			t.Errorf("options %d: payload limit %d, want %d", len(tc.opts), got, tc.want)
		}
	}
}

func TestZeroDialTimeoutConnects(t *testing.T) {
	s := startServer(t, echo())
	c := startClient(t, s.Addr().String(), WithDialTimeout(0)) // fails unless ready
	if _, err := call(c, 5*time.Second, "x"); err != nil {
		t.Fatal(err)
	}
}

// TestClientRefusesCallbacks: a provider's call to the client (a Dubbo
// callback) is answered SERVICE_ERROR at once, as by a Java consumer that
// exports nothing; a one-way one gets no answer.
func TestClientRefusesCallbacks(t *testing.T) {
	p := dubbotest.NewProvider(t)
	startClient(t, p.Addr(), fastHB)
	p.Broadcast(dubbotest.Encode(0x80|hessian2, 0, 77, []byte{'N'})) // one-way
	p.Broadcast(dubbotest.Encode(0xc0|hessian2, 0, 78, []byte{'N'}))
	isAnswer := func(f dubbotest.Frame) bool { return !f.IsRequest() && !f.IsEvent() }
	waitFor(t, 5*time.Second, "the callback answered", func() bool { return p.Count(isAnswer) > 0 })
	for _, f := range p.Frames() {
		if isAnswer(f) && (f.ID() != 78 || Status(f.Header[3]) != StatusServiceError) {
			t.Fatalf("answer id %d status %d, want id 78 SERVICE_ERROR", f.ID(), f.Header[3])
		}
	}
}
