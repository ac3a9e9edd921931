// Package exchange owns the Dubbo frame: the 16-byte header (a pure codec in
// header.go), status codes, event bodies (heartbeat, READONLY), and the
// exchange of requests and responses over transport connections: request
// ids, pending calls and their timeouts, the heartbeat task on both sides and
// reconnects. Bodies are opaque bytes plus a serialization id: this package
// never decodes what a call carries.
//
// # Client
//
// A Client keeps one connection to its address (WithConnections for N) and
// multiplexes calls on it by request id. Each connection has its own table
// of pending calls. A call ends with its response, with its context or its
// own timeout (CallTimeout: a timer kept with the pooled call, no context per
// call) (CLIENT_TIMEOUT if it was never written, SERVER_TIMEOUT if it was:
// both match ErrTimeout, and the pending entry is removed at once), or at
// once with CHANNEL_INACTIVE (ErrConnectionLost) when its connection closes.
// A response over the payload limit fails its call alone with CLIENT_ERROR
// (ErrPayloadTooLarge), as Java's consumer does; its bytes are dropped as
// they arrive and the connection stays. A response nobody waits for any more
// is dropped and logged at most every 10 s.
//
// Connected is not healthy: a connection is "connecting" until the peer has
// sent something on it, and the Client sends a heartbeat as soon as it
// connects to make it answer. Calls go only to "ready" connections; with
// none, Call fails at once with ErrNotReady so that a caller with another
// provider goes there (WaitReady waits). READONLY from the server makes the
// connection "readonly": no new calls on it until a reconnect. State and
// Watch report the Client's best connection state for the cluster layer.
// Lost and expired connections are redialled with capped exponential backoff
// and jitter until the Client is closed. A Client exports nothing: a call
// request from the provider (a Dubbo callback) is answered SERVICE_ERROR.
//
// # Server
//
// A Server answers heartbeats itself (byte for byte as Java: da bb 22 14
// <id> 00 00 00 01 4e, the request's serialization id), ignores one-way
// events, and runs call requests through the Handler on long-lived worker
// goroutines (one per call running, reused, bounded by WithMaxWorkers: over
// it a call is answered SERVER_THREADPOOL_EXHAUSTED_ERROR, as Java does). A
// broken two-way request whose header was readable is answered with
// BAD_REQUEST before the connection closes. Shutdown sends READONLY to every
// client, still serves the calls written before the client read it (as
// Java does), waits for calls in flight and a quiet period (bounded by its
// context) and closes; calls arriving once the context has ended are
// answered SERVER_ERROR so that clients fail over.
//
// # Heartbeats
//
// Both sides run the policy of package exchange/internal/heartbeat from one
// ticker per Client or Server (a third of the interval): a connection with
// nothing read or nothing written for an interval gets a heartbeat, never
// more than one per interval; a connection with nothing read for the timeout
// is given up (the client reconnects, the server closes it and frees its
// state). The server's turn comes three quarters of an interval after the
// client's, and a heartbeat the server receives counts as its own, so with a
// pinging client it does not ping: one exchange per interval per idle
// connection, none while calls flow. Defaults are Java's (60 s, 3 x).
//
// Pulse peers exchange health in heartbeats without a Java peer ever seeing
// anything but the standard bodies. The decision: the request body stays
// the standard null (0x4e), and a Pulse client marks its heartbeat in the
// request id instead, whose top 32 bits read "PULS" and next 16 are zero
// (PulseHeartbeatClient). dubbo-go and Java up to 3.2 number requests
// upwards from 0, so their ids never carry the mark; Java 3.3 starts at a
// random int64, which falls in the marked window of 2^16 ids with a chance
// of about 2^-48. Every peer echoes the id of a heartbeat it answers without
// otherwise looking at it. A Pulse server consults its HeartbeatHandler
// (default HealthHeartbeat: in-flight calls, connections, status) only for a
// marked heartbeat; every other heartbeat is answered with the null body
// whatever the handler says. A Pulse client reads health from the answer
// with its HeartbeatClient; a Java server's null answer simply carries none.
// No attachment, no extra event kind, no negotiation state. ConnInfo exposes
// the latest heartbeat round trip and health of each connection.
package exchange
