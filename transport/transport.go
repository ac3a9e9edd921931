// Package transport owns TCP connections: listeners and dialers on getty
// (github.com/apache/dubbo-getty), framing of the byte stream into whole
// frames by an injected length function, socket options (TCP_NODELAY,
// keepalive idle/interval/count, TCP_USER_TIMEOUT) and each connection's
// last-read and last-write clocks.
//
// It knows nothing of requests or heartbeats: a frame is a byte slice whose
// length the FrameLen function given by the layer above decides. No getty
// type leaves this package.
//
// # Connections and getty
//
// Every accepted or dialed *net.TCPConn gets exactly one getty session,
// which runs the read goroutine: it reads into getty's buffer, asks FrameLen
// where the next frame ends and hands whole frames to Handler.OnFrame. Dial
// opens one socket, bounded by its context and WithDialTimeout, and never
// redials; getty's own client (which dials in a loop and reconnects by
// itself) is not used, and getty's accept loop is replaced by one that backs
// off when descriptors run out. getty v1.5.0 offers no exported way to wrap
// a net.Conn, so its session constructor is reached by go:linkname (getty.go).
//
// getty's per-session cron is left harmless: OnCron does nothing and runs
// every 30 s, because liveness belongs to exchange, which checks every
// connection's LastRead/LastWrite from one ticker. getty's read timeout is
// not an error in getty (it just reads again), so idle connections are
// never closed here; Close closes the socket, which wakes the reader at once.
// getty logs through a process-wide logger, which this package routes to
// slog.Default() at debug level.
//
// # Threading
//
// OnOpen runs before Dial returns (or in the accept loop), before any
// OnFrame. OnFrame runs on the connection's read goroutine, one frame at a
// time in arrival order, with no task pool between: a handler that must
// block hands the work to its own goroutines. OnError, if any, then OnClose
// run last on the same goroutine; OnError runs while the socket is still
// open, so a last answer (a BAD_REQUEST) can be written from it.
//
// # Writes
//
// Write never goes through getty's WritePkg (which boxes, logs and sets a
// deadline on every call); it writes to the socket directly. A caller that
// finds the socket free becomes the flusher: it yields once (so that the
// callers made runnable with it, say the callers woken by the answers of one
// read, can queue their frames), then writes its own bytes, uncopied, and the
// queue in one writev; callers that arrive while it writes append to the
// queue and return, and the flusher sends the whole queue in one more
// syscall. While the read goroutine hands out the frames of one read that
// held several, it owns the socket the same way, so the answers made by
// inline handlers leave in one syscall at the end of the batch ("handle on
// the read loop, flush once per read batch"). A nil error from Write
// therefore means "handed to the kernel or queued behind a write in
// progress"; a later failure closes the connection and reaches OnError, and
// Done tells the caller. Close does not drop what is queued behind a write
// in progress: that writer sends it, then closes.
//
// # Reads
//
// getty hands each read's whole frames to the session as one task (getty
// allocates a closure per task), and OnFrame then runs for each frame in
// order. A FrameLen may ask for a frame to be skipped (ErrSkipFrame): its
// bytes are dropped as they arrive, never buffered whole.
//
// # Tests
//
// Package transporttest has the goleak options that ignore getty's
// process-wide timer wheel goroutines, for every package that uses transport.
package transport

import (
	"errors"
	"net"
	"time"
)

// FrameLen tells the reader how long the frame at the start of buf is:
// 0 with a nil error means "need more bytes"; a positive n means the frame is
// buf[:n] once that many bytes have arrived; an error means the stream is
// broken and the connection is closed after Handler.OnError.
type FrameLen func(buf []byte) (n int, err error)

// Conn is one TCP connection, from a listener or a dialer.
type Conn interface {
	// Write sends one or more whole frames. It is safe for concurrent use;
	// frames written by one call are never interleaved with another's. A nil
	// error means the frames were handed to the kernel or queued behind a
	// write in progress (copied: Write keeps no reference to frames once it
	// returns, so the caller may reuse the buffer); a later failure closes
	// the connection.
	Write(frames []byte) error
	// Close closes the connection; OnClose runs once. Later writes fail
	// with ErrClosed and no more frames reach OnFrame. A write in progress
	// first sends what is queued behind it (bounded by the write timeout).
	Close() error
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	// LastRead is when the last whole frame arrived, or the last bytes of
	// a frame being skipped (connect time at first).
	LastRead() time.Time
	// LastWrite is when the last frame was handed to the kernel (connect time at first).
	LastWrite() time.Time
	// Done is closed when the connection is closed.
	Done() <-chan struct{}
	// SetValue keeps v with the connection for the layer above: its own
	// state for this connection, found again from the Conn that OnFrame
	// gets without a lookup. Value returns it (nil before SetValue).
	SetValue(v any)
	Value() any
}

// ErrSkipFrame, returned by a FrameLen together with the whole length n of
// the frame at the start of buf, asks the reader to drop that frame without
// buffering it: its bytes are discarded as they arrive (nothing is allocated
// for them, whatever n is), the Handler's OnSkip gets its first bytes if the
// Handler is a Skipper, and the connection stays open. The layer above uses
// it for a frame over its own limit that it can fail alone (a response too
// large for its caller) instead of closing the connection.
var ErrSkipFrame = errors.New("transport: skip frame")

// Skipper is a Handler that wants to know of the frames its FrameLen asked
// to skip (ErrSkipFrame).
type Skipper interface {
	// OnSkip gets the start of a skipped frame, as much of it as had
	// arrived (at least what FrameLen looked at), and its whole length n.
	// It runs on the read goroutine, in order with OnFrame; head is valid
	// only until it returns.
	OnSkip(c Conn, head []byte, n int)
}

// Handler receives a connection's life: open, each frame, errors, close.
type Handler interface {
	OnOpen(c Conn)
	// OnFrame gets one whole frame; the slice is valid only until OnFrame returns.
	OnFrame(c Conn, frame []byte)
	// OnError reports why the connection is about to close (bad frame, I/O error).
	OnError(c Conn, err error)
	OnClose(c Conn)
}
