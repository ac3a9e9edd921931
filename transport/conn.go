package transport

import (
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/internal/monotime"
	"github.com/pulse-rpc/pulse/transport/internal/tcpopt"
)

const (
	// maxPending is how many bytes may queue behind a write in progress
	// before writers wait.
	maxPending = 4 << 20
	// maxRounds is how many queued batches one caller writes for others
	// before a fresh goroutine takes over.
	maxRounds = 8
	// keepBuffer is the largest queue buffer always kept for reuse; one up
	// to maxKeepBuffer is kept while batches fill at least a quarter of it
	// (64 answers of 4 KiB make a 256 KiB batch, which would otherwise be
	// grown from small again for every batch).
	keepBuffer    = 64 << 10
	maxKeepBuffer = 1 << 20
)

// conn is the Conn of both sides: a *net.TCPConn read by a getty session and
// written directly (see the package doc for why writes bypass getty).
type conn struct {
	nc       *net.TCPConn
	h        Handler
	frameLen FrameLen
	maxFrame int
	readPoll time.Duration
	cron     time.Duration // getty's per-session timer period
	log      *slog.Logger
	ln       *Listener // nil on the dialing side
	local    net.Addr
	remote   net.Addr

	// Clocks (monotime instants) and counters.
	lastRead  atomic.Int64
	lastWrite atomic.Int64
	framesIn  atomic.Uint64
	bytesIn   atomic.Uint64
	writes    atomic.Uint64
	flushes   atomic.Uint64
	bytesOut  atomic.Uint64

	// Touched by the read goroutine only.
	batch    []byte // the whole frames handed from Read to OnMessage
	frames   int    // how many frames batch holds
	skipHead []byte // the start of a frame to skip, handed from Read to OnMessage
	skipLen  int    // the whole length of that frame
	skipLeft int    // bytes of a skipped frame still to come
	readErr  error  // why Read refused the stream
	skipper  Skipper

	// Write side: see Write. All under wmu except wtimeout (fixed) and
	// wdeadline (flusher only).
	wmu       sync.Mutex
	wcond     sync.Cond // writers waiting for the queue to shrink
	wwaiting  int
	flushing  bool   // a caller (or the corked read goroutine) owns the socket
	corked    bool   // the read goroutine owns it for a batch of frames
	direct    bool   // one syscall per Write, no queue (benchmarks)
	nocork    bool   // never cork (benchmarks)
	noYield   bool   // never yield before a syscall (benchmarks)
	rawLoop   bool   // read without getty (benchmarks)
	holdsCork bool   // read goroutine: it corked the socket
	wbuf      []byte // frames queued behind the flusher
	wspare    []byte // the previous batch's buffer, reused
	wtimeout  time.Duration
	wdeadline int64       // write deadline in force, a monotime instant (flusher only)
	iov       net.Buffers // flusher only: the two slices of a gathered write
	iovArr    [2][]byte   // iov's backing array

	value atomic.Value // SetValue's, boxed in valueBox

	closeOnce sync.Once
	closeReq  atomic.Bool // Close was called (the socket may close a little later)
	closing   atomic.Bool // the socket is closed or closing
	cause     error       // first failure that closed the conn; read after closeOnce
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
		direct:   o.directWrites,
		nocork:   o.noCork || o.directWrites,
		noYield:  o.noYield,
		rawLoop:  o.rawReadLoop,
		readPoll: o.readPoll,
		cron:     o.cronPeriod,
	}
	c.wcond.L = &c.wmu
	c.skipper, _ = h.(Skipper)
	now := monotime.Now()
	c.lastRead.Store(now)
	c.lastWrite.Store(now)
	return c
}

