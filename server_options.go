package pulse

import "github.com/pulse-rpc/pulse/exchange"

// WithMaxConcurrentCalls bounds how many calls the server runs at once
// (default exchange.DefaultMaxWorkers, 10,000). A call arriving while n
// run is not run: it is answered SERVER_THREADPOOL_EXHAUSTED_ERROR, as a
// Java provider answers when every thread of its pool (`threads`, 200 by
// default) is busy; the caller may try another provider. Calls run on
// long-lived goroutines, so a method that blocks holds one of them and
// nothing else.
func WithMaxConcurrentCalls(n int) ServerOption {
	return serverOption(func(c *serverConfig) { c.maxCalls = n })
}

// exchangeOptions are the exchange options of the server's listener.
func (c *serverConfig) exchangeOptions() []exchange.ServerOption {
	return []exchange.ServerOption{
		exchange.WithHeartbeat(exchange.Heartbeat{Interval: c.heartbeat, Timeout: c.hbTimeout()}),
		exchange.WithPayloadLimit(c.payloadLimit),
		exchange.WithHandlerTimeout(c.callTimeout),
		exchange.WithHeartbeatHandler(healthAnswer{status: c.health}),
		exchange.WithMaxWorkers(c.maxCalls),
		exchange.WithLogger(c.logger),
	}
}
