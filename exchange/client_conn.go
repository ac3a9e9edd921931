package exchange

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/exchange/internal/heartbeat"
	"github.com/pulse-rpc/pulse/internal/monotime"
	"github.com/pulse-rpc/pulse/transport"
)

type callResult struct {
	resp *Response
	err  error
}

type pendingCall struct {
	done  chan callResult // buffered 1: the one result
	timer *time.Timer     // the call's timeout, made once and reused with the pooled call
}

// arm starts the call's timeout and returns its channel.
func (p *pendingCall) arm(d time.Duration) <-chan time.Time {
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	return p.timer.C
}

// disarm stops the timeout so that it delivers nothing stale to the call's
// next use. A synchronous timer channel (Go 1.23+) holds nothing once Stop
// returns; an asynchronous one (GODEBUG=asynctimerchan=1) may hold the
// value of a timer that fired while the response won, so it is drained.
func (p *pendingCall) disarm() {
	if p.timer != nil && !p.timer.Stop() {
		select {
		case <-p.timer.C:
		default:
		}
	}
}

// clientConn is one transport connection of a Client: its pending calls, its
// state and its heartbeat clocks. It is the transport.Handler of that connection.
type clientConn struct {
	slot  *slot
	conn  transport.Conn
	w     connWriter
	state atomic.Int32 // State
	dead  bool         // guarded by slot.mu

	mu      sync.Mutex
	pending map[int64]*pendingCall
	closed  bool

	lastPing atomic.Int64 // monotime instant of the last heartbeat sent
	pingID   atomic.Int64
	rtt      atomic.Int64
	health   atomic.Pointer[Health]
	connOnce sync.Once
}

var (
	_ transport.Handler = (*clientConn)(nil)
	_ transport.Skipper = (*clientConn)(nil)
)

func (cc *clientConn) setConn(c transport.Conn) {
	cc.connOnce.Do(func() { cc.conn, cc.w = c, connWriter{conn: c, pool: &cc.slot.c.frames} })
}

// frameLen cuts frames at the payload limit: a response over it is skipped
// as it arrives (OnSkip fails its call alone, the connection stays, as a
// Java consumer fails such a call with CLIENT_ERROR); any other frame over
// it breaks the connection.
func (cc *clientConn) frameLen(buf []byte) (int, error) {
	limit := cc.slot.c.o.payload
	n, err := FrameLen(buf, limit)
	if err == nil || limit <= 0 {
		return n, err
	}
	h := (*Header)(buf) // an error means the header was read
	if h.IsRequest() || h.IsEvent() || !errors.Is(err, ErrPayloadTooLarge) {
		return n, err
	}
	if n, err2 := FrameLen(buf, 0); err2 == nil {
		return n, transport.ErrSkipFrame
	}
	return n, err
}

// OnSkip fails the call whose response was over the payload limit, with
// CLIENT_ERROR and Java's message; errors.Is(err, ErrPayloadTooLarge) holds.
// The response's bytes were dropped unread.
func (cc *clientConn) OnSkip(_ transport.Conn, head []byte, _ int) {
	cc.answered()
	h := Header(head[:HeaderLen])
	c := cc.slot.c
	call := cc.take(h.ID())
	if call == nil {
		c.droppedResponse(&h)
		return
	}
	fe := &FrameError{Reason: ReasonPayloadTooLarge, Header: h, Limit: c.o.payload}
	call.done <- callResult{err: &StatusError{Status: StatusClientError,
		Message: fmt.Sprintf("Data length too large: %d, max payload: %d, response to request %d dropped", h.BodyLen(), c.o.payload, h.ID()),
		cause:   fe}}
}

// newResponse copies a response frame's body: the Response and a small body
// share one allocation.
func newResponse(h *Header, body []byte) *Response {
	var r *Response
	switch n := len(body); {
	case n <= 48:
		b := &struct {
			r Response
			b [48]byte
		}{}
		r = &b.r
		r.Body = b.b[:n:n]
	case n <= 200:
		b := &struct {
			r Response
			b [200]byte
		}{}
		r = &b.r
		r.Body = b.b[:n:n]
	default:
		r = &Response{Body: append([]byte(nil), body...)} // not zeroed first
		r.ID, r.Status, r.Serialization = h.ID(), h.Status(), h.SerializationID()
		return r
	}
	copy(r.Body, body)
	r.ID, r.Status, r.Serialization = h.ID(), h.Status(), h.SerializationID()
	return r
}

func (cc *clientConn) info() ConnInfo {
	in := ConnInfo{State: State(cc.state.Load()), RTT: time.Duration(cc.rtt.Load())}
	if cc.conn != nil {
		in.Local = cc.conn.LocalAddr().String()
	}
	if h := cc.health.Load(); h != nil {
		in.Health, in.HasHealth = *h, true
	}
	return in
}

// register adds a pending call; false if the connection already closed.
func (cc *clientConn) register(id int64, call *pendingCall) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return false
	}
	if cc.pending == nil {
		cc.pending = make(map[int64]*pendingCall)
	}
	cc.pending[id] = call
	return true
}

// unregister removes a pending call; false if it was already completed.
func (cc *clientConn) unregister(id int64) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.pending[id]; !ok {
		return false
	}
	delete(cc.pending, id)
	return true
}

func (cc *clientConn) take(id int64) *pendingCall {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	call := cc.pending[id]
	if call != nil {
		delete(cc.pending, id)
	}
	return call
}

func (cc *clientConn) pendingLen() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.pending)
}

