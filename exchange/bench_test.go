package exchange

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
)

// Call round trip over loopback, one connection, c callers each with one
// call in flight, a 100-byte body echoed by a trivial handler. The same
// client against an inline-handler server, and against the scripted raw-socket peer (internal/dubbotest: one read
// loop, answers written inline) shows what the Pulse server costs.
//
//	go test -run '^$' -bench Call -benchmem ./exchange/
func BenchmarkCall(b *testing.B) {
	for _, peer := range []string{"pulse", "pulse-inline", "rawpeer"} {
		for _, conc := range []int{1, 16, 64, 256} {
			b.Run(fmt.Sprintf("%s/c=%d", peer, conc), func(b *testing.B) {
				var addr string
				switch peer {
				case "pulse":
					addr = startServer(b, echo()).Addr().String()
				case "pulse-inline":
					addr = startServer(b, echo(), WithInlineHandler()).Addr().String()
				default:
					addr = dubbotest.NewProvider(b).Addr()
				}
				c := startClient(b, addr)
				benchCalls(b, c, conc)
			})
		}
	}
}

func benchCalls(b *testing.B, c *Client, conc int) {
	body := make([]byte, 100)
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	per, extra := b.N/conc, b.N%conc
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for g := 0; g < conc; g++ {
		n := per
		if g < extra {
			n++
		}
		lat[g] = make([]time.Duration, 0, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			req := &Request{TwoWay: true, Serialization: 2, Body: body}
			for i := 0; i < n; i++ {
				t0 := time.Now()
				if _, err := c.Call(ctx, req); err != nil {
					b.Error(err)
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/call")
	}
}

// cpuTime is the CPU time (user + system) of this process: client and
// server (or peer) together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
