package transport_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// countingHandler counts log records whose message contains a substring.
type countingHandler struct {
	substr string
	n      atomic.Int64
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		h.n.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// Out of descriptors, the accept loop backs off instead of spinning, and
// takes the waiting connection once descriptors are back.
func TestAcceptBacksOffWhenOutOfDescriptors(t *testing.T) {
	logs := &countingHandler{substr: "accept failed"}
	srv := &counting{}
	l := listen(t, srv, transport.WithLogger(slog.New(logs)))

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	// Fill every descriptor left under a lowered limit, then free one for
	// the dial below: the accept finds none.
	low := old
	low.Cur = uint64(openFDs(t)) + 64
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	var fillers []int
	restored := false
	restore := func() {
		if restored {
			return
		}
		restored = true
		for _, fd := range fillers {
			syscall.Close(fd)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			t.Fatal(err)
		}
	}
	defer restore()
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		fillers = append(fillers, fd)
	}
	if len(fillers) == 0 {
		t.Skip("no descriptor to free")
	}
	syscall.Close(fillers[len(fillers)-1])
	fillers = fillers[:len(fillers)-1]
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		restore()
		t.Skipf("could not dial with the last descriptor: %v", err)
	}
	defer nc.Close()
	eventually(t, "an accept failure", func() bool { return logs.n.Load() > 0 })
	start := time.Now()
	eventually(t, "300 ms out of descriptors", func() bool { return time.Since(start) > 300*time.Millisecond })
	failures := logs.n.Load()
	restore()
	// A spinning loop fails thousands of times in 300 ms; 5 ms doubling
	// backoff about eight times.
	if failures > 100 {
		t.Fatalf("%d accept failures in 300 ms: the loop does not back off", failures)
	}
	eventually(t, "the waiting connection to be accepted", func() bool { return srv.opens.Load() == 1 })
	t.Logf("%d accept failures while out of descriptors", failures)
}
