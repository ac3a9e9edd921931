package transport_test

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// Test framing: a 4-byte big-endian length of the whole frame, then data.
const hdr = 4

var errBadLen = errors.New("test: bad length")

func frameLen(buf []byte) (int, error) {
	if len(buf) < hdr {
		return 0, nil
	}
	n := int(binary.BigEndian.Uint32(buf))
	if n < hdr || n > 1<<30 {
		return 0, errBadLen
	}
	return n, nil
}

func frame(payload string) []byte {
	b := make([]byte, hdr+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	copy(b[hdr:], payload)
	return b
}

// recorder is a Handler that keeps everything it sees.
type recorder struct {
	mu      sync.Mutex
	frames  []string
	errs    []error
	opens   int
	closes  int
	conns   []transport.Conn
	frameCh chan string
	closeCh chan transport.Conn
	onFrame func(c transport.Conn, f []byte)
}

func newRecorder() *recorder {
	return &recorder{frameCh: make(chan string, 1<<16), closeCh: make(chan transport.Conn, 1<<16)}
}

func (r *recorder) OnOpen(c transport.Conn) {
	r.mu.Lock()
	r.opens++
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

func (r *recorder) OnFrame(c transport.Conn, f []byte) {
	if r.onFrame != nil {
		r.onFrame(c, f)
		return
	}
	s := string(f[hdr:])
	r.mu.Lock()
	r.frames = append(r.frames, s)
	r.mu.Unlock()
	r.frameCh <- s
}

func (r *recorder) OnError(c transport.Conn, err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *recorder) OnClose(c transport.Conn) {
	r.mu.Lock()
	r.closes++
	r.mu.Unlock()
	r.closeCh <- c
}

func (r *recorder) counts() (opens, closes, errs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opens, r.closes, len(r.errs)
}

func (r *recorder) nextFrame(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.frameCh:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10s")
		return ""
	}
}

func (r *recorder) waitClose(t *testing.T) transport.Conn {
	t.Helper()
	select {
	case c := <-r.closeCh:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose within 10s")
		return nil
	}
}

// nopHandler ignores everything.
type nopHandler struct{}

func (nopHandler) OnOpen(transport.Conn)          {}
func (nopHandler) OnFrame(transport.Conn, []byte) {}
func (nopHandler) OnError(transport.Conn, error)  {}
func (nopHandler) OnClose(transport.Conn)         {}

func listen(t testing.TB, h transport.Handler, opts ...transport.Option) *transport.Listener {
	t.Helper()
	l, err := transport.Listen("127.0.0.1:0", frameLen, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func rawDial(t testing.TB, l *transport.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dial connects a transport client with a recorder to l, closed at the end.
func dial(t testing.TB, l *transport.Listener) transport.Conn {
	t.Helper()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 10*time.Second, what, cond)
}

func eventuallyWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
