package pulse_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/exchange"
)

// The first calls after Refer wait for the provider's first connection
// within the attempt's timeout: waiting and calling share one timeout, so
// a provider that answers late and then not at all fails the attempt at its
// timeout, not at the wait plus a whole timeout more.
func TestFirstCallWaitsWithinItsTimeout(t *testing.T) {
	const (
		timeout = 3 * time.Second
		late    = 2 * time.Second // the provider's first answer, within the timeout
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	served := make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close(); <-served })
	go func() {
		defer close(served)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		go func() { <-stop; nc.Close() }()
		// The consumer's first frame is its heartbeat: answer it late, then
		// read and never answer the call.
		var h exchange.Header
		if _, err := io.ReadFull(nc, h[:]); err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, nc, int64(binary.BigEndian.Uint32(h[12:16]))); err != nil {
			return
		}
		select {
		case <-time.After(late):
		case <-stop:
			return
		}
		ans := exchange.NewHeader(exchange.FlagEvent|h.SerializationID(), exchange.StatusOK, h.ID(), 1)
		if _, err := nc.Write(append(ans[:], 'N')); err != nil {
			return
		}
		io.Copy(io.Discard, nc)
	}()

	cli := newClient(t)
	var stub sleeper
	if err := cli.Refer("org.example.Slow", &stub, pulse.URL("dubbo://"+ln.Addr().String()),
		pulse.Timeout(timeout), pulse.Retries(0)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = stub.Sleep(context.Background(), 1)
	took := time.Since(start)
	if err == nil {
		t.Fatal("a call nobody answers succeeded")
	}
	t.Logf("failed after %v: %v", took, err)
	// Generous: the bug took the wait plus a whole timeout (~5 s).
	if took > timeout+late/2 {
		t.Fatalf("the attempt took %v with a timeout of %v (%v)", took, timeout, err)
	}
}
