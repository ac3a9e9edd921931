// Package loadgen is the closed-loop load generator of Pulse's benchmark
// harness, shared by every client program (Pulse, gRPC-go, raw TCP, and the
// dubbo-go client in its own module): N callers each make one call at a time
// for a measured window after a warm-up; latencies go into per-caller
// HDR-style histograms; CPU time of the client and the server process is read
// from /proc/<pid>/stat around the window, allocations through a stats
// endpoint the Go servers expose (ServeStats). The result is one JSON Report
// line on stdout, the format the harness reads from every client.
//
// It has no dependencies beyond the standard library so that the dubbo-go
// module, which pins old versions of hessian2 and getty, can use it too.
package loadgen
