package pulse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/cluster"
	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/internal/bufpool"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/serialization"
)

// conns shares one exchange.Client per provider address among every service
// a Client refers, as Java Dubbo shares one connection per address.
// Their heartbeat checks all run on one exchange.Scheduler (one ticker for
// every provider connection of the Client), started with the first
// connection and stopped by close.
type conns struct {
	opts []exchange.ClientOption
	tick time.Duration // the scheduler's tick: a third of the heartbeat interval

	mu     sync.Mutex
	byAddr map[string]*sharedConn
	sched  *exchange.Scheduler // nil until the first connection
	closed bool
	bufs   bufpool.Pool // request bodies being encoded (the exchange copies them into its frame)
}

type sharedConn struct {
	ex        *exchange.Client
	refs      int
	everReady atomic.Bool // seen ready at least once
}

func (c *conns) acquire(addr string) (*sharedConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, exchange.ErrClosed
	}
	if sc, ok := c.byAddr[addr]; ok {
		sc.refs++
		return sc, nil
	}
	if c.sched == nil {
		c.sched = exchange.NewScheduler(c.tick)
	}
	ex, err := exchange.NewClient(addr, append(c.opts[:len(c.opts):len(c.opts)], exchange.WithScheduler(c.sched))...)
	if err != nil {
		return nil, err
	}
	sc := &sharedConn{ex: ex, refs: 1}
	c.byAddr[addr] = sc
	return sc, nil
}

func (c *conns) release(addr string) {
	c.mu.Lock()
	sc, ok := c.byAddr[addr]
	if ok {
		sc.refs--
		if sc.refs > 0 {
			ok = false
		} else {
			delete(c.byAddr, addr)
		}
	}
	c.mu.Unlock()
	if ok {
		sc.ex.Close()
	}
}

func (c *conns) all() []*exchange.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*exchange.Client, 0, len(c.byAddr))
	for _, sc := range c.byAddr {
		out = append(out, sc.ex)
	}
	return out
}

func (c *conns) close() {
	c.mu.Lock()
	c.closed = true
	all := c.byAddr
	c.byAddr = map[string]*sharedConn{}
	sched := c.sched
	c.mu.Unlock()
	for _, sc := range all {
		sc.ex.Close()
	}
	if sched != nil {
		// After the connections: a Scheduler is closed after its users.
		sched.Close()
	}
}

// scheduler returns the heartbeat scheduler shared by the connections (nil
// before the first one).
func (c *conns) scheduler() *exchange.Scheduler {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sched
}

// invoker adapts a shared exchange connection to cluster.Invoker for one
// provider URL.
type invoker struct {
	url    registry.URL
	sc     *sharedConn
	ex     *exchange.Client
	pool   *conns
	limit  int
	once   sync.Once
	closed atomic.Bool // set by Close: a stale picker must not choose it
}

func (p *conns) dial(u registry.URL, limit int) (cluster.Invoker, error) {
	sc, err := p.acquire(u.Address())
	if err != nil {
		return nil, err
	}
	return &invoker{url: u, sc: sc, ex: sc.ex, pool: p, limit: limit}, nil
}

func (i *invoker) URL() *registry.URL { return &i.url }

// state reads the connection state and remembers having seen it ready.
func (i *invoker) state() exchange.State {
	st := i.ex.State()
	if st == exchange.StateReady && !i.sc.everReady.Load() {
		i.sc.everReady.Store(true)
	}
	return st
}

// Available is false once the invoker is closed, whatever its shared
// connection's state (other invokers may still use that connection).
func (i *invoker) Available() bool { return !i.closed.Load() && i.state() == exchange.StateReady }

// Health reports the heartbeat view of the connection: the round trip of
// its latest heartbeat and, from a Pulse provider, the status it reports.
func (i *invoker) Health() cluster.Health {
	var h cluster.Health
	for _, c := range i.ex.Conns() {
		if c.State != exchange.StateReady {
			continue
		}
		if h.RTT == 0 || c.RTT < h.RTT {
			h.RTT = c.RTT
		}
		if c.HasHealth {
			switch c.Health.Status {
			case "SERVING":
				h.Status = loadbalance.StatusOK
			case "DRAINING", "FAILING":
				h.Status = loadbalance.StatusFailing
			case "DEGRADED":
				h.Status = loadbalance.StatusDegraded
			default:
				h.Status = loadbalance.StatusDegraded
			}
		}
	}
	return h
}

func (i *invoker) Close() error {
	i.closed.Store(true)
	i.once.Do(func() { i.pool.release(i.url.Address()) })
	return nil
}

