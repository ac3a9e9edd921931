package transport_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// Echo of a 100-byte frame over one connection, c callers each with one
// call in flight; the same framing over plain net.Conn as the baseline.
//
//	go test -run '^$' -bench Echo -benchmem ./transport/

const benchFrame = 100

var concurrencies = []int{1, 16, 64}

// waiters routes an echoed frame to the caller whose id it carries.
type waiters []chan struct{}

func newWaiters(n int) waiters {
	w := make(waiters, n)
	for i := range w {
		w[i] = make(chan struct{}, 1)
	}
	return w
}

func (w waiters) deliver(f []byte) { w[binary.BigEndian.Uint32(f[hdr:])] <- struct{}{} }

func benchFrames(n int) [][]byte {
	fs := make([][]byte, n)
	for i := range fs {
		f := make([]byte, benchFrame)
		binary.BigEndian.PutUint32(f, benchFrame)
		binary.BigEndian.PutUint32(f[hdr:], uint32(i))
		fs[i] = f
	}
	return fs
}

// runCallers splits b.N round trips among conc goroutines.
func runCallers(b *testing.B, conc int, call func(id int) error) {
	var wg sync.WaitGroup
	per := b.N / conc
	extra := b.N % conc
	cpu0 := cpuTime()
	b.ResetTimer()
	for id := range conc {
		n := per
		if id < extra {
			n++
		}
		wg.Go(func() {
			for range n {
				if err := call(id); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	// CPU time of the whole process (both ends) per round trip: steadier
	// than wall time on a loaded machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type clientHandler struct {
	nopHandler
	w waiters
}

func (h clientHandler) OnFrame(_ transport.Conn, f []byte) { h.w.deliver(f) }

func BenchmarkEchoTransport(b *testing.B) {
	variants := []struct {
		name string
		opts []transport.Option
	}{
		{"", nil},
		{"nocork/", []transport.Option{transport.WithoutCork}},
		{"noyield/", []transport.Option{transport.WithoutYield}},
		{"direct/", []transport.Option{transport.WithDirectWrites}},
		{"nogetty/", []transport.Option{transport.WithoutGetty}},
		{"nogetty-direct/", []transport.Option{transport.WithoutGetty, transport.WithDirectWrites}},
	}
	for _, v := range variants {
		for _, conc := range concurrencies {
			b.Run(fmt.Sprintf("%sc=%d", v.name, conc), func(b *testing.B) {
				benchEchoTransport(b, conc, v.opts)
			})
		}
	}
}

func benchEchoTransport(b *testing.B, conc int, opts []transport.Option) {
	{
		{
			l := listen(b, echo{}, opts...)
			w := newWaiters(conc)
			c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, clientHandler{w: w}, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			fs := benchFrames(conc)
			b.ReportAllocs()
			b.SetBytes(benchFrame)
			runCallers(b, conc, func(id int) error {
				if err := c.Write(fs[id]); err != nil {
					return err
				}
				<-w[id]
				return nil
			})
			if st, ok := transport.StatsOf(c); ok && st.Flushes > 0 {
				b.ReportMetric(float64(st.Writes)/float64(st.Flushes), "writes/syscall")
			}
		}
	}
}

// rawConn is the baseline: the same framing and write lock over net.Conn,
// a read goroutine per connection calling the handler inline.
type rawConn struct {
	nc net.Conn
	mu sync.Mutex
}

func (r *rawConn) write(b []byte) error {
	r.mu.Lock()
	_, err := r.nc.Write(b)
	r.mu.Unlock()
	return err
}

func (r *rawConn) readLoop(onFrame func([]byte)) error {
	buf := make([]byte, 64<<10)
	start, end := 0, 0
	for {
		if end == len(buf) {
			copy(buf, buf[start:end])
			end -= start
			start = 0
		}
		n, err := r.nc.Read(buf[end:])
		if err != nil {
			return err
		}
		end += n
		for {
			fl, err := frameLen(buf[start:end])
			if err != nil {
				return err
			}
			if fl == 0 || fl > end-start {
				break
			}
			onFrame(buf[start : start+fl])
			start += fl
		}
		if start == end {
			start, end = 0, 0
		}
	}
}

func BenchmarkEchoRawNet(b *testing.B) {
	for _, conc := range concurrencies {
		b.Run(fmt.Sprintf("c=%d", conc), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				defer nc.Close()
				rc := &rawConn{nc: nc}
				_ = rc.readLoop(func(f []byte) { _ = rc.write(f) })
			})
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			cli := &rawConn{nc: nc}
			w := newWaiters(conc)
			wg.Go(func() {
				if err := cli.readLoop(w.deliver); err != nil && !errors.Is(err, net.ErrClosed) && err != io.EOF {
					b.Error(err)
				}
			})
			fs := benchFrames(conc)
			b.ReportAllocs()
			b.SetBytes(benchFrame)
			runCallers(b, conc, func(id int) error {
				if err := cli.write(fs[id]); err != nil {
					return err
				}
				<-w[id]
				return nil
			})
			nc.Close()
			ln.Close()
			wg.Wait()
		})
	}
}
