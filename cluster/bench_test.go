package cluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

var okResult = &dubbo.Result{Value: "ok"}

// instant answers at once, so a benchmark measures the cluster alone.
func instant(context.Context, *dubbo.Invocation) (*dubbo.Result, error) { return okResult, nil }

func benchDirectory(b *testing.B, n int) *Directory {
	d := NewDirectory("org.example.Greeter", func(u *registry.URL) (Invoker, error) {
		return &fakeInvoker{url: u, answer: instant}, nil
	})
	urls := make([]*registry.URL, n)
	for i := range urls {
		urls[i] = benchURL(i, 100)
	}
	if err := d.Set(urls); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

func benchURL(i, weight int) *registry.URL {
	return &registry.URL{Protocol: "dubbo", Host: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Port: 20880,
		Path: "org.example.Greeter", Params: map[string]string{"weight": fmt.Sprint(weight), "side": "provider"}}
}

// BenchmarkInvoke is a whole routed call through failover over 1,000
// providers whose invokers answer at once.
//
//	go test -run '^$' -bench Invoke -benchmem ./cluster/
func BenchmarkInvoke(b *testing.B) {
	d := benchDirectory(b, 1000)
	for _, name := range []string{loadbalance.Random, loadbalance.RoundRobin, loadbalance.LeastActive,
		loadbalance.ConsistentHash, loadbalance.ShortestResponse} {
		bal, _ := loadbalance.New(name)
		s, _ := New(d, WithBalancer(bal))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Invoke(b.Context(), greet); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Close()
	}
}

// BenchmarkWatchStorm applies 1,000 provider changes (weight updates,
// removals, additions) to a directory of 1,000 while 4 goroutines call
// through failover, and reports the calls' latency percentiles during the
// storm; "quiet" is the same calls without changes, for comparison.
//
//	go test -run '^$' -bench WatchStorm -benchtime 5x ./cluster/
func BenchmarkWatchStorm(b *testing.B) {
	for _, name := range []string{loadbalance.Random, loadbalance.RoundRobin, loadbalance.ConsistentHash} {
		for _, storm := range []bool{false, true} {
			mode := "quiet"
			if storm {
				mode = "storm"
			}
			b.Run(name+"/"+mode, func(b *testing.B) { benchStorm(b, name, storm) })
		}
	}
}

func benchStorm(b *testing.B, balancer string, storm bool) {
	d := benchDirectory(b, 1000)
	bal, _ := loadbalance.New(balancer)
	s, _ := New(d, WithBalancer(bal))
	defer s.Close()
	s.Invoke(b.Context(), greet) // first Picker
	var all []time.Duration
	var stormTime time.Duration
	var failed atomic.Int64
	for b.Loop() {
		var stop atomic.Bool
		var wg sync.WaitGroup
		lat := make([][]time.Duration, 4)
		for g := range lat {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inv := &dubbo.Invocation{Path: greet.Path, Method: greet.Method}
				for k := 0; !stop.Load() || k < 200; k++ {
					inv.Arguments = []any{k}
					start := time.Now()
					if _, err := s.Invoke(context.Background(), inv); err != nil {
						failed.Add(1)
					}
					lat[g] = append(lat[g], time.Since(start))
				}
			}()
		}
		start := time.Now()
		if storm {
			for i := range 1000 {
				switch i % 4 {
				case 0, 1: // a weight change
					d.Add(benchURL(i, 50+i%3*50))
				case 2: // a provider leaves
					d.Remove(benchURL(i, 100))
				case 3: // and one arrives
					d.Add(benchURL(1000+i, 100))
				}
			}
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		stormTime += time.Since(start)
		stop.Store(true)
		wg.Wait()
		for _, l := range lat {
			all = append(all, l...)
		}
		if storm { // back to the initial 1,000
			urls := make([]*registry.URL, 1000)
			for i := range urls {
				urls[i] = benchURL(i, 100)
			}
			d.Set(urls)
		}
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
	b.ReportMetric(float64(all[len(all)-1].Nanoseconds()), "max-ns")
	b.ReportMetric(float64(len(all))/float64(b.N), "calls/op")
	b.ReportMetric(float64(stormTime.Nanoseconds())/float64(b.N), "storm-ns/op")
	if failed.Load() != 0 {
		b.Fatalf("%d calls failed", failed.Load())
	}
}

// BenchmarkDirectoryUpdate is one registry event (a weight change) applied
// to a directory of 1,000 providers, with no calls running.
func BenchmarkDirectoryUpdate(b *testing.B) {
	d := benchDirectory(b, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Add(benchURL(i%1000, 50+i%2*50))
		i++
	}
}
