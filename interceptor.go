package pulse

import (
	"context"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// CallInfo describes one call to the interceptors that see it. Only
// Arguments may be changed; the other fields are for reading.
type CallInfo struct {
	Service string // the Java interface name
	Version string // "" when the service has none (Java's "0.0.0")
	Group   string
	// Method is the Java method name. A generic call (Client.Invoke, or
	// Java's GenericService on a Server) is "$invoke", and its Arguments
	// are the method's name, its parameter types and its arguments.
	Method string
	// Arguments are the call's arguments. An interceptor may replace them
	// before it calls next: what next gets is what is sent (on a Client)
	// or what the method is called with (on a Server).
	Arguments []any
	// Remote is the caller's address on a Server. It is empty on a Client,
	// where the provider is picked after the interceptors, for each attempt.
	Remote string

	// What the end of the chain needs, on one side or the other.
	ref   *reference
	cfg   *serviceConfig
	inv   *dubbo.Invocation
	entry *exported
}

// CallFunc goes on with a call: the next interceptor, or after the last one
// the call itself.
type CallFunc func(ctx context.Context, call *CallInfo) (any, error)

// Interceptor wraps calls, as a Java Dubbo Filter or a gRPC interceptor
// does: for logging, metrics, tracing, authentication. It may return
// without calling next, or change what next returns.
//
// On a Client it runs once per call, around the whole call: failover and
// its retries happen inside next (failback's background retries after it
// has returned). A context made with WithAttachments and passed to next
// adds attachments; one made with ReplyAttachments sees the provider's
// reply, as the caller's still does. next may be called again, or from
// several goroutines at once: each call of it is a call of its own. The
// call's timeout bounds each attempt inside next, not the interceptor's
// own work. An error it returns reaches the caller as a *Error, as every
// call's error does.
//
// On a Server it runs around the provider method (not around $echo, the
// liveness probe, which Java's EchoFilter also answers before any other).
// The context carries the caller's attachments (IncomingAttachments) and
// deadline. An error it returns is answered as the method's would be: a
// *Error with a JavaClass reaches a Java caller as that exception, and a
// panic is answered and logged as a panic in the method.
type Interceptor func(ctx context.Context, call *CallInfo, next CallFunc) (any, error)

// WithServerInterceptors adds interceptors to every call a Server serves,
// the first given outermost.
func WithServerInterceptors(is ...Interceptor) ServerOption {
	return serverOption(func(c *serverConfig) { c.interceptors = append(c.interceptors, is...) })
}

// WithClientInterceptors adds interceptors to every call a Client makes
// (through a Refer stub or Invoke), the first given outermost.
func WithClientInterceptors(is ...Interceptor) ClientOption {
	return clientOption(func(c *clientConfig) { c.interceptors = append(c.interceptors, is...) })
}

// chain makes one CallFunc of interceptors and the call itself, built once
// per Client or Server: nil when there are no interceptors, so that calls
// then take their path without a CallInfo.
func chain(is []Interceptor, last CallFunc) CallFunc {
	if len(is) == 0 {
		return nil
	}
	for i := len(is) - 1; i >= 0; i-- {
		in, next := is[i], last
		last = func(ctx context.Context, c *CallInfo) (any, error) { return in(ctx, c, next) }
	}
	return last
}
