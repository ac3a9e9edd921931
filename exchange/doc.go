// Package exchange owns the Dubbo frame: the 16-byte header (a pure codec in
// header.go), status codes, event bodies (heartbeat, READONLY), and the
// exchange of requests and responses over transport connections: request
// ids, pending calls and their timeouts, the heartbeat task on both sides and
// reconnects. Bodies are opaque bytes plus a serialization id: this package
// never decodes what a call carries.
package exchange
