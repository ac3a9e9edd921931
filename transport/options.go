package transport

import (
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse/transport/internal/tcpopt"
)

// Defaults applied when no option says otherwise.
const (
	// DefaultMaxFrameSize is the hard limit on one frame, whatever FrameLen
	// allows: 16 MiB, twice Dubbo's default 8 MiB payload.
	DefaultMaxFrameSize = 16 << 20
	// DefaultDialTimeout bounds a dial when the context has no earlier deadline.
	DefaultDialTimeout = 3 * time.Second
	// DefaultWriteTimeout is how long one write may stay blocked in the kernel.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultKeepIdle, DefaultKeepInterval and DefaultKeepCount are the
	// kernel keepalive settings: a dead host is found after about a minute.
	DefaultKeepIdle     = 30 * time.Second
	DefaultKeepInterval = 10 * time.Second
	DefaultKeepCount    = 3
)

// SocketOptions are the TCP options set on every connection and read back by
// ReadSocketOptions.
type SocketOptions = tcpopt.Options

// Option configures Listen and Dial.
type Option func(*options)

type options struct {
	logger       *slog.Logger
	dialTimeout  time.Duration
	writeTimeout time.Duration
	maxFrame     int
	sock         tcpopt.Options

	// Write-path variants, for benchmarks only (export_test.go).
	directWrites bool
	noCork       bool
	noYield      bool
	rawReadLoop  bool
	readPoll     time.Duration // getty's read deadline; tests shorten it
	cronPeriod   time.Duration // getty's per-session timer; tests shorten it
}

func newOptions(opts []Option) options {
	o := options{
		dialTimeout:  DefaultDialTimeout,
		writeTimeout: DefaultWriteTimeout,
		maxFrame:     DefaultMaxFrameSize,
		readPoll:     defaultReadPoll,
		cronPeriod:   cronPeriod,
		sock: tcpopt.Options{
			NoDelay:      true,
			KeepAlive:    true,
			KeepIdle:     DefaultKeepIdle,
			KeepInterval: DefaultKeepInterval,
			KeepCount:    DefaultKeepCount,
		},
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return o
}

// WithLogger sets the logger for connection events (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithDialTimeout bounds each dial on top of the context; zero or less leaves
// only the context.
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }

// WithWriteTimeout bounds how long a write may block in the kernel (a peer
// that stops reading). A write blocked for longer than between half of d and d
// fails and closes the connection. Zero or less means no write deadline.
func WithWriteTimeout(d time.Duration) Option { return func(o *options) { o.writeTimeout = d } }

// WithMaxFrameSize sets the hard limit on one frame; a longer frame announced
// by FrameLen closes the connection with a *FrameSizeError. n <= 0 keeps
// DefaultMaxFrameSize.
func WithMaxFrameSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFrame = n
		}
	}
}

// WithNoDelay sets TCP_NODELAY (default true).
func WithNoDelay(on bool) Option { return func(o *options) { o.sock.NoDelay = on } }

// WithKeepAlive turns kernel keepalive on with the given idle time, probe
// interval and probe count (whole seconds; count <= 0 keeps the kernel's).
func WithKeepAlive(idle, interval time.Duration, count int) Option {
	return func(o *options) {
		o.sock.KeepAlive = true
		o.sock.KeepIdle, o.sock.KeepInterval, o.sock.KeepCount = idle, interval, count
	}
}

// WithoutKeepAlive turns kernel keepalive off.
func WithoutKeepAlive() Option { return func(o *options) { o.sock.KeepAlive = false } }

// WithUserTimeout sets TCP_USER_TIMEOUT: sent data unacknowledged for d drops
// the connection (Linux only; zero keeps the kernel default).
func WithUserTimeout(d time.Duration) Option { return func(o *options) { o.sock.UserTimeout = d } }
