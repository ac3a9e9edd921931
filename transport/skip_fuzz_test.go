package transport_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/pulse-rpc/pulse/transport"
)

// skipLimit is the frame size above which FuzzSkipFraming's FrameLen asks
// for a skip.
const skipLimit = 64

// skipReference cuts stream the way a correct skipping reader must: frames
// up to skipLimit whole, longer ones as "skip:<n>" as soon as their length
// is readable (even if the rest never comes), until the first error or
// incomplete frame; and whether the stream broke.
func skipReference(stream []byte) (events []string, broken bool) {
	for {
		n, err := frameLen(stream)
		if err != nil {
			return events, true
		}
		if n == 0 {
			return events, false
		}
		if n > skipLimit {
			events = append(events, "skip:"+strconv.Itoa(n))
			if n >= len(stream) {
				return events, false
			}
			stream = stream[n:]
			continue
		}
		if n > len(stream) {
			return events, false
		}
		events = append(events, string(stream[hdr:n]))
		stream = stream[n:]
	}
}

// skipFuzzServer collects, per connection, frames and skips in order.
type skipFuzzServer struct {
	fuzzServer
}

func (s *skipFuzzServer) OnSkip(c transport.Conn, head []byte, n int) {
	if len(head) < hdr || len(head) > n {
		panic("OnSkip: head of " + strconv.Itoa(len(head)) + " bytes for a frame of " + strconv.Itoa(n))
	}
	s.mu.Lock()
	s.frames[c] = append(s.frames[c], "skip:"+strconv.Itoa(n))
	s.mu.Unlock()
}

// FuzzSkipFraming sends arbitrary bytes in arbitrary chunks to a listener
// whose FrameLen skips frames over skipLimit: exactly the frames and skips a
// correct reader finds arrive, in order; skipped frames never break the
// stream; a broken one is reported once and closed.
func FuzzSkipFraming(f *testing.F) {
	big := frame(string(make([]byte, 300)))
	f.Add(append(append(frame("a"), big...), frame("b")...), uint8(1))
	f.Add(append(big, frame("x")...), uint8(63))
	f.Add(append(frame("x"), big[:10]...), uint8(3))
	f.Add(append(big, 0, 0, 0, 2), uint8(7))
	srv := &skipFuzzServer{fuzzServer{frames: map[transport.Conn][]string{}, errs: map[transport.Conn]error{}, closed: map[transport.Conn]chan struct{}{}}}
	l, err := transport.Listen("127.0.0.1:0", skipLen(skipLimit), srv, transport.WithMaxFrameSize(fuzzMaxFrame))
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		want, broken := skipReference(stream)
		got, gotErr := srv.feed(t, l.Addr().String(), stream, chunk, len(want), broken)
		if !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		if broken != (gotErr != nil) {
			t.Fatalf("broken=%v but OnError(%v)", broken, gotErr)
		}
		if broken && !errors.Is(gotErr, errBadLen) {
			t.Fatalf("OnError(%v)", gotErr)
		}
	})
}
