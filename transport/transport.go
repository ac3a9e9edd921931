// Package transport owns TCP connections: listeners and dialers on getty
// (github.com/apache/dubbo-getty), framing of the byte stream into whole
// frames by an injected length function, socket options (TCP_NODELAY,
// keepalive idle/interval/count, TCP_USER_TIMEOUT) and each connection's
// last-read and last-write clocks.
//
// It knows nothing of requests or heartbeats: a frame is a byte slice whose
// length the FrameLen function given by the layer above decides. No getty
// type leaves this package.
package transport

import (
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
	// frames written by one call are never interleaved with another's.
	Write(frames []byte) error
	// Close closes the connection; OnClose runs once.
	Close() error
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	// LastRead is when the last whole frame arrived (connect time at first).
	LastRead() time.Time
	// LastWrite is when the last frame was handed to the kernel (connect time at first).
	LastWrite() time.Time
	// Done is closed when the connection is closed.
	Done() <-chan struct{}
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
