package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/exchange/internal/heartbeat"
	"github.com/pulse-rpc/pulse/internal/bufpool"
	"github.com/pulse-rpc/pulse/internal/monotime"
	"github.com/pulse-rpc/pulse/transport"
)

// listener is what the Server needs of a transport listener.
type listener interface {
	Addr() net.Addr
	// Close stops accepting, closes every connection and returns once each
	// has run OnClose.
	Close() error
}

// listenFunc opens a transport listener.
type listenFunc func(addr string, frameLen transport.FrameLen, h transport.Handler) (listener, error)

// Server accepts connections and hands their call requests to a Handler. It
// answers heartbeats itself, runs the heartbeat task of all its connections
// from one ticker, and closes connections with nothing read for the timeout.
type Server struct {
	h      Handler
	o      serverOptions
	log    *slog.Logger
	policy heartbeat.Policy
	ln     listener
	sched  *Scheduler
	ownSch bool // sched was made for this one and closes with it
	nextID atomic.Int64
	frames bufpool.Pool

	ctx    context.Context // parent of every call's context; ends on Close
	cancel context.CancelFunc

	conns    sync.Map // transport.Conn -> *serverConn
	nconns   atomic.Int64
	inflight atomic.Int64     // calls being handled, reported in health
	handlers sync.WaitGroup   // calls being handled, for Close
	workers  *workers         // run the calls (unless inline)
	recycler ResponseRecycler // h, if it takes its responses back
	bg       background       // heartbeat and READONLY writes
	pings    atomic.Int64     // heartbeats sent
	answered atomic.Int64     // heartbeats answered
	draining atomic.Bool
	refusing atomic.Bool // the drain wait ran out: calls are refused, not run
	closed   atomic.Bool
	// lastSeen is when a frame last arrived or a READONLY was last written
	// while draining (unix ns): Shutdown closes only after a quiet period.
	lastSeen atomic.Int64
}

// ShutdownQuiet is how long Shutdown waits, once nothing is in flight, for
// frames still on their way from clients that wrote them before they read
// READONLY: it closes only after this long with no frame received (and
// within its ctx). Such late calls are served, as Java serves them;
// closing under them would lose them.
const ShutdownQuiet = 250 * time.Millisecond

// ShuttingDownMessage is the message of the StatusServerError answer a
// Server gives to a call that arrives after its drain wait ran out (the
// ctx of Shutdown ended), in the moment before it closes. The call was not
// run: the client may send it to another provider.
const ShuttingDownMessage = "server is shutting down: call another provider"

// Listen starts a Server on addr ("127.0.0.1:0" picks a port).
func Listen(addr string, h Handler, opts ...ServerOption) (*Server, error) {
	return listen(addr, h, nil, opts...)
}

func listen(addr string, h Handler, lf listenFunc, opts ...ServerOption) (*Server, error) {
	o := serverOptions{hbHandler: HealthHeartbeat{}}
	for _, opt := range opts {
		opt.applyServer(&o)
	}
	policy, err := o.resolve(heartbeat.ServerMargin)
	if err != nil {
		return nil, err
	}
	if lf == nil {
		lf = transportListener(o.transportOptions(policy.Timeout))
	}
	s := &Server{h: h, o: o, log: o.logger, policy: policy}
	s.workers = newWorkers(o.maxWorkers, s.serveJob)
	s.recycler, _ = h.(ResponseRecycler)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sched, s.ownSch = o.scheduler, false
	if s.sched == nil {
		s.sched, s.ownSch = NewScheduler(policy.Tick()), true
	}
	ln, err := lf(addr, s.frameLen, s)
	if err != nil {
		if s.ownSch {
			s.sched.Close()
		}
		s.cancel()
		return nil, err
	}
	s.ln = ln
	return s, nil
}

// Addr returns the address the Server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Load returns the server's current load, as reported to Pulse clients.
func (s *Server) Load() Health {
	st := "SERVING"
	if s.draining.Load() {
		st = "DRAINING"
	}
	return Health{InFlight: int(s.inflight.Load()), Conns: int(s.nconns.Load()), Status: st}
}

// ServerConnInfo describes one connection of a Server.
type ServerConnInfo struct {
	Remote    string
	RTT       time.Duration // round trip of the server's latest answered heartbeat (0: none)
	LastRead  time.Time
	LastWrite time.Time
}

// Conns describes the Server's connections.
func (s *Server) Conns() []ServerConnInfo {
	var out []ServerConnInfo
	s.conns.Range(func(_, v any) bool {
		sc := v.(*serverConn)
		out = append(out, ServerConnInfo{Remote: sc.conn.RemoteAddr().String(), RTT: time.Duration(sc.rtt.Load()),
			LastRead: sc.conn.LastRead(), LastWrite: sc.conn.LastWrite()})
		return true
	})
	return out
}

