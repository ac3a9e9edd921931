package exchange

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// refusingConn answers heartbeats (so the Client gets ready) and fails
// every other write, as a socket that broke under a call.
type refusingConn struct {
	h    transport.Handler
	once sync.Once
	done chan struct{}
	val  atomic.Value
}

var errRefused = errors.New("write refused")

func (c *refusingConn) Write(frames []byte) error {
	h := (*Header)(frames)
	if h.IsEvent() && h.IsRequest() {
		answer := heartbeatAnswer(serializationHessian2, h.ID(), NullBody(serializationHessian2))
		go c.h.OnFrame(c, answer)
		return nil
	}
	return errRefused
}

func (c *refusingConn) Close() error {
	c.once.Do(func() { close(c.done); go c.h.OnClose(c) })
	return nil
}
func (c *refusingConn) LocalAddr() net.Addr   { return &net.TCPAddr{} }
func (c *refusingConn) RemoteAddr() net.Addr  { return &net.TCPAddr{} }
func (c *refusingConn) LastRead() time.Time   { return time.Now() }
func (c *refusingConn) LastWrite() time.Time  { return time.Now() }
func (c *refusingConn) Done() <-chan struct{} { return c.done }
func (c *refusingConn) SetValue(v any)        { c.val.Store(&v) }
func (c *refusingConn) Value() any {
	if p, _ := c.val.Load().(*any); p != nil {
		return *p
	}
	return nil
}

func TestFailedWriteIsNotSent(t *testing.T) {
	dial := func(_ context.Context, _ string, _ transport.FrameLen, h transport.Handler) (transport.Conn, error) {
		c := &refusingConn{h: h, done: make(chan struct{})}
		h.OnOpen(c)
		return c, nil
	}
	c, err := newClient("refusing:1", dial, testLog)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(ctx, &Request{Serialization: hessian2, Body: []byte("x")})
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrConnectionLost) || !errors.Is(err, errRefused) {
		t.Fatalf("call whose write failed: %v, want ErrNotSent, ErrConnectionLost and the cause", err)
	}
	if err := c.Send(ctx, &Request{Serialization: hessian2, Body: []byte("x")}); !errors.Is(err, ErrNotSent) {
		t.Fatalf("one-way send whose write failed: %v, want ErrNotSent", err)
	}
	// A call in flight when its connection closes was sent.
	if errors.Is(&StatusError{Status: StatusChannelInactive}, ErrNotSent) {
		t.Fatal("a lost call in flight matches ErrNotSent")
	}
}
