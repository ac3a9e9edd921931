package transport_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// counting is a Handler that only counts opens and closes.
type counting struct {
	nopHandler
	opens, closes atomic.Int64
}

func (h *counting) OnOpen(transport.Conn)  { h.opens.Add(1) }
func (h *counting) OnClose(transport.Conn) { h.closes.Add(1) }

// settle waits until goroutines and descriptors are back near the baseline.
func settle(t *testing.T, what string, g0, fd0 int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // generous: a loaded 2-core machine under -race
	for {
		g, fd := runtime.NumGoroutine(), openFDs(t)
		if g <= g0+2 && fd <= fd0+2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: goroutines %d (baseline %d), fds %d (baseline %d)", what, g, g0, fd, fd0)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestChurnConnectClose(t *testing.T) {
	if testing.Short() {
		t.Skip("churn")
	}
	srv := &counting{}
	l := listen(t, srv)
	addr := l.Addr().String()
	cli := &counting{}
	g0, fd0 := runtime.NumGoroutine(), openFDs(t)
	heap0 := heapInUse()

	const cycles = 10000
	ctx := context.Background()
	start := time.Now()
	for i := range cycles {
		c, err := transport.Dial(ctx, addr, frameLen, cli)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if i%2 == 0 {
			// Half of them exchange a frame before closing.
			_ = c.Write(frame("x"))
		}
		c.Close()
	}
	eventuallyWithin(t, 60*time.Second, "every OnClose", func() bool {
		return srv.closes.Load() == cycles && cli.closes.Load() == cycles
	})
	if srv.opens.Load() != cycles || cli.opens.Load() != cycles {
		t.Fatalf("opens: server %d client %d", srv.opens.Load(), cli.opens.Load())
	}
	settle(t, "after 10,000 cycles", g0, fd0)
	// getty's shared timer wheel keeps each closed session (a few hundred
	// bytes, without its buffers or the conn) until its next cron tick.
	t.Logf("%d connect/close cycles in %v; heap in use %+d KiB", cycles, time.Since(start), (heapInUse()-heap0)>>10)
}

func TestChurnConcurrentConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("churn")
	}
	srv := &counting{}
	l := listen(t, srv)
	addr := l.Addr().String()
	g0, fd0 := runtime.NumGoroutine(), openFDs(t)
	const n, rounds, workers = 1000, 3, 16
	for round := range rounds {
		cli := &counting{}
		opensBefore := srv.opens.Load()
		mem0 := memInUse()
		conns := make([]transport.Conn, n)
		var wg sync.WaitGroup
		var next atomic.Int64
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					c, err := transport.Dial(context.Background(), addr, frameLen, cli)
					if err != nil {
						errs <- err
						return
					}
					conns[i] = c
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		eventuallyWithin(t, 60*time.Second, "all accepted", func() bool { return srv.opens.Load()-srv.closes.Load() == n })
		perEnd := (memInUse() - mem0) / (2 * n)
		// Close concurrently from the client side.
		for w := range workers {
			wg.Go(func() {
				for i := w; i < n; i += workers {
					conns[i].Close()
				}
			})
		}
		wg.Wait()
		eventuallyWithin(t, 60*time.Second, "all closed", func() bool {
			return cli.closes.Load() == n && srv.closes.Load() == srv.opens.Load()
		})
		settle(t, "after a round of 1,000 connections", g0, fd0)
		t.Logf("round %d: %d connections opened and closed (server opens %d); heap+stacks per idle connection end %d B",
			round, n, srv.opens.Load()-opensBefore, perEnd)
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// memInUse is heap plus goroutine stacks in use, after a collection.
func memInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}