func (s *Server) frameLen(buf []byte) (int, error) { return FrameLen(buf, s.o.payload) }

// serverConn is the Server's state for one connection.
type serverConn struct {
	s        *Server
	conn     transport.Conn
	w        connWriter
	ctx      context.Context
	cancel   context.CancelFunc
	lastPing atomic.Int64
	pingID   atomic.Int64
	rtt      atomic.Int64
	lastHB   atomic.Int64 // when the peer's last heartbeat arrived (monotime, as lastPing)
	strikes  atomic.Int32
}

type remoteAddrKey struct{}

// RemoteAddr returns the address of the client whose call a Handler is
// serving, from the context HandleRequest gets (nil for another context).
func RemoteAddr(ctx context.Context) net.Addr {
	a, _ := ctx.Value(remoteAddrKey{}).(net.Addr)
	return a
}

// OnOpen registers the connection with the heartbeat task.
func (s *Server) OnOpen(c transport.Conn) {
	sc := &serverConn{s: s, conn: c, w: connWriter{conn: c, pool: &s.frames}}
	sc.ctx, sc.cancel = context.WithCancel(context.WithValue(s.ctx, remoteAddrKey{}, c.RemoteAddr()))
	c.SetValue(sc)
	s.conns.Store(c, sc)
	s.nconns.Add(1)
	s.sched.add(sc)
	if s.draining.Load() { // opened while shutting down: tell it at once
		sc.w.write(readOnlyEvent(serializationHessian2, s.nextID.Add(1)))
	}
}

// OnClose frees everything the connection held.
func (s *Server) OnClose(c transport.Conn) {
	v, ok := s.conns.LoadAndDelete(c)
	if !ok {
		return
	}
	sc := v.(*serverConn)
	c.SetValue(nil)
	s.nconns.Add(-1)
	s.sched.remove(sc)
	sc.cancel()
}

