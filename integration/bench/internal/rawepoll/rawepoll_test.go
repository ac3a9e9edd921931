//go:build linux

package rawepoll

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

func TestAnswers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))

	id := []byte{0, 0, 0, 0, 0, 0, 0, 7}
	heartbeat := append(append([]byte{0xda, 0xbb, 0xe2, 0x00}, id...), 0, 0, 0, 1, 'N')
	answerOfOther := append(append([]byte{0xda, 0xbb, 0x22, 0x14}, id...), 0, 0, 0, 1, 'N') // a response: not answered
	// The heartbeat in two pieces, after a frame that gets no answer.
	if _, err := c.Write(append(answerOfOther, heartbeat[:5]...)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // let the first piece be read alone; correctness does not depend on it
	if _, err := c.Write(heartbeat[5:]); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 17)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{0xda, 0xbb, 0x22, 0x14}, id...), 0, 0, 0, 1, 'N')
	if !bytes.Equal(got, want) {
		t.Fatalf("answer % x, want % x", got, want)
	}
	// Bad magic: the connection is closed.
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(got); err != io.EOF {
		t.Fatalf("after bad magic: read %d, %v; want EOF", n, err)
	}
}
