// Package pulse is a Dubbo-compatible RPC framework for Go: export Go services
// to Java Dubbo consumers, call Java Dubbo providers, and find providers
// through etcd, over the Dubbo 2 TCP protocol with hessian2 bodies.
package pulse
