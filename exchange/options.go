package exchange

import (
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse/exchange/internal/backoff"
	"github.com/pulse-rpc/pulse/exchange/internal/heartbeat"
	"github.com/pulse-rpc/pulse/transport"
)

// Heartbeat configures the heartbeat task of a Client or a Server.
type Heartbeat struct {
	// Interval: a connection with nothing read or nothing written for this
	// long gets a heartbeat. Zero means Java's default, 60 s.
	Interval time.Duration
	// Timeout: a connection with nothing read for this long is given up (the
	// client reconnects, the server closes it). Zero means 3 x Interval; it
	// must be at least 2 x Interval.
	Timeout time.Duration
}

// Backoff configures the delays between reconnect attempts: Base, then
// x Multiplier after each failure, capped at Max, spread by +/- Jitter.
// Zero fields take grpc's values: 1 s, 1.6, 0.2, 120 s.
type Backoff struct {
	Base       time.Duration
	Multiplier float64
	Jitter     float64
	Max        time.Duration
}

// Option configures both a Client and a Server.
type Option interface {
	ClientOption
	ServerOption
}

// ClientOption configures a Client.
type ClientOption interface{ applyClient(*clientOptions) }

// ServerOption configures a Server.
type ServerOption interface{ applyServer(*serverOptions) }

type common struct {
	heartbeat Heartbeat
	logger    *slog.Logger
	payload   int
	transport []transport.Option
	scheduler *Scheduler
}

type clientOptions struct {
	common
	conns       int
	backoff     backoff.Config
	dialTimeout time.Duration
	callTimeout time.Duration
	hbClient    HeartbeatClient
}

type serverOptions struct {
	common
	hbHandler      HeartbeatHandler
	handlerTimeout time.Duration
	floodMin       time.Duration
	inline         bool
	maxWorkers     int // server_workers.go
}

type bothOption func(*common)

func (f bothOption) applyClient(o *clientOptions) { f(&o.common) }
func (f bothOption) applyServer(o *serverOptions) { f(&o.common) }

type clientOption func(*clientOptions)

func (f clientOption) applyClient(o *clientOptions) { f(o) }

type serverOption func(*serverOptions)

func (f serverOption) applyServer(o *serverOptions) { f(o) }

// WithHeartbeat sets the heartbeat interval and timeout (default 60 s and 180 s).
func WithHeartbeat(h Heartbeat) Option { return bothOption(func(c *common) { c.heartbeat = h }) }

// WithScheduler makes a Client or Server run its heartbeat checks on a
// shared Scheduler instead of its own ticker. The caller closes it, after
// the Clients and Servers using it.
func WithScheduler(s *Scheduler) Option { return bothOption(func(c *common) { c.scheduler = s }) }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return bothOption(func(c *common) { c.logger = l }) }

// WithPayloadLimit sets the largest body accepted and sent (default 8 MiB, as
// Java's `payload`); n <= 0 means no limit.
func WithPayloadLimit(n int) Option {
	if n <= 0 {
		n = -1 // 0 would read as "not set" and take the default
	}
	return bothOption(func(c *common) { c.payload = n })
}

// WithConnections sets how many connections a Client keeps to its address
// (default 1, as Java's shared connection).
func WithConnections(n int) ClientOption {
	return clientOption(func(o *clientOptions) {
		if n > 0 {
			o.conns = n
		}
	})
}

// WithBackoff sets the reconnect backoff.
func WithBackoff(b Backoff) ClientOption {
	return clientOption(func(o *clientOptions) {
		o.backoff = backoff.Config{Base: b.Base, Multiplier: b.Multiplier, Jitter: b.Jitter, Max: b.Max}
	})
}

// WithDialTimeout bounds each connection attempt (default 3 s, as Java's
// `connect.timeout`); zero or less leaves package transport's default.
func WithDialTimeout(d time.Duration) ClientOption {
	return clientOption(func(o *clientOptions) { o.dialTimeout = d })
}

// WithCallTimeout is the timeout of calls whose context has no deadline
// (default 1 s, as Java's `timeout`); zero or less: such calls wait until
// answered or their connection closes.
func WithCallTimeout(d time.Duration) ClientOption {
	return clientOption(func(o *clientOptions) { o.callTimeout = d })
}

// WithHeartbeatClient sets how the client builds heartbeats and reads their
// answers (default PulseHeartbeatClient).
func WithHeartbeatClient(h HeartbeatClient) ClientOption {
	return clientOption(func(o *clientOptions) { o.hbClient = h })
}

// WithHeartbeatHandler sets what the server's answers to Pulse clients'
// heartbeats carry (default HealthHeartbeat). Other peers always get the
// standard null body.
func WithHeartbeatHandler(h HeartbeatHandler) ServerOption {
	return serverOption(func(o *serverOptions) { o.hbHandler = h })
}

// WithHandlerTimeout bounds each call on the server: when the handler has not
// returned in d, the caller gets SERVER_TIMEOUT at once and the handler's
// context ends. Zero (default) means no bound.
func WithHandlerTimeout(d time.Duration) ServerOption {
	return serverOption(func(o *serverOptions) { o.handlerTimeout = d })
}

// WithInlineHandler runs each call on its connection's read goroutine
// instead of a worker goroutine: the fastest path for handlers that
// never block (no copy of the body, answers of one read batch leave in one
// write), but a handler that blocks stops everything on its connection,
// heartbeats included, and WithHandlerTimeout cannot answer before it returns.
func WithInlineHandler() ServerOption {
	return serverOption(func(o *serverOptions) { o.inline = true })
}

// WithHeartbeatEnforcement makes the server close a connection whose peer
// sends heartbeats more often than once per min, three times in a row (a
// heartbeat flood). Off by default: Java peers must never be refused.
func WithHeartbeatEnforcement(min time.Duration) ServerOption {
	return serverOption(func(o *serverOptions) { o.floodMin = min })
}

func (c *common) resolve(margin func(time.Duration) time.Duration) (heartbeat.Policy, error) {
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.payload == 0 {
		c.payload = DefaultPayloadLimit
	}
	interval := c.heartbeat.Interval
	if interval <= 0 {
		interval = heartbeat.DefaultInterval
	}
	return heartbeat.New(interval, c.heartbeat.Timeout, margin(interval))
}
