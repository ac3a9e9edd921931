package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"runtime"
	"sync"
	"time"
	"unsafe"

	getty "github.com/apache/dubbo-getty"
	gxsync "github.com/dubbogo/gost/sync"
	perrors "github.com/pkg/errors"

	"github.com/pulse-rpc/pulse/internal/monotime"
)

// getty v1.5.0 builds sessions only inside its own client and server: the
// client dials on its own, retries forever with a fixed interval, ignores
// contexts and redials after an error, none of which Pulse can use. The two
// functions below are getty's unexported session constructor and starter,
// reached by name so that each net.Conn Pulse dials or accepts gets exactly
// one getty session and nothing else. go.mod pins getty; startSession checks
// the concrete type before use.

//go:linkname gettyNewTCPSession github.com/apache/dubbo-getty.newTCPSession
func gettyNewTCPSession(conn net.Conn, endPoint getty.EndPoint) getty.Session

//go:linkname gettySessionRun github.com/apache/dubbo-getty.(*session).run
func gettySessionRun(s unsafe.Pointer)

const (
	// cronPeriod is getty's per-session timer. Pulse runs its own ticker in
	// exchange, so OnCron does nothing; the period only bounds how long the
	// shared getty timer wheel keeps a closed session before dropping it.
	cronPeriod = 30 * time.Second
	// defaultReadPoll is getty's read deadline per read call. An expired
	// read deadline is not an error in getty (it reads again), so this is
	// only how often an idle session wakes up; closing is done by closing
	// the socket, which wakes the reader at once.
	defaultReadPoll = time.Hour
	// gettyWriteTimeout is what getty sets as write deadline when its
	// session stops; Pulse writes bypass getty otherwise.
	gettyWriteTimeout = time.Second
)

// endpoint is the getty.EndPoint of Pulse sessions: no task pool (frames are
// handled on the read goroutine) and no event loop of its own.
type endpoint getty.EndPointType

func (e endpoint) ID() getty.EndPointID                  { return getty.EndPointID(e) }
func (e endpoint) EndPointType() getty.EndPointType      { return getty.EndPointType(e) }
func (e endpoint) RunEventLoop(getty.NewSessionCallback) {}
func (e endpoint) IsClosed() bool                        { return false }
func (e endpoint) Close()                                {}
func (e endpoint) GetTaskPool() gxsync.GenericTaskPool   { return nil }
func (e endpoint) String() string                        { return getty.EndPointType(e).String() }

// startSession wraps nc, already configured, in a getty session and starts
// it: OnOpen runs before it returns, then the read goroutine starts.
func startSession(c *conn, server bool) error {
	typ := getty.TCP_CLIENT
	if server {
		typ = getty.TCP_SERVER
	}
	if c.rawLoop {
		hk := &hooks{c: c}
		c.h.OnOpen(c)
		go hk.rawReadLoop()
		return nil
	}
	ss := gettyNewTCPSession(c.nc, endpoint(typ))
	v := reflect.ValueOf(ss)
	if v.Kind() != reflect.Pointer || v.Type().String() != "*getty.session" {
		return fmt.Errorf("transport: unexpected getty session type %s", v.Type())
	}
	hk := &hooks{c: c}
	ss.SetName("pulse")
	ss.SetMaxMsgLen(0) // the limit is checked by hooks.Read with a typed error
	ss.SetPkgHandler(hk)
	ss.SetEventListener(hk)
	ss.SetCronPeriod(int(c.cron / time.Millisecond))
	ss.SetReadTimeout(c.readPoll)
	ss.SetWriteTimeout(gettyWriteTimeout)
	installGettyLogger()
	gettySessionRun(v.UnsafePointer())
	return nil
}

// hooks adapts a conn to getty's Reader, Writer and EventListener. Its conn
// pointer is dropped after OnClose so that the getty timer wheel, which keeps
// a closed session up to cronPeriod, does not keep the conn alive.
type hooks struct {
	c *conn
	// cron orders getty's timer callback before OnClose. getty v1.5.0 reads
	// the session's connection on its timer goroutine just before OnCron,
	// and clears it after OnClose, neither under a lock: a data race that
	// the race detector reports when a connection closes after a tick.
	// Taking cron in both makes the read happen before the clearing (only a
	// tick that checked the session open just before it closed still races).
	cron sync.Mutex
}

// Read cuts every whole frame off the front of buf with FrameLen and hands
// them to OnMessage as one batch: one getty task (one closure allocated by
// getty) per read instead of per frame. The batch is parked in c.batch and
// the conn itself is the package getty passes to OnMessage. A frame the
// FrameLen asks to skip ends the batch before it; it is then consumed as it
// arrives, never buffered whole. A bad frame after good ones ends the batch
// too, and is reported by the next Read.
func (hk *hooks) Read(_ getty.Session, buf []byte) (any, int, error) {
	c := hk.c
	if c.skipLeft > 0 {
		k := min(c.skipLeft, len(buf))
		c.skipLeft -= k
		c.batch, c.frames = nil, 0
		return c, k, nil
	}
	off, frames := 0, 0
	var err error
	for off < len(buf) {
		var n int
		n, err = c.frameLen(buf[off:])
		switch {
		case err != nil && n > 0 && errors.Is(err, ErrSkipFrame):
			if off > 0 {
				err = nil // the frames before it go first
				break
			}
			err = nil
			k := min(n, len(buf))
			c.skipHead, c.skipLen, c.skipLeft = buf[:k:k], n, n-k
			c.batch, c.frames = nil, 0
			return c, k, nil
		case err != nil:
		case n < 0:
			err = ErrBadFrameLen
		case n > c.maxFrame:
			err = &FrameSizeError{Len: n, Max: c.maxFrame}
		case n == 0 || n > len(buf)-off:
			// need more bytes
		default:
			off += n
			frames++
			continue
		}
		break
	}
	if frames > 0 {
		c.batch, c.frames = buf[:off:off], frames
		return c, off, nil
	}
	if err != nil {
		c.readErr = err
		return nil, 0, err
	}
	return nil, 0, nil // need more bytes
}

