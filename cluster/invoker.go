package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

// Invoker is one provider of one service, as the root package adapts an
// exchange connection to it.
type Invoker interface {
	// URL is the provider URL the invoker was dialled with.
	URL() *registry.URL
	// Invoke sends one call and waits for its result. A provider's business
	// exception comes back as Result.Exception with a nil error; other
	// errors follow the rules in the package doc.
	Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error)
	// Available is false while the connection is down or connecting, after
	// the provider sent READONLY, and after Close.
	Available() bool
	// Close stops the invoker for good, including any reconnect loop.
	Close() error
}

// Health is what heartbeats tell about a provider; an Invoker may report it
// by implementing HealthReporter. Balancers scale weights down with it.
type Health = loadbalance.Health

// HealthReporter is the optional health view of an Invoker.
type HealthReporter = loadbalance.HealthReporter

// Errors an Invoker wraps (see the package doc) and errors of the package.
var (
	ErrUnavailable    = errors.New("cluster: provider unavailable")
	ErrConnectionLost = errors.New("cluster: connection lost during call")
	ErrTimeout        = errors.New("cluster: call timed out")
	ErrNoProvider     = errors.New("cluster: no provider")
	ErrClosed         = errors.New("cluster: closed")
	ErrUnknown        = errors.New("cluster: unknown strategy")
	// ErrCircuitOpen is a call a provider's breaker refused: it was not
	// sent, so it also matches ErrUnavailable.
	ErrCircuitOpen = fmt.Errorf("%w: circuit open", ErrUnavailable)
)

// Retryable reports whether a call that failed with err may be sent again to
// another provider, for a reference that is idempotent or not.
func Retryable(err error, idempotent bool) bool {
	if err == nil {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	switch {
	case errors.Is(err, ErrUnavailable):
		return true
	case errors.Is(err, ErrConnectionLost), errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return idempotent
	}
	return false
}

// CallError is a call that failed through a strategy.
type CallError struct {
	Strategy string   // failover, failfast, ...
	Service  string   // the invocation's path
	Method   string   // the invocation's method
	Tried    []string // providers tried, in order ("host:port")
	Err      error    // the last error
}

func (e *CallError) Error() string {
	return fmt.Sprintf("cluster: %s %s.%s failed on [%s]: %v",
		e.Strategy, e.Service, e.Method, strings.Join(e.Tried, " "), e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }
