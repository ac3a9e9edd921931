package transport

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

type quietHandler struct{}

func (quietHandler) OnOpen(Conn)          {}
func (quietHandler) OnFrame(Conn, []byte) {}
func (quietHandler) OnError(Conn, error)  {}
func (quietHandler) OnClose(Conn)         {}

// A flusher writes its own frames and the queue in one gathered write. If
// that write fails after the caller's own frames were wholly handed to the
// kernel (the queue behind them did not fit before the write deadline),
// the caller's Write must not fail: its frames may reach the peer, and the
// layer above takes a failed Write for a request that never left (and may
// send it again elsewhere). The failure still closes the connection.
func TestWriteFailsOnlyWhenOwnFramesDidNotLeave(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- nc // and never read until the write has failed
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := Dial(ctx, ln.Addr().String(), func([]byte) (int, error) { return 0, nil }, quietHandler{},
		WithWriteTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	peer, ok := <-accepted
	if !ok {
		t.Fatal("no connection accepted")
	}
	defer peer.Close()
	c := cc.(*conn)

	own := bytes.Repeat([]byte{'A'}, 1024)
	// Another caller's frames, queued while the flusher yielded: far more
	// than the socket buffers of a peer that does not read can take.
	c.wmu.Lock()
	c.wbuf = append(c.wbuf, make([]byte, 64<<20)...)
	c.wmu.Unlock()
	werr := c.Write(own)

	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the failed write did not close the connection")
	}
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(own))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Skipf("the peer got nothing back to check (%v)", err)
	}
	if bytes.Equal(got, own) && werr != nil {
		t.Fatalf("Write returned %v, but its frames left whole and reached the peer", werr)
	}
}
