package exchange

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
	"github.com/pulse-rpc/pulse/transport"
)

// frameSpy passes every transport event on to the Server and notes when
// it has handed over the request with id lateID.
type frameSpy struct {
	transport.Handler
	late atomic.Bool
}

const lateID = 8

func (f *frameSpy) OnFrame(c transport.Conn, frame []byte) {
	f.Handler.OnFrame(c, frame)
	if h := (*Header)(frame); h.IsRequest() && !h.IsEvent() && h.ID() == lateID {
		f.late.Store(true)
	}
}

// closingListener delivers one more call, on a real connection, while
// Close is under way and before the connections close: as a read
// goroutine does with a frame it had read when Close began.
type closingListener struct {
	listener
	spy  *frameSpy
	late func()
}

func (l *closingListener) Close() error {
	l.late()
	deadline := time.Now().Add(10 * time.Second)
	for !l.spy.late.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return l.listener.Close()
}

// TestCloseRefusesLateCall: a call that reaches a Server while Close runs
// (its calls' contexts ended, the answers of calls still running are
// dropped) is not run: it is answered SERVER_ERROR with
// ShuttingDownMessage, so that the client may send it elsewhere, instead of
// being run with an ended context and its answer lost.
func TestCloseRefusesLateCall(t *testing.T) {
	var ran atomic.Int32
	h := HandlerFunc(func(ctx context.Context, req *Request) *Response {
		ran.Add(1)
		return &Response{Status: StatusOK, Body: []byte("ran")}
	})
	var raw *dubbotest.Peer
	cl := &closingListener{late: func() { raw.Broadcast(dubbotest.Encode(0xc2, 0, lateID, []byte("late"))) }}
	lf := func(addr string, fl transport.FrameLen, th transport.Handler) (listener, error) {
		cl.spy = &frameSpy{Handler: th}
		ln, err := transportListener(nil)(addr, fl, cl.spy)
		cl.listener = ln
		return cl, err
	}
	s, err := listen("127.0.0.1:0", h, lf, testLog)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw = dubbotest.Dial(t, s.Addr().String())
	raw.Broadcast(dubbotest.Encode(0xc2, 0, 7, []byte("before")))
	waitFor(t, 10*time.Second, "the first answer", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool { return !f.IsRequest() && f.ID() == 7 }) == 1
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1 (the call arriving during Close ran)", n)
	}
	waitFor(t, 10*time.Second, "the refusal of the late call", func() bool {
		return raw.Count(func(f dubbotest.Frame) bool {
			return !f.IsRequest() && f.ID() == lateID && f.Header[3] == byte(StatusServerError) &&
				strings.Contains(string(f.Body), ShuttingDownMessage)
		}) == 1
	})
}
