package exchange

// WithMaxWorkers bounds how many calls the Server runs at once (default
// DefaultMaxWorkers; n <= 0 keeps it). A call arriving while n are running
// is not run: it is answered StatusServerThreadpoolExhausted, as Java
// answers a call its thread pool has no thread for, and the client may
// send it to another provider. It has no effect with WithInlineHandler.
func WithMaxWorkers(n int) ServerOption {
	return serverOption(func(o *serverOptions) { o.maxWorkers = n })
}
