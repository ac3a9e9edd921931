package tcpopt_test

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport/internal/tcpopt"
)

func pair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

func TestSetGet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("read back is Linux only")
	}
	tests := []struct {
		name string
		set  tcpopt.Options
		want tcpopt.Options
	}{
		{"all on",
			tcpopt.Options{NoDelay: true, KeepAlive: true, KeepIdle: 5 * time.Second, KeepInterval: 2 * time.Second, KeepCount: 3, UserTimeout: 1500 * time.Millisecond},
			tcpopt.Options{NoDelay: true, KeepAlive: true, KeepIdle: 5 * time.Second, KeepInterval: 2 * time.Second, KeepCount: 3, UserTimeout: 1500 * time.Millisecond}},
		{"rounded up to whole seconds and milliseconds",
			tcpopt.Options{KeepAlive: true, KeepIdle: 1500 * time.Millisecond, KeepInterval: time.Millisecond, KeepCount: 1, UserTimeout: 1500 * time.Microsecond},
			tcpopt.Options{KeepAlive: true, KeepIdle: 2 * time.Second, KeepInterval: time.Second, KeepCount: 1, UserTimeout: 2 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := pair(t)
			if err := tcpopt.Set(c, tt.set); err != nil {
				t.Fatal(err)
			}
			got, err := tcpopt.Get(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestOff(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("read back is Linux only")
	}
	c, _ := pair(t)
	if err := tcpopt.Set(c, tcpopt.Options{NoDelay: true, KeepAlive: true, KeepIdle: time.Second, KeepInterval: time.Second, KeepCount: 2, UserTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := tcpopt.Set(c, tcpopt.Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := tcpopt.Get(c)
	if err != nil {
		t.Fatal(err)
	}
	if got.NoDelay || got.KeepAlive || got.UserTimeout != 0 {
		t.Fatalf("after switching off: %v", got)
	}
}

func TestClosedConn(t *testing.T) {
	c, _ := pair(t)
	c.Close()
	if err := tcpopt.Set(c, tcpopt.Options{NoDelay: true}); err == nil {
		t.Fatal("Set on a closed conn succeeded")
	}
}
