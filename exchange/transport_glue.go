package exchange

import (
	"time"

	"context"

	"github.com/pulse-rpc/pulse/transport"
)

// WithTransportOptions passes options to package transport for every
// connection (socket options, write timeout). By default the exchange sets
// the transport's logger and TCP_USER_TIMEOUT to the heartbeat timeout, so
// that writes into a black hole fail as soon as the heartbeat would notice.
func WithTransportOptions(opts ...transport.Option) Option {
	return bothOption(func(c *common) { c.transport = append(c.transport, opts...) })
}

func (c *common) transportOptions(timeout time.Duration) []transport.Option {
	opts := []transport.Option{transport.WithLogger(c.logger), transport.WithUserTimeout(timeout)}
	return append(opts, c.transport...)
}

func transportDialer(opts []transport.Option) dialFunc {
	return func(ctx context.Context, addr string, frameLen transport.FrameLen, h transport.Handler) (transport.Conn, error) {
		return transport.Dial(ctx, addr, frameLen, h, opts...)
	}
}

func transportListener(opts []transport.Option) listenFunc {
	return func(addr string, frameLen transport.FrameLen, h transport.Handler) (listener, error) {
		return transport.Listen(addr, frameLen, h, opts...)
	}
}
