package transport_test

import (
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// skipLen is frameLen with a limit: a longer frame is to be skipped.
func skipLen(limit int) transport.FrameLen {
	return func(buf []byte) (int, error) {
		n, err := frameLen(buf)
		if err == nil && n > limit {
			return n, transport.ErrSkipFrame
		}
		return n, err
	}
}

type skip struct {
	head string // the first bytes after the length, up to 8
	n    int
}

// skipRecorder is a recorder that is also a Skipper.
type skipRecorder struct {
	*recorder
	mu    sync.Mutex
	skips []skip
}

func (r *skipRecorder) OnSkip(_ transport.Conn, head []byte, n int) {
	h := head[hdr:min(len(head), hdr+8)]
	r.mu.Lock()
	r.skips = append(r.skips, skip{string(h), n})
	r.mu.Unlock()
	r.frameCh <- "skipped " + string(h)
}

// A frame the FrameLen asks to skip is dropped as it streams in, whatever
// its size (here 8 MiB, over the hard frame limit, which is for frames
// buffered whole), the Skipper hears of it in order with the other frames,
// and the connection stays open.
func TestSkipFrameKeepsConnection(t *testing.T) {
	const big = 8 << 20
	bigFrame := make([]byte, big)
	binary.BigEndian.PutUint32(bigFrame, big)
	copy(bigFrame[hdr:], "BIGFRAME")

	tests := []struct {
		name  string
		write func(nc net.Conn) error
	}{
		{"with neighbours in one write", func(nc net.Conn) error {
			var b []byte
			b = append(b, frame("before")...)
			b = append(b, bigFrame...)
			b = append(b, frame("after")...)
			_, err := nc.Write(b)
			return err
		}},
		{"in odd chunks", func(nc net.Conn) error {
			b := append(append(frame("before"), bigFrame...), frame("after")...)
			for i := 0; i < len(b); i += 65537 {
				if _, err := nc.Write(b[i:min(i+65537, len(b))]); err != nil {
					return err
				}
			}
			return nil
		}},
		{"header alone first", func(nc net.Conn) error {
			if _, err := nc.Write(append(frame("before"), bigFrame[:hdr+8]...)); err != nil {
				return err
			}
			if _, err := nc.Write(bigFrame[hdr+8:]); err != nil {
				return err
			}
			_, err := nc.Write(frame("after"))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &skipRecorder{recorder: newRecorder()}
			l, err := transport.Listen("127.0.0.1:0", skipLen(1<<10), rec, transport.WithMaxFrameSize(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			nc := rawDial(t, l)
			errc := make(chan error, 1)
			go func() { errc <- tt.write(nc) }()
			for _, want := range []string{"before", "skipped BIGFRAME", "after"} {
				if got := rec.nextFrame(t); got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			if len(rec.skips) != 1 || rec.skips[0] != (skip{"BIGFRAME", big}) {
				t.Fatalf("skips %v", rec.skips)
			}
			rec.mu.Unlock()
			if _, closes, errs := rec.counts(); closes != 0 || errs != 0 {
				t.Fatalf("closes %d, errors %d: the connection should stay open", closes, errs)
			}
			// Still in sync: another small frame gets through.
			nc.Write(frame(strings.Repeat("z", 10)))
			if got := rec.nextFrame(t); got != strings.Repeat("z", 10) {
				t.Fatalf("got %q after the skip", got)
			}
		})
	}
}

// A Handler that is not a Skipper never hears of skipped frames.
func TestSkipFrameWithoutSkipper(t *testing.T) {
	rec := newRecorder()
	l, err := transport.Listen("127.0.0.1:0", skipLen(16), rec)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc := rawDial(t, l)
	nc.Write(append(frame(strings.Repeat("x", 100)), frame("small")...))
	if got := rec.nextFrame(t); got != "small" {
		t.Fatalf("got %q", got)
	}
}

// The bytes of a frame being skipped are reads like any other: while a
// large frame is still streaming in, LastRead moves, so that the layer above
// does not take a slow but live peer for a silent one.
func TestSkippedBytesMoveLastRead(t *testing.T) {
	srv := &skipRecorder{recorder: newRecorder()}
	l, err := transport.Listen("127.0.0.1:0", skipLen(64), srv)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc := rawDial(t, l)
	const big = 1 << 20
	head := make([]byte, 4096)
	binary.BigEndian.PutUint32(head, big)
	if _, err := nc.Write(head); err != nil {
		t.Fatal(err)
	}
	if got := srv.nextFrame(t); got != "skipped "+string(head[hdr:hdr+8]) {
		t.Fatalf("got %q, want the skip", got)
	}
	srv.recorder.mu.Lock()
	c := srv.conns[0]
	srv.recorder.mu.Unlock()
	var last time.Time
	for i := 0; i < 3; i++ {
		last = c.LastRead()
		time.Sleep(2 * time.Millisecond) // so that a later read has a later clock
		if _, err := nc.Write(make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
		eventually(t, "LastRead to move with the skipped frame's bytes", func() bool { return c.LastRead().After(last) })
	}
}
