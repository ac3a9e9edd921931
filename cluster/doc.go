// Package cluster owns how a call finds a provider: the Directory of a
// referenced service's providers, kept up to date from registry snapshots and
// events and from each connection's state, and the cluster strategies Java
// Dubbo names in `cluster=`: failover (the default), failfast, failsafe,
// failback, forking and broadcast. Choosing among providers is delegated to
// cluster/loadbalance.
//
// The package never touches the wire: providers are Invokers, an interface
// declared here and implemented by the root package over exchange
// connections. A Directory dials an Invoker for each provider URL it is given
// (Dial must not block on the network: an Invoker connects in the background
// and reports Available meanwhile), and Closes it when the provider leaves,
// which ends its reconnect loop: a provider gone from the registry is never
// dialled again.
//
// Calls never wait for membership changes. The Directory publishes an
// immutable snapshot through an atomic pointer; writers (registry events,
// Set, Close) serialize among themselves only. A strategy's balancer Picker
// is rebuilt for a new snapshot by one goroutine at a time, started by the
// first call that sees the change and owned by the strategy (Close waits for
// it); calls meanwhile use the previous Picker, which already skips removed
// providers because their invokers are Closed and so unavailable. A storm of
// changes thus costs one rebuild at a time and never a goroutine per change.
//
// # Failing providers
//
// A provider whose connection is down, connecting or READONLY is skipped at
// once (Invoker.Available, read live). One that is slow to answer heartbeats
// or reports trouble is weighted down by the balancer (Health). One that
// answers but fails can be cut off by a circuit breaker per provider
// (WithBreaker, package cluster/breaker): while open, no call reaches it;
// after the cooldown a single probe decides.
//
// # Errors and retries
//
// An Invoker's error tells a strategy whether the call may be retried on
// another provider (see Retryable). The root package wraps its exchange
// errors so that:
//   - errors.Is(err, ErrUnavailable): the request never left (not connected,
//     closed, READONLY, dial failed): always retried;
//   - errors.Is(err, ErrConnectionLost) or errors.Is(err, ErrTimeout) (or a
//     context.DeadlineExceeded of a per-attempt timeout while the caller's
//     own context is still live): the provider may have run the call: retried
//     only when the reference is idempotent (WithIdempotent, `idempotent=true`);
//   - any other error, including a provider's business exception, is final.
//     Business exceptions normally come back as Result.Exception with a nil
//     error and are returned as they are.
//
// An error may also implement interface{ Retryable() bool }, which overrides
// the rules above. A canceled or expired caller context stops retries.
// Failed calls come back as *CallError, which unwraps to the last error.
package cluster
