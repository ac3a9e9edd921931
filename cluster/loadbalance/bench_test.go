package loadbalance

import (
	"fmt"
	"testing"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// benchNodes is a directory's worth of providers with mixed weights.
func benchNodes(n int) []*Node {
	ns := make([]*Node, n)
	for i := range ns {
		ns[i] = NewNode(fmt.Sprintf("10.%d.%d.%d:20880", i>>16&255, i>>8&255, i&255), &fakeState{})
		ns[i].Weight = 50 + i%4*50
	}
	return ns
}

// BenchmarkPick is the cost of one routing decision among 1,000 providers.
//
//	go test -run '^$' -bench Pick -benchmem ./cluster/loadbalance/
func BenchmarkPick(b *testing.B) {
	for _, n := range []int{10, 1000} {
		ns := benchNodes(n)
		for _, name := range []string{Random, RoundRobin, LeastActive, ConsistentHash, ShortestResponse} {
			bal, _ := New(name)
			p := bal.Picker(ns)
			inv := &dubbo.Invocation{Method: "sayHi", Arguments: []any{"A001"}}
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if p.Pick(inv, nil) < 0 {
						b.Fatal("no pick")
					}
				}
			})
		}
	}
}

// BenchmarkPickRetry is a retry's decision: one provider already tried.
func BenchmarkPickRetry(b *testing.B) {
	ns := benchNodes(1000)
	for _, name := range []string{Random, RoundRobin} {
		bal, _ := New(name)
		p := bal.Picker(ns)
		inv := &dubbo.Invocation{Method: "sayHi"}
		tried := []*Node{ns[17]}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Pick(inv, tried)
			}
		})
	}
}

// BenchmarkPicker is the cost of a new snapshot's Picker (paid once per
// membership change by one caller).
func BenchmarkPicker(b *testing.B) {
	ns := benchNodes(1000)
	for _, name := range []string{Random, RoundRobin, ConsistentHash} {
		bal, _ := New(name)
		bal.Picker(ns).Pick(&dubbo.Invocation{Method: "sayHi"}, nil)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bal.Picker(ns)
			}
		})
	}
}