// Invoke encodes the invocation, sends it and decodes the result.
func (i *invoker) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	if i.closed.Load() {
		// Picked from a stale view of the directory: go elsewhere.
		return nil, &Error{Code: CodeConnectionLost, Service: inv.Path, Method: inv.Method,
			Message: "provider " + i.url.Address() + " removed", cause: errors.Join(exchange.ErrClosed, cluster.ErrUnavailable)}
	}
	bp := i.pool.bufs.Get()
	defer i.pool.bufs.Put(bp)
	body, err := dubbo.EncodeRequest((*bp)[:0], inv)
	*bp = body
	if err != nil {
		return nil, &Error{Code: CodeUnknown, Service: inv.Path, Method: inv.Method, Message: err.Error(), cause: err}
	}
	if i.limit > 0 && len(body) > i.limit {
		return nil, &Error{Code: CodePayloadTooLarge, Service: inv.Path, Method: inv.Method,
			Message: fmt.Sprintf("request of %d bytes over the payload limit of %d", len(body), i.limit)}
	}
	// Each attempt gets the call's timeout, as in Java: a retry on another
	// provider starts a fresh one. The exchange times the call out itself,
	// without a context per call.
	d := deadlineFrom(inv.Attachments)
	if i.state() == exchange.StateConnecting && !i.sc.everReady.Load() {
		// The directory offers a connecting provider only when none is
		// ready. Before its first connection is up (the first calls after
		// Refer), wait for it within the attempt's time; a provider that
		// was up and is reconnecting fails the attempt at once.
		wctx := ctx
		if d > 0 {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		if err := i.ex.WaitReady(wctx); err != nil {
			return nil, &Error{Code: CodeConnectionLost, Service: inv.Path, Method: inv.Method,
				Message: fmt.Sprintf("no connection to %s became ready: %v", i.url.Address(), err),
				cause:   errors.Join(err, cluster.ErrUnavailable)}
		}
		i.sc.everReady.Store(true)
		// The call gets what is left of the attempt's time (this path runs
		// only for the first calls after Refer: a context is fine here).
		ctx, d = wctx, 0
	}
	resp, err := i.ex.CallTimeout(ctx, &exchange.Request{TwoWay: true, Serialization: byte(serialization.Hessian2), Body: body}, d)
	if err != nil {
		return nil, exchangeError(err)
	}
	if resp.Status != exchange.StatusOK {
		msg := readStatusMessage(resp)
		return nil, statusError(resp.Status, msg, &exchange.StatusError{Status: resp.Status, Message: msg})
	}
	res, err := dubbo.DecodeResponse(resp.Body, dubbo.WithPayloadLimit(i.limit))
	if err != nil {
		return nil, &Error{Code: CodeUnknown, Service: inv.Path, Method: inv.Method,
			Message: "cannot decode the response: " + err.Error(), cause: err}
	}
	return res, nil
}

// exchangeError maps an exchange failure to a Pulse error that the cluster
// strategy classifies as the cluster package doc says.
func exchangeError(err error) error {
	if errors.Is(err, exchange.ErrPayloadTooLarge) {
		// A request refused before it left, or a response over the limit
		// dropped by the client (CLIENT_ERROR): the same on any provider.
		return &Error{Code: CodePayloadTooLarge, Message: err.Error(), cause: err}
	}
	var se *exchange.StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case exchange.StatusChannelInactive:
			if errors.Is(se, exchange.ErrNotSent) {
				// The request never left: safe to send elsewhere.
				return &Error{Code: CodeConnectionLost, Message: err.Error(), cause: joinCause(err, cluster.ErrUnavailable)}
			}
		case exchange.StatusClientTimeout, exchange.StatusServerTimeout:
		default: // an answer from the peer
			return statusError(se.Status, se.Message, err)
		}
	}
	switch {
	case errors.Is(err, exchange.ErrNotReady), errors.Is(err, exchange.ErrClosed):
		return &Error{Code: CodeConnectionLost, Message: err.Error(), cause: joinCause(err, cluster.ErrUnavailable)}
	case errors.Is(err, exchange.ErrTimeout):
		return &Error{Code: CodeTimeout, Message: err.Error(), cause: joinCause(err, cluster.ErrTimeout)}
	case errors.Is(err, exchange.ErrConnectionLost):
		return &Error{Code: CodeConnectionLost, Message: err.Error(), cause: joinCause(err, cluster.ErrConnectionLost)}
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCanceled, Message: err.Error(), cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeTimeout, Message: err.Error(), cause: err}
	}
	return &Error{Code: CodeUnknown, Message: err.Error(), cause: err}
}

// joinCause keeps the exchange error and adds the cluster class for errors.Is.
func joinCause(err, class error) error { return errors.Join(err, class) }

// statusError maps a non-OK response to a Pulse error. Java peers answer an
// unknown service with SERVICE_ERROR "Not found exported service" (2.7) or
// BAD_REQUEST "Service not found:" (3.x, also for unknown methods and
// mismatched parameter types), an oversized response with BAD_RESPONSE
// "Data length too large".
func statusError(st exchange.Status, msg string, cause error) error {
	e := &Error{Code: CodeUnknown, Message: fmt.Sprintf("%s: %s", st, msg), cause: cause}
	switch {
	case st == exchange.StatusServiceNotFound || strings.Contains(msg, "Not found exported service"):
		e.Code = CodeUnknownService
	case strings.Contains(msg, "Service not found:"):
		e.Code = CodeUnknownMethod
	case strings.Contains(strings.ToLower(msg), "too large") || strings.Contains(msg, "payload"):
		e.Code = CodePayloadTooLarge
	case st == exchange.StatusServerTimeout || st == exchange.StatusClientTimeout:
		e.Code = CodeTimeout
	case st == exchange.StatusServerError && msg == exchange.ShuttingDownMessage:
		// A provider draining after READONLY: the call never ran; go elsewhere.
		e.Code = CodeConnectionLost
		e.cause = errors.Join(e.cause, cluster.ErrUnavailable)
	case st == exchange.StatusServerThreadpoolExhausted:
		// Rejected before it ran (a full or, in Java 2.7, an already shut
		// down executor): safe to try another provider.
		e.cause = errors.Join(e.cause, cluster.ErrUnavailable)
	}
	return e
}
