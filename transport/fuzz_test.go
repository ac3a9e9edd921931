package transport_test

import (
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

const fuzzMaxFrame = 1 << 12

// reference cuts stream the way a correct reader must: the whole frames
// before the first error or incomplete frame, and whether the stream broke.
func reference(stream []byte) (frames []string, broken bool) {
	for {
		n, err := frameLen(stream)
		if err == nil && n > fuzzMaxFrame {
			err = transport.ErrFrameTooLarge
		}
		if err != nil {
			return frames, true
		}
		if n == 0 || n > len(stream) {
			return frames, false
		}
		frames = append(frames, string(stream[hdr:n]))
		stream = stream[n:]
	}
}

// fuzzServer collects, per connection, the frames and the error it saw.
type fuzzServer struct {
	nopHandler
	mu     sync.Mutex
	frames map[transport.Conn][]string
	errs   map[transport.Conn]error
	closed map[transport.Conn]chan struct{}
}

func (s *fuzzServer) OnOpen(c transport.Conn) {
	s.mu.Lock()
	s.closed[c] = make(chan struct{})
	s.mu.Unlock()
}

func (s *fuzzServer) OnFrame(c transport.Conn, f []byte) {
	s.mu.Lock()
	s.frames[c] = append(s.frames[c], string(f[hdr:]))
	s.mu.Unlock()
}

func (s *fuzzServer) OnError(c transport.Conn, err error) {
	s.mu.Lock()
	s.errs[c] = err
	s.mu.Unlock()
}

func (s *fuzzServer) OnClose(c transport.Conn) {
	s.mu.Lock()
	close(s.closed[c])
	s.mu.Unlock()
}

// FuzzFraming sends arbitrary bytes in arbitrary chunks to a live listener:
// exactly the frames a correct reader finds arrive, whole and in order, and
// a broken stream is reported once and closed.
func FuzzFraming(f *testing.F) {
	f.Add(append(frame("hello"), frame("world")...), uint8(1))
	f.Add(append(frame("x"), 0, 0, 0, 2), uint8(3))
	f.Add([]byte{0, 0, 0x10, 1, 'a'}, uint8(7))
	f.Add(append(frame(string(make([]byte, 300))), frame("")...), uint8(40))
	srv := &fuzzServer{frames: map[transport.Conn][]string{}, errs: map[transport.Conn]error{}, closed: map[transport.Conn]chan struct{}{}}
	l, err := transport.Listen("127.0.0.1:0", frameLen, srv, transport.WithMaxFrameSize(fuzzMaxFrame))
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		want, broken := reference(stream)
		got, gotErr := srv.feed(t, l.Addr().String(), stream, chunk, len(want), broken)
		if !slices.Equal(got, want) {
			t.Fatalf("frames %q, want %q", got, want)
		}
		if broken != (gotErr != nil) {
			t.Fatalf("broken=%v but OnError(%v)", broken, gotErr)
		}
		if broken && !errors.Is(gotErr, errBadLen) && !errors.Is(gotErr, transport.ErrFrameTooLarge) {
			t.Fatalf("OnError(%v)", gotErr)
		}
	})
}

// feed sends stream to the listener at addr in chunks of chunk%64+1 bytes,
// waits until the server side has collected want events (or, for a broken
// stream, has closed the connection), and returns what the server collected
// for that connection and the error it reported.
func (s *fuzzServer) feed(t *testing.T, addr string, stream []byte, chunk uint8, want int, broken bool) ([]string, error) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	size := int(chunk%64) + 1
	for i := 0; i < len(stream); i += size {
		if _, err := nc.Write(stream[i:min(i+size, len(stream))]); err != nil {
			break // the server closed on a bad frame
		}
	}
	// Find the server side: the connection whose remote is our local.
	var sc transport.Conn
	var closed chan struct{}
	eventually(t, "server connection", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for c, ch := range s.closed {
			if c.RemoteAddr().String() == nc.LocalAddr().String() {
				sc, closed = c, ch
				return true
			}
		}
		return false
	})
	if broken {
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("broken stream: connection not closed")
		}
	} else {
		eventually(t, "frames", func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.frames[sc]) >= want
		})
		nc.Close()
		<-closed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got, gotErr := s.frames[sc], s.errs[sc]
	delete(s.frames, sc)
	delete(s.errs, sc)
	delete(s.closed, sc)
	return got, gotErr
}
