package embedded

import "go.uber.org/goleak"

// IgnoreEtcd returns goleak options for the goroutines a stopped cluster
// leaves behind: net/http connections between members (etcd's peer HTTP
// transports keep idle connections whose server side stays open after
// Close). Nothing else is ignored; Pulse itself does not use net/http.
func IgnoreEtcd() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*connReader).backgroundRead"),
		goleak.IgnoreAnyFunction("net/http.(*connReader).abortPendingRead"),
	}
}
