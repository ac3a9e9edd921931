package exchange

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/exchange/internal/backoff"
	"github.com/pulse-rpc/pulse/exchange/internal/heartbeat"
	"github.com/pulse-rpc/pulse/internal/bufpool"
	"github.com/pulse-rpc/pulse/transport"
)

// State is the state of a client connection, or of a whole Client (the best
// of its connections).
type State int32

// States, in the order a Client prefers them.
const (
	StateConnecting State = iota // dialing, or connected but the peer has not answered yet
	StateReady                   // the peer answered: calls go here
	StateReadOnly                // the peer sent READONLY: no new calls until a reconnect
	StateClosed                  // the Client was closed
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateReady:
		return "ready"
	case StateReadOnly:
		return "readonly"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// ConnInfo describes one connection of a Client.
type ConnInfo struct {
	State     State
	Local     string        // local address, empty while disconnected
	RTT       time.Duration // round trip of the latest answered heartbeat (0: none yet)
	Health    Health        // what the server reported in its latest heartbeat answer
	HasHealth bool          // false for peers that report nothing (Java, dubbo-go)
}

// dialFunc opens one transport connection.
type dialFunc func(ctx context.Context, addr string, frameLen transport.FrameLen, h transport.Handler) (transport.Conn, error)

// Client keeps connections to one address and runs calls over them. Calls are
// multiplexed by request id; each connection has its own table of pending
// calls. One ticker runs the heartbeat task of all its connections.
type Client struct {
	addr   string
	o      clientOptions
	log    *slog.Logger
	policy heartbeat.Policy
	dial   dialFunc
	sched  *Scheduler
	ownSch bool // sched was made for this one and closes with it
	slots  []*slot
	nextID atomic.Int64
	hbSeq  atomic.Int64
	rr     atomic.Uint32
	frames bufpool.Pool
	calls  sync.Pool  // *pendingCall, reused across calls
	bg     background // heartbeat writes

	ctx    context.Context // ends dials in progress on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // dial attempts in progress or scheduled, connections until their OnClose has run

	mu      sync.Mutex
	state   State
	changed chan struct{}
	closed  bool

	pings        atomic.Int64 // heartbeats sent, for tests and stats
	droppedTotal atomic.Int64 // responses nobody waited for
	dropped      atomic.Int64 // responses to unknown ids since the last log line
	lastDropLog  atomic.Int64 // unix nanos
}

// NewClient starts connecting to addr (host:port) and returns at once; use
// WaitReady to wait for the first ready connection.
func NewClient(addr string, opts ...ClientOption) (*Client, error) {
	return newClient(addr, nil, opts...)
}

// newClient builds a Client; dial nil means package transport.
func newClient(addr string, dial dialFunc, opts ...ClientOption) (*Client, error) {
	o := clientOptions{conns: 1, backoff: backoff.Default, dialTimeout: 3 * time.Second, callTimeout: time.Second, hbClient: PulseHeartbeatClient{}}
	for _, opt := range opts {
		opt.applyClient(&o)
	}
	policy, err := o.resolve(func(time.Duration) time.Duration { return 0 })
	if err != nil {
		return nil, err
	}
	if dial == nil {
		dial = transportDialer(o.transportOptions(policy.Timeout))
	}
	c := &Client{addr: addr, o: o, log: o.logger.With("peer", addr), policy: policy, dial: dial, changed: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.sched, c.ownSch = o.scheduler, false
	if c.sched == nil {
		c.sched, c.ownSch = NewScheduler(policy.Tick()), true
	}
	c.slots = make([]*slot, o.conns)
	for i := range c.slots {
		c.slots[i] = &slot{c: c}
	}
	for _, s := range c.slots {
		c.wg.Add(1)
		go s.dial()
	}
	return c, nil
}

// Addr returns the address the Client connects to.
func (c *Client) Addr() string { return c.addr }

// State returns the best state among the Client's connections.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Watch returns the current state and a channel closed at the next change.
func (c *Client) Watch() (State, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.changed
}

// WaitReady waits until a connection is ready, the Client is closed
// (ErrClosed) or ctx ends.
func (c *Client) WaitReady(ctx context.Context) error {
	for {
		st, ch := c.Watch()
		switch st {
		case StateReady:
			return nil
		case StateClosed:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Conns describes each connection slot of the Client.
func (c *Client) Conns() []ConnInfo {
	out := make([]ConnInfo, len(c.slots))
	for i, s := range c.slots {
		cc := s.cur.Load()
		if cc == nil {
			out[i].State = StateConnecting
			if c.isClosed() {
				out[i].State = StateClosed
			}
			continue
		}
		out[i] = cc.info()
	}
	return out
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// updateState recomputes the Client's state from its connections and wakes
// watchers when it changed.
func (c *Client) updateState() {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := StateClosed
	if !c.closed {
		st = StateConnecting
		readonly := false
		for _, s := range c.slots {
			if cc := s.cur.Load(); cc != nil {
				switch State(cc.state.Load()) {
				case StateReady:
					st = StateReady
				case StateReadOnly:
					readonly = true
				}
			}
		}
		if st != StateReady && readonly {
			st = StateReadOnly
		}
	}
	if st != c.state {
		c.state = st
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

// pick returns a ready connection, round robin.
func (c *Client) pick() *clientConn {
	n := len(c.slots)
	start := 0
	if n > 1 {
		start = int(c.rr.Add(1))
	}
	for i := 0; i < n; i++ {
		cc := c.slots[(start+i)%n].cur.Load()
		if cc != nil && State(cc.state.Load()) == StateReady {
			return cc
		}
	}
	return nil
}

// Call sends a two-way request and waits for its response, until ctx ends
// (or WithCallTimeout when ctx has no deadline). req.ID is ignored: the
// Client numbers requests. A response with a status other than OK is
// returned together with a *StatusError. Errors: ErrNotReady, ErrClosed,
// ErrPayloadTooLarge (nothing written, or the response was over the payload
// limit: the connection stays), and *StatusError matching ErrTimeout or
// ErrConnectionLost (and ErrNotSent as well when the request was not wholly
// written).
func (c *Client) Call(ctx context.Context, req *Request) (*Response, error) {
	return c.CallTimeout(ctx, req, 0)
}

// CallTimeout is Call with a timeout of its own: the call gives up when ctx
// ends or timeout has passed, whichever comes first, as Call would under
// context.WithTimeout(ctx, timeout) but without a context and a timer
// allocated per call. timeout <= 0 means WithCallTimeout's when ctx has no
// deadline, none otherwise.
func (c *Client) CallTimeout(ctx context.Context, req *Request, timeout time.Duration) (*Response, error) {
	if timeout <= 0 {
		if _, ok := ctx.Deadline(); !ok {
			timeout = c.o.callTimeout
		}
	}
	cc, err := c.ready(req)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, timeoutError(false, err)
	}
	id := c.nextID.Add(1)
	call := c.getCall()
	if !cc.register(id, call) {
		c.putCall(call)
		return nil, NotSentError("connection closed before the call was written", nil)
	}
	if err := cc.w.writeFrame(FlagRequest|FlagTwoWay|req.Serialization, 0, id, req.Body); err != nil {
		if cc.unregister(id) {
			c.putCall(call)
		} // else the connection's close is completing it: let it go
		return nil, NotSentError("write failed", err)
	}
	var expired <-chan time.Time
	if timeout > 0 {
		expired = call.arm(timeout)
	}
	var r callResult
	select {
	case r = <-call.done:
	case <-ctx.Done():
		if cc.unregister(id) {
			c.putCall(call)
			return nil, timeoutError(true, ctx.Err())
		}
		r = <-call.done // answered or failed while we gave up
	case <-expired:
		if cc.unregister(id) {
			c.putCall(call)
			return nil, timeoutError(true, context.DeadlineExceeded)
		}
		r = <-call.done
	}
	c.putCall(call) // nobody else holds it: it left the table before its result was sent
	return r.resp, r.err
}

// putCall gives a finished call back to the pool.
func (c *Client) putCall(call *pendingCall) {
	call.disarm()
	c.calls.Put(call)
}

// getCall returns an empty pending call from the Client's pool.
func (c *Client) getCall() *pendingCall {
	if call, ok := c.calls.Get().(*pendingCall); ok {
		return call
	}
	return &pendingCall{done: make(chan callResult, 1)}
}

// Send sends a one-way request: it returns once the frame is written.
func (c *Client) Send(ctx context.Context, req *Request) error {
	cc, err := c.ready(req)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return timeoutError(false, err)
	}
	if err := cc.w.writeFrame(FlagRequest|req.Serialization, 0, c.nextID.Add(1), req.Body); err != nil {
		return NotSentError("write failed", err)
	}
	return nil
}

// ready checks a request and picks a connection for it.
func (c *Client) ready(req *Request) (*clientConn, error) {
	if req.Serialization == 0 || req.Serialization > serialMask {
		return nil, fmt.Errorf("exchange: serialization id %d out of range", req.Serialization)
	}
	if c.o.payload > 0 && len(req.Body) > c.o.payload {
		return nil, &FrameError{Reason: ReasonPayloadTooLarge, Header: NewHeader(FlagRequest|req.Serialization, 0, 0, len(req.Body)), Limit: c.o.payload}
	}
	cc := c.pick()
	if cc == nil {
		if c.isClosed() {
			return nil, ErrClosed
		}
		return nil, ErrNotReady
	}
	return cc, nil
}

func timeoutError(written bool, cause error) error {
	if cause == context.Canceled {
		return &StatusError{Status: StatusClientError, Message: "request canceled", cause: cause}
	}
	if written {
		return &StatusError{Status: StatusServerTimeout, Message: "waiting for the server's response timed out", cause: cause}
	}
	return &StatusError{Status: StatusClientTimeout, Message: "sending the request timed out in the client", cause: cause}
}

// droppedResponse counts a response nobody waits for (late or unknown id)
// and logs at most once every 10 s.
func (c *Client) droppedResponse(h *Header) {
	c.droppedTotal.Add(1)
	n := c.dropped.Add(1)
	now := time.Now().UnixNano()
	last := c.lastDropLog.Load()
	if now-last < int64(10*time.Second) || !c.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	c.dropped.Add(-n)
	c.log.Info("exchange: dropped responses to unknown request ids (late or unexpected)", "count", n, "last", h.String())
}

// Close stops reconnecting, closes every connection (their calls fail with
// CHANNEL_INACTIVE) and waits for the Client's goroutines.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	for _, s := range c.slots {
		s.mu.Lock()
		if s.timer != nil && s.timer.Stop() {
			c.wg.Done()
		}
		s.timer = nil
		s.mu.Unlock()
	}
	// A dial that stores its connection did so under s.mu before the loop
	// above took it; a later one sees the cancel and closes its own.
	for _, s := range c.slots {
		if cc := s.cur.Load(); cc != nil {
			cc.conn.Close()
		}
	}
	c.wg.Wait() // every dial attempt, and every connection's OnClose
	c.bg.stop()
	if c.ownSch {
		c.sched.Close()
	}
	c.updateState()
	return nil
}

// slot is one of the Client's N connections, across reconnects.
type slot struct {
	c       *Client
	cur     atomic.Pointer[clientConn] // nil while disconnected
	mu      sync.Mutex
	retries int
	timer   *time.Timer
}

// dial runs one connection attempt; c.wg was incremented for it.
func (s *slot) dial() {
	c := s.c
	defer c.wg.Done()
	if c.ctx.Err() != nil {
		return
	}
	cc := &clientConn{slot: s}
	ctx, cancel := c.ctx, context.CancelFunc(func() {})
	if c.o.dialTimeout > 0 {
		ctx, cancel = context.WithTimeout(c.ctx, c.o.dialTimeout)
	}
	c.wg.Add(1) // for the connection: its OnClose, which may run before dial returns, is Done
	conn, err := c.dial(ctx, c.addr, cc.frameLen, cc)
	cancel()
	if err != nil {
		c.wg.Done()
		c.log.Debug("exchange: dial failed", "err", err)
		s.mu.Lock()
		s.retryLocked()
		s.mu.Unlock()
		return
	}
	cc.setConn(conn)
	s.mu.Lock()
	if cc.dead || c.ctx.Err() != nil {
		closing := !cc.dead
		if !closing {
			s.retryLocked()
		}
		s.mu.Unlock()
		if closing { // the Client is closing: its wg waits for OnClose
			conn.Close()
		}
		return
	}
	s.cur.Store(cc)
	c.sched.add(cc) // under s.mu: lost removes it under s.mu too
	s.mu.Unlock()
	c.updateState()
	cc.ping() // connected is not healthy: ask at once
}

// retryLocked schedules the next attempt after a backoff delay.
func (s *slot) retryLocked() {
	c := s.c
	if c.ctx.Err() != nil {
		return
	}
	d := c.o.backoff.Delay(s.retries, nil)
	s.retries++
	c.wg.Add(1)
	s.timer = time.AfterFunc(d, s.dial)
}

// lost is called once when a connection of the slot closed.
func (s *slot) lost(cc *clientConn) {
	s.mu.Lock()
	cc.dead = true
	s.c.sched.remove(cc)
	if s.cur.Load() == cc {
		s.cur.Store(nil)
		s.retryLocked()
	}
	s.mu.Unlock()
	s.c.updateState()
}

// becameReady resets the backoff once the peer has answered.
func (s *slot) becameReady() {
	s.mu.Lock()
	s.retries = 0
	s.mu.Unlock()
	s.c.updateState()
}
