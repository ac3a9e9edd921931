package exchange

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/internal/dubbotest"
)

// FuzzServerInput writes each input on a fresh connection to a live Server
// and reads what comes back for a moment. A panic anywhere in the server's
// handling fails the target; so does a server that stops serving.
func FuzzServerInput(f *testing.F) {
	hb := NewHeader(FlagRequest|FlagTwoWay|FlagEvent|hessian2, 0, 1, 1)
	f.Add(append(hb[:], 'N'))
	call := NewHeader(FlagRequest|FlagTwoWay|hessian2, 0, 2, 3)
	f.Add(append(call[:], 1, 2, 3))
	ro := NewHeader(FlagRequest|FlagEvent|hessian2, 0, 3, 2)
	f.Add(append(ro[:], 0x01, 'R'))
	resp := NewHeader(FlagEvent|hessian2, StatusOK, 4, 1)
	f.Add(append(resp[:], 'N'))
	f.Add([]byte{0xda, 0xbb, 0xc2})
	f.Add([]byte("hello\r\n"))
	s, err := Listen("127.0.0.1:0", echo(), WithPayloadLimit(1<<16), quiet)
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		nc, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write(in)
		nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		buf := make([]byte, 4096)
		for {
			if _, err := nc.Read(buf); err != nil {
				break
			}
		}
	})
}

// FuzzClientInput has a raw provider answer the Client's first call with
// the fuzz input. The Client must neither panic nor hang: the call ends
// with a response, an error or its timeout.
func FuzzClientInput(f *testing.F) {
	ok := NewHeader(hessian2, StatusOK, 1, 2)
	f.Add(append(ok[:], 'h', 'i'))
	bad := NewHeader(hessian2, StatusServiceError, 1, 3)
	f.Add(append(bad[:], 0x02, 'n', 'o'))
	ro := NewHeader(FlagRequest|FlagEvent|hessian2, 0, 9, 2)
	f.Add(append(ro[:], 0x01, 'R'))
	hl := NewHeader(FlagEvent|hessian2, StatusOK, 1, 0)
	f.Add(append(hl[:], EncodeHealth(Health{Status: "SERVING"})...))
	f.Add([]byte{0xda, 0xbb})
	p := dubbotest.NewProvider(f, dubbotest.IgnoreCalls())
	c, err := NewClient(p.Addr(), WithPayloadLimit(1<<16), quiet,
		WithBackoff(Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}))
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	// Ready: the provider answered, so it holds the connection and the first
	// KillConns below cannot miss it (a connection it had not registered yet
	// would outlive the kill, and no fresh one would come).
	ready, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ready); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// A fresh, ready connection for every input.
		old := c.slots[0].cur.Load()
		p.KillConns()
		waitFor(t, 5*time.Second, "a fresh ready connection", func() bool {
			cur := c.slots[0].cur.Load()
			return cur != nil && cur != old && State(cur.state.Load()) == StateReady
		})
		calls := p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() })
		// The call's deadline is long enough to be written on a loaded
		// machine (a 20 ms one could expire before the write, and the call
		// was then never written); it is cut 20 ms after the input arrives.
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Call(cctx, &Request{Serialization: hessian2, Body: []byte("x")})
		}()
		waitFor(t, 5*time.Second, "call written", func() bool {
			return p.Count(func(f dubbotest.Frame) bool { return !f.IsEvent() }) > calls
		})
		p.Broadcast(in)
		select {
		case <-done:
		case <-time.After(20 * time.Millisecond):
			ccancel()
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("call hung")
		}
	})
}

// quiet discards the logs of the fuzz targets.
var quiet = WithLogger(slog.New(slog.DiscardHandler))
