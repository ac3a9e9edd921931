package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pulse-rpc/pulse/transport"
)

// fullBacklog returns the address of a listening socket that never accepts
// and whose accept queue is already full: a new SYN is dropped, so a dial
// hangs until its own deadline, like a black-holed host.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	// Fill the queue (backlog 0 admits one or two) with connections that stay.
	for range 4 {
		d := net.Dialer{Timeout: 200 * time.Millisecond}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	return addr
}

func TestDialIsBounded(t *testing.T) {
	addr := fullBacklog(t)
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		opts []transport.Option
		want error
	}{
		{"dial timeout option", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
			[]transport.Option{transport.WithDialTimeout(150 * time.Millisecond)}, context.DeadlineExceeded},
		{"context deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, nil, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			c, err := transport.Dial(ctx, addr, frameLen, nopHandler{}, tt.opts...)
			if err == nil {
				c.Close()
				t.Skip("the kernel accepted the connection; cannot black-hole a dial here")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("dial took %v", d)
			}
		})
	}
}
