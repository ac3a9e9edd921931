package main

// startRegistry starts the embedded etcd the providers and the consumer
// share; "" means direct URLs (no registry).
func startRegistry() (string, func(), error) {
	return "", func() {}, nil
}