// OnError answers BAD_REQUEST when the broken frame's header was readable
// and was a two-way request, before the transport closes the connection.
// Nothing waits for an answer to a one-way request, and an answer to a
// broken response (the client's heartbeat answer) would carry an id of the
// server's own numbering, which may also be one of the client's calls.
func (s *Server) OnError(c transport.Conn, err error) {
	var fe *FrameError
	if errors.As(err, &fe) && fe.Reason != ReasonBadMagic && fe.Header.IsRequest() && fe.Header.IsTwoWay() {
		ser := fe.Header.SerializationID()
		if ser == 0 {
			ser = serializationHessian2
		}
		c.Write(errorResponse(ser, fe.Header.ID(), StatusBadRequest, fe.Error()))
	}
	if errors.Is(err, ErrBadFrame) {
		s.log.Info("exchange: closing connection after a bad frame", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	s.log.Debug("exchange: connection error", "remote", c.RemoteAddr().String(), "err", err)
}

// OnFrame dispatches one frame.
func (s *Server) OnFrame(c transport.Conn, frame []byte) {
	if s.draining.Load() {
		s.lastSeen.Store(monotime.Now())
	}
	h := (*Header)(frame)
	body := frame[HeaderLen:]
	ser := h.SerializationID()
	switch {
	case h.IsRequest() && h.IsEvent():
		if !h.IsTwoWay() {
			return // one-way events (READONLY from a peer) get no answer
		}
		if ClassifyEvent(ser, body) != EventHeartbeat {
			return // as Java 3.2+: only the exact null body is a heartbeat
		}
		sc := s.connOf(c)
		if sc == nil {
			return
		}
		prev := sc.lastHB.Swap(monotime.Now())
		if s.o.floodMin > 0 && sc.flooding(prev) {
			s.log.Warn("exchange: closing connection sending heartbeats too often", "remote", c.RemoteAddr().String(), "min", s.o.floodMin)
			c.Close()
			return
		}
		answer := NullBody(ser)
		if isPulseHeartbeat(h.ID()) {
			if b := s.o.hbHandler.HeartbeatAnswer(ser, s.Load()); b != nil {
				answer = b
			}
		}
		s.answered.Add(1)
		sc.w.writeFrame(heartbeatAnswerFlags|ser, StatusOK, h.ID(), answer)
	case h.IsRequest():
		s.request(c, h, body)
	case h.IsEvent():
		if sc := s.connOf(c); sc != nil && h.ID() == sc.pingID.Load() {
			if sent := sc.lastPing.Load(); sent != 0 {
				sc.rtt.Store(monotime.Now() - sent)
			}
		}
	}
}

// connOf is the state OnOpen attached to c; nil once OnClose ran.
func (s *Server) connOf(c transport.Conn) *serverConn {
	sc, _ := c.Value().(*serverConn)
	return sc
}

// request starts one call. Calls arriving while the Server drains (after
// its READONLY, from clients that had not read it yet) are served as any
// other, as Java serves them; only once the drain wait has run out are they
// refused.
func (s *Server) request(c transport.Conn, h *Header, body []byte) {
	ser := h.SerializationID()
	sc := s.connOf(c)
	if sc == nil { // closed under us
		return
	}
	if s.refusing.Load() {
		if h.IsTwoWay() {
			sc.w.write(errorResponse(ser, h.ID(), StatusServerError, ShuttingDownMessage))
		}
		return
	}
	s.inflight.Add(1)
	s.handlers.Add(1) // before Close's Wait: Close waits for the read goroutines first
	if s.o.inline {
		// On the read goroutine: the frame stays valid until the handler
		// returns, and the transport sends the answers of one read batch in
		// one write.
		req := Request{ID: h.ID(), TwoWay: h.IsTwoWay(), Serialization: ser, Body: body}
		s.serve(sc, &req)
		return
	}
	j := newJob(sc, h, body)
	if !s.workers.dispatch(j) {
		j.free()
		s.inflight.Add(-1)
		s.handlers.Done()
		if h.IsTwoWay() {
			sc.w.write(errorResponse(ser, h.ID(), StatusServerThreadpoolExhausted, s.exhausted(sc)))
		}
	}
}

// exhausted is the message of the StatusServerThreadpoolExhausted answer,
// worded as Java's.
func (s *Server) exhausted(sc *serverConn) string {
	where := sc.conn.LocalAddr().String()
	if host, port, err := net.SplitHostPort(where); err == nil {
		where = host + "," + port
	}
	return fmt.Sprintf("Server side(%s) thread pool is exhausted, detail msg: all %d call workers are busy (exchange.WithMaxWorkers)",
		where, s.workers.max)
}

// serveJob runs a call handed to a worker.
func (s *Server) serveJob(j *job) {
	s.serve(j.sc, &j.req)
	j.free()
}

// serve runs the handler and writes its answer.
func (s *Server) serve(sc *serverConn, req *Request) {
	// Deferred: a handler ending its goroutine (runtime.Goexit) still ends
	// the call, or Close would wait for it forever.
	defer s.handlers.Done()
	defer s.inflight.Add(-1)
	var resp *Response
	if s.o.handlerTimeout > 0 {
		resp = s.serveTimed(sc, req)
	} else {
		resp = s.handle(sc.ctx, req)
		if req.TwoWay {
			s.answer(sc, req, resp)
		}
	}
	if s.recycler != nil && resp != nil {
		s.recycler.RecycleResponse(resp)
	}
}

// serveTimed runs the handler under WithHandlerTimeout: when it has not
// returned in time the caller gets SERVER_TIMEOUT at once.
func (s *Server) serveTimed(sc *serverConn, req *Request) *Response {
	ctx, cancel := context.WithTimeout(sc.ctx, s.o.handlerTimeout)
	defer cancel()
	var answered atomic.Bool
	if req.TwoWay {
		ser, id := req.Serialization, req.ID // req is reused once serve returns; the func may still run
		stop := context.AfterFunc(ctx, func() {
			if ctx.Err() == context.DeadlineExceeded && answered.CompareAndSwap(false, true) {
				sc.w.write(errorResponse(ser, id, StatusServerTimeout,
					"provider handler timed out after "+s.o.handlerTimeout.String()))
			}
		})
		defer stop()
	}
	resp := s.handle(ctx, req)
	if !req.TwoWay || !answered.CompareAndSwap(false, true) || s.closed.Load() {
		return resp
	}
	if ctx.Err() == context.DeadlineExceeded {
		sc.w.write(errorResponse(req.Serialization, req.ID, StatusServerTimeout,
			"provider handler timed out after "+s.o.handlerTimeout.String()))
		return resp
	}
	s.answer(sc, req, resp)
	return resp
}

// answer writes the handler's response to a two-way request.
func (s *Server) answer(sc *serverConn, req *Request, resp *Response) {
	if s.closed.Load() {
		return // the connection is closing under the call: the client fails it with CHANNEL_INACTIVE
	}
	if resp == nil {
		sc.w.write(errorResponse(req.Serialization, req.ID, StatusServiceError, "handler returned no response"))
		return
	}
	ser := resp.Serialization
	if ser == 0 {
		ser = req.Serialization
	}
	if s.o.payload > 0 && len(resp.Body) > s.o.payload {
		sc.w.write(errorResponse(ser, req.ID, StatusBadResponse, (&FrameError{Reason: ReasonPayloadTooLarge,
			Header: NewHeader(ser, resp.Status, req.ID, len(resp.Body)), Limit: s.o.payload}).Error()))
		return
	}
	sc.w.writeFrame(ser, resp.Status, req.ID, resp.Body)
}

// handle runs the Handler; a panic becomes a SERVICE_ERROR answer, as Java
// answers a handler's exception.
func (s *Server) handle(ctx context.Context, req *Request) (resp *Response) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("exchange: handler panicked", "id", req.ID, "panic", r)
			resp = &Response{Status: StatusServiceError, Body: appendHessianString(nil, fmt.Sprintf("handler panicked: %v", r))}
		}
	}()
	return s.h.HandleRequest(ctx, req)
}