// Write hands frames to the kernel, whole and never interleaved with
// another caller's. A caller that finds the socket free becomes the flusher:
// it yields once, so that callers made runnable together with it (the
// answers of one read waking their callers, the workers of one batch) can
// queue their frames, then writes its own bytes, uncopied, and the queue in
// one gathered syscall, and then whatever was queued meanwhile. A caller
// that finds a write in progress appends its frames to the queue and
// returns. So concurrent writers share one syscall per batch, and a lone
// caller pays only the yield. Queued bytes beyond maxPending make further
// callers wait. A failed or partial write closes the connection and is
// reported to OnError; the caller whose own bytes failed also gets the error.
func (c *conn) Write(frames []byte) error {
	if len(frames) == 0 {
		return nil
	}
	if c.direct {
		return c.writeDirect(frames)
	}
	c.wmu.Lock()
	for c.flushing {
		if c.closeReq.Load() {
			c.wmu.Unlock()
			return ErrClosed
		}
		if len(c.wbuf) < maxPending || c.corked {
			c.wbuf = append(c.wbuf, frames...)
			c.wmu.Unlock()
			c.writes.Add(1)
			return nil
		}
		c.wwaiting++
		c.wcond.Wait()
		c.wwaiting--
	}
	if c.closeReq.Load() {
		c.wmu.Unlock()
		return ErrClosed
	}
	c.flushing = true
	c.wmu.Unlock()
	var queued []byte
	if !c.noYield {
		runtime.Gosched()
		queued = c.takeQueued()
	}
	n, err := c.flush(frames, queued)
	c.giveBack(queued)
	if err != nil {
		c.wmu.Lock()
		c.flushing = false
		c.wbuf = c.wbuf[:0]
		if c.wwaiting > 0 {
			c.wcond.Broadcast()
		}
		c.wmu.Unlock()
		if n >= int64(len(frames)) {
			// Our frames left whole before the queue behind them failed:
			// like a queued caller's, they were handed to the kernel, and
			// the failure reaches OnError with the connection's close.
			return nil
		}
		return err
	}
	c.writes.Add(1)
	c.drain()
	return nil
}

// takeQueued takes the queue for the flusher to write, leaving the spare
// buffer in its place; nil if nothing is queued.
func (c *conn) takeQueued() []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.wbuf) == 0 {
		return nil
	}
	buf := c.wbuf
	c.wbuf, c.wspare = c.wspare[:0], nil
	if c.wwaiting > 0 {
		c.wcond.Broadcast()
	}
	return buf
}

// giveBack keeps a written queue buffer as the next spare.
func (c *conn) giveBack(buf []byte) {
	if buf == nil || cap(buf) > maxKeepBuffer || cap(buf) > keepBuffer && len(buf) < cap(buf)/4 {
		return
	}
	c.wmu.Lock()
	c.wspare = buf[:0]
	c.wmu.Unlock()
}

// writeDirect is the plain alternative kept for comparison in benchmarks:
// one syscall per Write under the lock.
func (c *conn) writeDirect(frames []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeReq.Load() {
		return ErrClosed
	}
	if _, err := c.flush(frames, nil); err != nil {
		return err
	}
	c.writes.Add(1)
	return nil
}

// cork makes the read goroutine the flusher while it hands out the frames
// of one read that holds more than one: writes made meanwhile, its own
// answers included, queue up and leave in one syscall at uncork. It does
// nothing if another caller is writing (that caller flushes the queue).
func (c *conn) cork() {
	c.wmu.Lock()
	if !c.flushing && !c.closing.Load() {
		c.flushing, c.corked = true, true
		c.holdsCork = true
	}
	c.wmu.Unlock()
}

// uncork ends the batch (or, past maxPending queued bytes, cuts it short):
// the read goroutine writes the queue and gives up the flusher role. While
// corked, writers never wait for the queue to shrink, since the read
// goroutine's own OnFrame may be one of them; so a batch must be short, and
// OnFrame must hand slow work to other goroutines.
func (c *conn) uncork() {
	if !c.holdsCork {
		return
	}
	c.holdsCork = false
	c.wmu.Lock()
	c.corked = false
	c.wmu.Unlock()
	c.drain()
}

// queued is how many bytes wait behind the flusher.
func (c *conn) queued() int {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return len(c.wbuf)
}

// waitFlushed lets a write in progress (which also sends what is queued,
// such as a last answer written by OnError) finish before the socket is
// closed. It waits only when writes have a deadline, so never for ever.
func (c *conn) waitFlushed() {
	if c.wtimeout <= 0 {
		return
	}
	c.wmu.Lock()
	for c.flushing && !c.closing.Load() {
		c.wwaiting++
		c.wcond.Wait()
		c.wwaiting--
	}
	c.wmu.Unlock()
}

