// Package codecbench compares Pulse's Dubbo body codec with dubbo-go
// v1.5.9's (github.com/apache/dubbo-go/protocol/dubbo/impl) on the same
// frames, in one process: encoding a sayHi request and its response into a
// whole frame (header + body), and decoding the bodies Java Dubbo wrote
// (protocol/dubbo/testdata/java).
//
// It is a separate, test-only module because dubbo-go pins older
// dependencies. Go's module resolution builds both codecs here against
// dubbo-go-hessian2 v1.12.5 (the version Pulse requires; dubbo-go v1.5.9 asks
// for v1.9.4), so the two sides differ only in their own code. Run:
//
//	./run.sh            # benchmarks and the Pulse/dubbo-go ratios
package codecbench