// flooding records a heartbeat from the peer and reports whether it has sent
// them faster than once per floodMin three times in a row.
func (sc *serverConn) flooding(prev int64) bool {
	if prev != 0 && sc.lastHB.Load()-prev < int64(sc.s.o.floodMin) {
		return sc.strikes.Add(1) >= 3
	}
	sc.strikes.Store(0)
	return false
}

// check is the heartbeat task's look at this connection.
func (sc *serverConn) check(now time.Time) time.Time {
	s := sc.s
	// A heartbeat from the peer counts as this side's: the client is doing
	// the pinging, and one exchange per interval is enough for both.
	lastPing := monotime.Time(monotime.Latest(sc.lastPing.Load(), sc.lastHB.Load()))
	lastRead, lastWrite := sc.conn.LastRead(), sc.conn.LastWrite()
	switch s.policy.Decide(lastRead, lastWrite, lastPing, now) {
	case heartbeat.Send:
		id := s.nextID.Add(1)
		sc.pingID.Store(id)
		sc.lastPing.Store(monotime.Nanos(now)) // no second one from the next tick meanwhile
		lastPing = now
		s.pings.Add(1)
		s.bg.run(func() {
			sc.lastPing.Store(monotime.Now()) // when sent: the RTT leaves out this goroutine's wait
			sc.w.writeFrame(heartbeatRequestFlags|serializationHessian2, 0, id, NullBody(serializationHessian2))
		})
	case heartbeat.Expire:
		s.log.Info("exchange: closing connection: nothing read for the heartbeat timeout",
			"remote", sc.conn.RemoteAddr().String(), "timeout", s.policy.Timeout)
		sc.conn.Close()
		return time.Time{} // until OnClose takes it off
	}
	return s.policy.Next(lastRead, lastWrite, lastPing)
}

// Shutdown stops the Server gracefully: it sends READONLY to every client
// (they stop sending new calls here), keeps serving the calls that still
// arrive (written before the client read READONLY), as Java does, and waits
// until the READONLY events are written, the calls in flight are done and
// no frame has arrived for ShutdownQuiet, or ctx ends; then it closes
// everything. Calls arriving after ctx ended are not run: they are answered
// StatusServerError with ShuttingDownMessage (clients go to another
// provider). It returns ctx's error if the wait ran out with calls in
// flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.lastSeen.Store(monotime.Now())
	s.draining.Store(true) // new connections get READONLY in OnOpen
	var unsent atomic.Int64
	s.conns.Range(func(_, v any) bool {
		// Concurrently: a client that stops reading must not hold up the others.
		unsent.Add(1)
		if !s.bg.run(func() {
			defer unsent.Add(-1)
			v.(*serverConn).w.write(readOnlyEvent(serializationHessian2, s.nextID.Add(1)))
			s.lastSeen.Store(monotime.Now()) // the quiet period starts once the client can know
		}) {
			unsent.Add(-1) // closed meanwhile
		}
		return true
	})
	var err error
	t := time.NewTicker(5 * time.Millisecond)
	working := func() bool { return s.inflight.Load() > 0 || unsent.Load() > 0 }
	quiet := func() bool {
		return s.nconns.Load() == 0 || time.Since(monotime.Time(s.lastSeen.Load())) >= ShutdownQuiet
	}
wait:
	for working() || !quiet() {
		select {
		case <-t.C:
		case <-ctx.Done():
			s.refusing.Store(true)
			if working() {
				err = ctx.Err()
			} // else only late frames kept coming (a client ignoring READONLY): all were answered
			break wait
		}
	}
	t.Stop()
	s.refusing.Store(true)
	s.Close()
	return err
}

// Close closes the listener and every connection at once; the contexts of
// calls in flight end. A call still read meanwhile is not run: it is
// answered StatusServerError with ShuttingDownMessage. It waits until every
// connection is closed and every handler has returned (handlers must honour
// their context).
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.draining.Store(true)
	// A call still read now would run with an ended context and its answer
	// dropped: it is refused instead.
	s.refusing.Store(true)
	s.cancel() // first: an inline handler waiting on its context holds up its connection's close
	// The listener closes every connection and waits for their OnClose.
	err := s.ln.Close()
	s.bg.stop()
	if s.ownSch {
		s.sched.Close()
	}
	// Handlers see their context end; wait for them to return. No call
	// starts any more: the listener's Close waited for every read goroutine.
	s.handlers.Wait()
	s.workers.close()
	return err
}