// drain writes what other callers queued while this one held the socket. It
// is run by the current flusher; after maxRounds batches it hands the job to
// a new goroutine so that one caller is not kept writing for others forever.
func (c *conn) drain() {
	for round := 0; ; round++ {
		c.wmu.Lock()
		if len(c.wbuf) == 0 || c.closing.Load() {
			c.flushing = false
			c.wbuf = c.wbuf[:0]
			if c.wwaiting > 0 {
				c.wcond.Broadcast()
			}
			closeNow := c.closeReq.Load()
			c.wmu.Unlock()
			if closeNow {
				c.shutdown(nil) // Close came while we wrote: now it is done
			}
			return
		}
		if round == maxRounds {
			c.wmu.Unlock()
			go c.drain()
			return
		}
		c.wmu.Unlock()
		buf := c.takeQueued()
		_, err := c.flush(buf, nil)
		c.giveBack(buf)
		if err != nil {
			// The queued callers have returned; the cause reaches OnError.
			continue
		}
	}
}

// flush writes a then b (b may be empty) with the write deadline, in one
// syscall, and returns how many bytes the kernel took (on failure too);
// only the flusher calls it.
func (c *conn) flush(a, b []byte) (int64, error) {
	now := monotime.Now()
	if c.wtimeout > 0 && (c.wdeadline == 0 || c.wdeadline-now < int64(c.wtimeout/2)) {
		// Move the deadline only when less than half of the timeout is
		// left: one SetWriteDeadline per half period instead of per write.
		dl := now + int64(c.wtimeout)
		if err := c.nc.SetWriteDeadline(monotime.Time(dl)); err != nil {
			return 0, c.writeFailed(err)
		}
		c.wdeadline = dl
	}
	var n int64
	var err error
	switch {
	case len(b) == 0:
		var k int
		k, err = c.nc.Write(a)
		n = int64(k)
	case len(a) == 0:
		var k int
		k, err = c.nc.Write(b)
		n = int64(k)
	default:
		c.iovArr = [2][]byte{a, b}
		c.iov = c.iovArr[:]
		n, err = c.iov.WriteTo(c.nc) // writev
		c.iovArr = [2][]byte{}
	}
	if err != nil {
		return n, c.writeFailed(err)
	}
	c.lastWrite.Store(now)
	c.flushes.Add(1)
	c.bytesOut.Add(uint64(len(a) + len(b)))
	return n, nil
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
		c.closeReq.Store(true)
		c.closing.Store(true)
		close(c.done)
		_ = c.nc.Close()
	})
}

// Close closes the connection; later writes fail with ErrClosed and no
// frame is handed to OnFrame any more. If a caller is writing at that
// moment, the socket is closed by that caller once it has written what is
// already queued (a READONLY event, the last answers), which its write
// deadline bounds; otherwise at once. OnClose runs once, on the read
// goroutine.
func (c *conn) Close() error {
	c.wmu.Lock()
	c.closeReq.Store(true)
	deferred := c.flushing && !c.corked && c.wtimeout > 0 && !c.closing.Load()
	c.wmu.Unlock()
	if !deferred {
		c.shutdown(nil)
	}
	return nil
}

// valueBox lets SetValue store values of any type, and nil, in one
// atomic.Value (which takes one concrete type and no nil).
type valueBox struct{ v any }

func (c *conn) SetValue(v any) { c.value.Store(valueBox{v}) }

func (c *conn) Value() any {
	b, _ := c.value.Load().(valueBox)
	return b.v
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }
func (c *conn) LastRead() time.Time  { return monotime.Time(c.lastRead.Load()) }
func (c *conn) LastWrite() time.Time { return monotime.Time(c.lastWrite.Load()) }
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
	Writes   uint64 // Write calls written or queued
	Flushes  uint64 // socket writes (one per batch of Write calls)
	BytesOut uint64 // bytes handed to the kernel
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
		Flushes:  cc.flushes.Load(),
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
