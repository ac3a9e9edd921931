package transport

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/transport/internal/tcpopt"
)

// conn is the Conn of both sides: a *net.TCPConn read by a getty session and
// written directly (see the package doc for why writes bypass getty).
type conn struct {
	nc       *net.TCPConn
	h        Handler
	frameLen FrameLen
	maxFrame int
	log      *slog.Logger
	ln       *Listener // nil on the dialing side
	local    net.Addr
	remote   net.Addr

	// Clocks and counters, in unix nanoseconds and plain counts.
	lastRead  atomic.Int64
	lastWrite atomic.Int64
	framesIn  atomic.Uint64
	bytesIn   atomic.Uint64
	writes    atomic.Uint64
	bytesOut  atomic.Uint64

	// Touched by the read goroutine only.
	frame   []byte // the frame handed from Read to OnMessage
	readErr error  // why Read refused the stream

	wmu       sync.Mutex
	wtimeout  time.Duration
	wdeadline int64 // write deadline in force, unix nanos; under wmu

	closeOnce sync.Once
	closing   atomic.Bool
	cause     error // first failure that closed the conn; read after closeOnce
	done      chan struct{}
}

func newConn(nc *net.TCPConn, o *options, fl FrameLen, h Handler, ln *Listener) *conn {
	c := &conn{
		nc:       nc,
		h:        h,
		frameLen: fl,
		maxFrame: o.maxFrame,
		log:      o.logger,
		ln:       ln,
		local:    nc.LocalAddr(),
		remote:   nc.RemoteAddr(),
		wtimeout: o.writeTimeout,
		done:     make(chan struct{}),
	}
	now := time.Now().UnixNano()
	c.lastRead.Store(now)
	c.lastWrite.Store(now)
	return c
}

// Write hands frames to the kernel in one write under the connection's write
// lock, so that concurrent callers never interleave. A failed or partial
// write closes the connection; the error is also reported to OnError.
func (c *conn) Write(frames []byte) error {
	if len(frames) == 0 {
		return nil
	}
	c.wmu.Lock()
	if c.closing.Load() {
		c.wmu.Unlock()
		return ErrClosed
	}
	now := time.Now().UnixNano()
	if c.wtimeout > 0 && c.wdeadline-now < int64(c.wtimeout/2) {
		// Move the deadline only when less than half of the timeout is
		// left: one SetWriteDeadline per half period instead of per write.
		dl := now + int64(c.wtimeout)
		if err := c.nc.SetWriteDeadline(time.Unix(0, dl)); err != nil {
			c.wmu.Unlock()
			return c.writeFailed(err)
		}
		c.wdeadline = dl
	}
	_, err := c.nc.Write(frames)
	c.wmu.Unlock()
	if err != nil {
		return c.writeFailed(err)
	}
	c.lastWrite.Store(now)
	c.writes.Add(1)
	c.bytesOut.Add(uint64(len(frames)))
	return nil
}

func (c *conn) writeFailed(err error) error {
	werr := &IOError{Op: "write", Err: err}
	if c.closing.Load() {
		// Closed under our feet by Close or by the reader: not news.
		return fmt.Errorf("%w: %w", ErrClosed, werr)
	}
	c.shutdown(werr)
	return werr
}

// shutdown closes the socket once; cause is what OnError will report (nil
// for a deliberate Close). The read goroutine then leaves and runs OnClose.
func (c *conn) shutdown(cause error) {
	c.closeOnce.Do(func() {
		c.cause = cause
		c.closing.Store(true)
		close(c.done)
		_ = c.nc.Close()
	})
}

// Close closes the connection. OnClose runs once, on the read goroutine.
func (c *conn) Close() error {
	c.shutdown(nil)
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }
func (c *conn) LastRead() time.Time  { return time.Unix(0, c.lastRead.Load()) }
func (c *conn) LastWrite() time.Time { return time.Unix(0, c.lastWrite.Load()) }
func (c *conn) Done() <-chan struct{} {
	return c.done
}

func (c *conn) String() string {
	return fmt.Sprintf("%s->%s", c.local, c.remote)
}

// Stats are a connection's counters since it opened.
type Stats struct {
	FramesIn uint64 // whole frames handed to OnFrame
	BytesIn  uint64 // bytes of those frames
	Writes   uint64 // successful Write calls
	BytesOut uint64 // bytes written by them
}

// StatsOf returns the counters of a connection made by this package; ok is
// false for any other Conn.
func StatsOf(c Conn) (s Stats, ok bool) {
	cc, ok := c.(*conn)
	if !ok {
		return s, false
	}
	return Stats{
		FramesIn: cc.framesIn.Load(),
		BytesIn:  cc.bytesIn.Load(),
		Writes:   cc.writes.Load(),
		BytesOut: cc.bytesOut.Load(),
	}, true
}

// ReadSocketOptions reads the TCP options back from the socket of a
// connection made by this package (Linux; elsewhere errors.ErrUnsupported).
func ReadSocketOptions(c Conn) (SocketOptions, error) {
	cc, ok := c.(*conn)
	if !ok {
		return SocketOptions{}, fmt.Errorf("transport: %T is not a connection of this package", c)
	}
	return tcpopt.Get(cc.nc)
}
