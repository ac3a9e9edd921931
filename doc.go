// Package pulse is a Dubbo-compatible RPC framework for Go: export Go services
// to Java Dubbo consumers, call Java Dubbo providers, and find providers
// through etcd, over the Dubbo 2 TCP protocol with hessian2 bodies.
//
// This package is the user API; everything under it (exchange, protocol/dubbo,
// cluster, registry, transport, serialization) is machinery it glues
// together.
//
// # Exporting a service
//
//	srv := pulse.NewServer(pulse.WithAddress(":20880"), pulse.WithRegistry("etcd://127.0.0.1:2379"))
//	err := srv.Register("org.apache.dubbo.samples.api.GreetingsService", Greetings{})
//	err = srv.Serve(ctx) // until ctx ends, then READONLY, unregister, drain, close
//
// Register reflects over the implementation once: every exported method is
// served under its Java name (Go SayHi answers Java sayHi; MethodName maps
// others), a context.Context first parameter and an error last result are
// optional, and Go methods mapped to one Java name serve Java overloads, told
// apart by their JVM parameter descriptors. A method that cannot be served
// fails Register with an error naming the method and the type. Calls never
// reflect over the type again: they look the method up in a table.
//
// A provider's method chooses the Java exception its Java callers receive by
// returning Exception(class, message); any other error arrives as a
// java.lang.RuntimeException with the error's text.
//
// # Calling a service
//
//	var greetings struct {
//		SayHi func(ctx context.Context, name string) (string, error)
//	}
//	cli, err := pulse.NewClient(pulse.WithRegistry("etcd://127.0.0.1:2379"))
//	err = cli.Refer("org.apache.dubbo.samples.api.GreetingsService", &greetings, pulse.Timeout(time.Second))
//	hi, err := greetings.SayHi(ctx, "pulse")
//
// Why a struct of func fields, filled once by reflect.MakeFunc at Refer, and
// not an interface: Go cannot implement an interface at run time without
// generated code, so an interface stub would need a code generator, which
// this API avoids on purpose (no IDL, no build step, no YAML). A struct of
// funcs gives the same typed call sites, is checked once at Refer (every
// field's signature is turned into a JVM descriptor there, so a type that
// cannot travel fails Refer, not the first call), lets a field tag carry the
// Java name or parameter types where Go's cannot say them, and lets a caller
// declare only the methods it uses. It is also the form dubbo-go users know.
// Invoke covers services with no Go type at all, as Java's GenericService.
//
// Providers come from URL ("dubbo://host:port", direct) or from the client's
// registry (etcd), with the same API. Each provider is one shared connection
// per address (as Java Dubbo) with heartbeats both ways; a provider whose
// heartbeats go unanswered, that sent READONLY, or that is reconnecting is
// skipped by the load balancer until it answers again.
//
// # Errors
//
// Every failed call returns an *Error: its Code says what failed and
// errors.Is matches it against ErrTimeout, ErrConnectionLost,
// ErrUnknownService, ErrUnknownMethod, ErrPayloadTooLarge, ErrException or
// ErrNoProvider; a provider's exception keeps its Java class in JavaClass.
// Errors.As also reaches the lower layers' errors (*dubbo.JavaException,
// *exchange.StatusError, *cluster.CallError) through Unwrap.
//
// # Attachments
//
// WithAttachments sends attachments with calls made with a context;
// IncomingAttachments reads them in a provider; SetReplyAttachment and
// ReplyAttachments carry them back.
//
// # Decisions
//
//   - Timeouts are per attempt, as in Java: a failover retry on another
//     provider gets a fresh Timeout. The caller's context deadline, when
//     sooner, wins and bounds the whole call. The provider's method gets a
//     context with the caller's timeout (the "timeout" attachment).
//   - Failover retries a call elsewhere when it never reached a provider
//     (no ready connection, READONLY, shutting down). It retries calls that
//     timed out or lost their connection in flight only for references marked
//     Idempotent, because the provider may have run them.
//   - The first calls after Refer wait (within their timeout) for a
//     provider's first connection; a provider that was up and is
//     reconnecting fails the attempt at once so that another one is tried.
//   - Serve's shutdown sends READONLY, removes the URLs from the registry,
//     waits for calls in flight and then for a short quiet period with no
//     frame arriving (all within WithShutdownWait), then closes. Calls that
//     arrive in between (written before the client read READONLY) are
//     served, as a Java provider serves them; only calls arriving after the
//     shutdown wait has run out are refused, with an error that Pulse
//     clients retry elsewhere, even without Idempotent.
//   - Calls run on long-lived goroutines, at most WithMaxConcurrentCalls at
//     once; beyond, a call is answered SERVER_THREADPOOL_EXHAUSTED_ERROR, as
//     Java answers when its thread pool is full.
//   - A Client runs the heartbeats of all its provider connections on one
//     ticker, stopped by Close.
//   - Registered provider URLs carry what Java Dubbo 2.7 writes (interface,
//     methods, side, application, dubbo, release, timestamp, pid, dynamic,
//     anyhost, generic, deprecated) plus serialization=hessian2, and
//     heartbeat when it is not Java's default.
package pulse