// Write is never used: Pulse writes bypass getty's WritePkg.
func (hk *hooks) Write(getty.Session, any) ([]byte, error) {
	return nil, errors.New("transport: getty WritePkg is not used")
}

func (hk *hooks) OnOpen(getty.Session) error {
	hk.c.h.OnOpen(hk.c)
	return nil
}

func (hk *hooks) OnMessage(_ getty.Session, _ any) {
	c := hk.c
	batch, frames, skip := c.batch, c.frames, c.skipHead
	c.batch, c.frames, c.skipHead = nil, 0, nil
	if c.closeReq.Load() {
		return // frames still buffered after Close (or a panic) are dropped
	}
	if len(batch) == 0 && skip == nil {
		// More of a frame being skipped: the peer is sending, which is
		// what LastRead tells the layer above.
		c.lastRead.Store(monotime.Now())
		return
	}
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4<<10)
			buf = buf[:runtime.Stack(buf, false)]
			perr := fmt.Errorf("transport: panic in OnFrame: %v", r)
			c.log.Error("transport: panic in OnFrame", "conn", c.String(), "panic", r, "stack", string(buf))
			c.shutdown(perr)
		}
	}()
	c.lastRead.Store(monotime.Now())
	if skip != nil {
		if c.skipper != nil {
			c.skipper.OnSkip(c, skip, c.skipLen)
		}
		return
	}
	c.framesIn.Add(uint64(frames))
	c.bytesIn.Add(uint64(len(batch)))
	if frames > 1 && !c.nocork {
		c.cork()
	}
	for len(batch) > 0 {
		n, _ := c.frameLen(batch) // as Read found it
		c.h.OnFrame(c, batch[:n:n])
		batch = batch[n:]
		if c.closeReq.Load() {
			break
		}
		if c.holdsCork && c.queued() >= maxPending {
			c.uncork()
		}
	}
	c.uncork()
}

// OnError runs on the read goroutine when it stops with an error. A frame or
// read error is reported while the socket is still open, so that the
// handler may write a last answer (a BAD_REQUEST); a failed write or a panic
// is reported with its own cause; a deliberate Close reports nothing.
func (hk *hooks) OnError(_ getty.Session, err error) {
	c := hk.c
	if c.closing.Load() {
		c.closeOnce.Do(func() {}) // orders the read of c.cause after shutdown
		if c.cause != nil {
			c.h.OnError(c, c.cause)
		}
		return
	}
	report := c.readErr
	if report == nil {
		report = &IOError{Op: "read", Err: perrors.Cause(err)}
	}
	c.h.OnError(c, report)
	c.waitFlushed()
	c.shutdown(report)
}

// OnClose runs once, last, on the read goroutine.
func (hk *hooks) OnClose(getty.Session) {
	c := hk.c
	c.shutdown(nil)
	c.uncork()
	c.h.OnClose(c)
	if c.ln != nil {
		c.ln.remove(c)
	}
	hk.cron.Lock() // a tick that read the session's connection is over
	hk.c = nil
	hk.cron.Unlock()
}

// OnCron does nothing but order the tick before OnClose (see hooks.cron):
// liveness is exchange's job, with one ticker for all connections.
func (hk *hooks) OnCron(getty.Session) {
	hk.cron.Lock()
	hk.cron.Unlock() //nolint:staticcheck // an empty critical section on purpose
}

// getty logs through one process-wide logger. Pulse installs, once, an
// adapter that forwards everything to slog.Default() at debug level (getty
// logs routine events such as a peer's close at error level), read at each
// call so that a later slog.SetDefault by the application is followed.
var gettyLoggerOnce sync.Once

func installGettyLogger() {
	gettyLoggerOnce.Do(func() { getty.SetLogger(gettyLogger{}) })
}

type gettyLogger struct{}

func (gettyLogger) log(level string, msg func() string) {
	l := slog.Default()
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.Debug(msg(), "component", "getty", "getty_level", level)
}

func (g gettyLogger) Info(args ...any)  { g.log("info", func() string { return fmt.Sprint(args...) }) }
func (g gettyLogger) Warn(args ...any)  { g.log("warn", func() string { return fmt.Sprint(args...) }) }
func (g gettyLogger) Error(args ...any) { g.log("error", func() string { return fmt.Sprint(args...) }) }
func (g gettyLogger) Debug(args ...any) { g.log("debug", func() string { return fmt.Sprint(args...) }) }
func (g gettyLogger) Infof(f string, args ...any) {
	g.log("info", func() string { return fmt.Sprintf(f, args...) })
}
func (g gettyLogger) Warnf(f string, args ...any) {
	g.log("warn", func() string { return fmt.Sprintf(f, args...) })
}
func (g gettyLogger) Errorf(f string, args ...any) {
	g.log("error", func() string { return fmt.Sprintf(f, args...) })
}
func (g gettyLogger) Debugf(f string, args ...any) {
	g.log("debug", func() string { return fmt.Sprintf(f, args...) })
}
