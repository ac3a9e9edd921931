package exchange

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestShutdownServesLateCalls: a call a client wrote before it read READONLY
// reaches a draining Server; it is served, as Java serves it, instead of
// being refused or meeting a closed connection, and the Server closes once
// no more frames arrive.
func TestShutdownServesLateCalls(t *testing.T) {
	var ran atomic.Int32
	srv, err := Listen("127.0.0.1:0", HandlerFunc(func(ctx context.Context, req *Request) *Response {
		ran.Add(1)
		return &Response{Status: StatusOK, Body: []byte("served")}
	}), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for srv.nconns.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("connection not registered")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A busy client: heartbeats every few ms, as calls would be, until the
	// late call is answered.
	var mu sync.Mutex
	write := func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		c.Write(b)
	}
	stop := make(chan struct{})
	pinging := make(chan struct{})
	go func() {
		defer close(pinging)
		for id := int64(1000); ; id++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				write(heartbeatRequest(serializationHessian2, id, NullBody(serializationHessian2)))
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-pinging
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	readFrame := func() (Header, []byte) {
		var h Header
		if _, err := io.ReadFull(c, h[:]); err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		body := make([]byte, h.BodyLen())
		if _, err := io.ReadFull(c, body); err != nil {
			t.Fatalf("reading a body: %v", err)
		}
		return h, body
	}
	for {
		h, body := readFrame()
		if h.IsRequest() && h.IsEvent() && ClassifyEvent(h.SerializationID(), body) == EventReadOnly {
			break
		}
	}
	// The late call: written after READONLY was sent, as a client that has
	// not read it yet does.
	req := NewHeader(FlagRequest|FlagTwoWay|serializationHessian2, 0, 42, 1)
	write(append(req[:], 'N'))
	for {
		h, body := readFrame()
		if h.IsRequest() || h.ID() != 42 {
			continue // heartbeat answers
		}
		if h.Status() != StatusOK || !bytes.Equal(body, []byte("served")) {
			t.Fatalf("late call answered %v %q, want OK \"served\"", h.Status(), body)
		}
		break
	}
	if n := ran.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	close(stop)
	<-pinging
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// Closed once quiet.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("connection still open after Shutdown")
			}
			break
		}
	}
}
