// Package bench is Pulse's benchmark harness: it puts a Pulse provider and
// consumer beside dubbo-go v1.5.9, Java Dubbo 3, gRPC-go and a raw TCP echo
// (the ceiling) in one run on loopback and writes a markdown table and a PNG
// chart. The driver is cmd/bench; the smoke test in this package runs it at a
// tiny size so that the harness cannot rot. See README.md.
package bench
