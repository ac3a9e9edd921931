package pulse

import (
	"context"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// CallInfo describes one call to the interceptors that see it.
type CallInfo struct {
	Service string // the Java interface name
	Version string // "" or "0.0.0" when the service has none
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
// does: for logging, metrics, tracing, authentication. It runs once per
// call: on a Client around the whole call (failover and its retries
// included; a context made with WithAttachments and passed to next adds
// attachments to the call), on a Server around the provider method (the
// context carries the caller's attachments, IncomingAttachments, and its
// deadline). It may return without calling next, or change what next
// returns; an error it returns is the call's error, as the method's would
// be (on a Server, a *Error with a JavaClass reaches a Java caller as that
// exception).
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
