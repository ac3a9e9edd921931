package integration

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

// TestJavaGracefulShutdownUnderPulseLoad: the reverse of the graceful
// scenario. A Pulse client calls two Java providers in a loop; provider A
// gets SIGTERM and sends READONLY (seen by the frame proxy in front of it);
// the client moves to B without a failed call.
func TestJavaGracefulShutdownUnderPulseLoad(t *testing.T) {
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			a, addrA := startJavaProvider(t, line, "", time.Second)
			_, addrB := startJavaProvider(t, line, "", time.Second)
			pxA := startFrameProxy(t, addrA)
			cli := newPulseClient(t, time.Second)
			var greetings api.GreetingsService
			if err := cli.Refer(api.GreetingsServiceName, &greetings, pulse.URL("dubbo://"+pxA.addr(), "dubbo://"+addrB),
				pulse.Timeout(5*time.Second)); err != nil {
				t.Fatal(err)
			}
			eventually(t, 60*time.Second, "ready connections to both providers", func() bool {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_, err := greetings.SayHi(ctx, "warm")
				return err == nil && connState(cli, pxA.addr()) == "ready" && connState(cli, addrB) == "ready"
			})

			var ok, failed atomic.Int64
			var mu sync.Mutex
			var errs []error
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						hi, err := greetings.SayHi(ctx, "load")
						cancel()
						if err == nil && hi == "hi, load" {
							ok.Add(1)
							continue
						}
						failed.Add(1)
						mu.Lock()
						if len(errs) < 5 {
							errs = append(errs, err)
						}
						mu.Unlock()
					}
				}()
			}
			var stopOnce sync.Once
			stopLoad := func() { stopOnce.Do(func() { close(stop); wg.Wait() }) }
			defer stopLoad()
			eventually(t, 60*time.Second, "200 calls, some through provider A", func() bool {
				return ok.Load() >= 200 && pxA.snapshot()[toServer].Requests > 0
			})
			a.signal(syscall.SIGTERM)
			eventually(t, 30*time.Second, "provider A's READONLY", func() bool {
				return pxA.snapshot()[toClient].OtherEvents > 0
			})
			_ = a.wait(60 * time.Second) // Dubbo's shutdown hook: up to its 10 s wait, then exit
			atB := ok.Load()
			eventually(t, 30*time.Second, "100 more calls after provider A exited", func() bool {
				return ok.Load() >= atB+100
			})
			stopLoad()
			s := pxA.snapshot()
			t.Logf("ok=%d failed=%d; provider A: %d calls, %d READONLY-type events; connections: %+v",
				ok.Load(), failed.Load(), s[toServer].Requests, s[toClient].OtherEvents, cli.Connections())
			if n := failed.Load(); n > 0 {
				mu.Lock()
				t.Errorf("%d calls failed, first: %v", n, errs)
				mu.Unlock()
			}
		})
	}
}