// setState moves the connection to st and tells the Client.
func (cc *clientConn) setState(st State) {
	old := State(cc.state.Swap(int32(st)))
	if old == st {
		return
	}
	if st == StateReady && old == StateConnecting {
		cc.slot.becameReady()
		return
	}
	cc.slot.c.updateState()
}

// ping sends one heartbeat. lastPing is when it is sent, not when the
// ticker decided to: the RTT and the next heartbeat's turn leave out how
// long this goroutine waited to run.
func (cc *clientConn) ping() {
	c := cc.slot.c
	id, body := c.o.hbClient.NewHeartbeat(serializationHessian2, c.hbSeq.Add(1))
	cc.pingID.Store(id)
	cc.lastPing.Store(monotime.Now())
	c.pings.Add(1)
	if err := cc.w.writeFrame(heartbeatRequestFlags|serializationHessian2, 0, id, body); err != nil {
		c.log.Debug("exchange: heartbeat write failed", "err", err)
	}
}

// check is the heartbeat task's look at this connection.
func (cc *clientConn) check(now time.Time) time.Time {
	c := cc.slot.c
	lastPing := monotime.Time(cc.lastPing.Load())
	lastRead, lastWrite := cc.conn.LastRead(), cc.conn.LastWrite()
	switch c.policy.Decide(lastRead, lastWrite, lastPing, now) {
	case heartbeat.Send:
		// Off the ticker: a write into a full socket must not stall the
		// checks of every other connection.
		cc.lastPing.Store(monotime.Nanos(now)) // no second one from the next tick meanwhile
		lastPing = now
		c.bg.run(cc.ping)
	case heartbeat.Expire:
		c.log.Warn("exchange: nothing read for the heartbeat timeout, reconnecting",
			"local", cc.conn.LocalAddr().String(), "timeout", c.policy.Timeout, "state", State(cc.state.Load()))
		cc.conn.Close()
		return time.Time{} // until OnClose takes it off
	}
	return c.policy.Next(lastRead, lastWrite, lastPing)
}

// OnOpen records the connection.
func (cc *clientConn) OnOpen(c transport.Conn) { cc.setConn(c) }

// OnFrame dispatches one frame: responses to their calls, heartbeat answers
// to the RTT and health, heartbeat requests answered, READONLY obeyed.
func (cc *clientConn) OnFrame(c transport.Conn, frame []byte) {
	h := (*Header)(frame)
	body := frame[HeaderLen:]
	switch {
	case h.IsRequest() && h.IsEvent():
		kind := ClassifyEvent(h.SerializationID(), body)
		if kind != EventReadOnly {
			cc.answered()
		}
		switch kind {
		case EventReadOnly:
			cc.setState(StateReadOnly)
		case EventWritable:
			cc.setState(StateReady)
		case EventHeartbeat:
			if h.IsTwoWay() { // a server's heartbeat (Java 2.6, Pulse)
				ser := h.SerializationID()
				cc.w.writeFrame(heartbeatAnswerFlags|ser, StatusOK, h.ID(), NullBody(ser))
			}
		}
	case h.IsRequest():
		// A provider's callback: Pulse clients export nothing. Answered as
		// Java answers a call to a service it does not export, so that the
		// provider fails at once instead of at its timeout.
		cc.answered()
		cc.slot.c.log.Debug("exchange: client got a call request, refused", "header", h.String())
		if h.IsTwoWay() {
			cc.w.write(errorResponse(h.SerializationID(), h.ID(), StatusServiceError, "a Pulse client exports no service"))
		}
	case h.IsEvent():
		cc.answered()
		if h.ID() == cc.pingID.Load() {
			if sent := cc.lastPing.Load(); sent != 0 {
				cc.rtt.Store(monotime.Now() - sent)
			}
			if hl, ok := cc.slot.c.o.hbClient.ReadAnswer(h.SerializationID(), body); ok {
				cc.health.Store(&hl)
			}
		}
	default:
		cc.answered()
		call := cc.take(h.ID())
		if call == nil {
			cc.slot.c.droppedResponse(h)
			return
		}
		resp := newResponse(h, body)
		var err error
		if resp.Status != StatusOK {
			se := &StatusError{Status: resp.Status}
			se.Message, _ = readHessianString(body)
			err = se
		}
		call.done <- callResult{resp: resp, err: err}
	}
}

// answered marks a connecting connection ready: the peer sent something.
func (cc *clientConn) answered() {
	if State(cc.state.Load()) == StateConnecting {
		cc.setState(StateReady)
	}
}

// OnError logs why the connection is about to close.
func (cc *clientConn) OnError(c transport.Conn, err error) {
	cc.slot.c.log.Info("exchange: connection lost", "local", c.LocalAddr().String(), "err", err)
}

// OnClose fails every call in flight at once (CHANNEL_INACTIVE) and hands the
// slot back for a reconnect.
func (cc *clientConn) OnClose(c transport.Conn) {
	cc.setConn(c)
	cc.mu.Lock()
	cc.closed = true
	pending := cc.pending
	cc.pending = nil
	cc.mu.Unlock()
	cc.state.Store(int32(StateClosed))
	cc.slot.lost(cc) // the Client's state is current before any caller hears of the loss
	for id, call := range pending {
		call.done <- callResult{err: &StatusError{Status: StatusChannelInactive,
			Message: "connection to " + cc.slot.c.addr + " closed, request " + strconv.FormatInt(id, 10) + " failed without waiting for its timeout"}}
	}
	cc.slot.c.wg.Done() // added by the dial that opened it
}
