package tcpopt

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// Set applies o to the socket of c with one pass of setsockopt calls.
func Set(c *net.TCPConn, o Options) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("tcpopt: %w", err)
	}
	var serr error
	cerr := raw.Control(func(fd uintptr) {
		set := func(level, name, value int, what string) {
			if serr == nil {
				if err := unix.SetsockoptInt(int(fd), level, name, value); err != nil {
					serr = fmt.Errorf("tcpopt: set %s=%d: %w", what, value, err)
				}
			}
		}
		set(unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(o.NoDelay), "TCP_NODELAY")
		set(unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(o.KeepAlive), "SO_KEEPALIVE")
		if o.KeepAlive {
			set(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, seconds(o.KeepIdle), "TCP_KEEPIDLE")
			set(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, seconds(o.KeepInterval), "TCP_KEEPINTVL")
			if o.KeepCount > 0 {
				set(unix.IPPROTO_TCP, unix.TCP_KEEPCNT, o.KeepCount, "TCP_KEEPCNT")
			}
		}
		set(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, millis(o.UserTimeout), "TCP_USER_TIMEOUT")
	})
	if cerr != nil {
		return fmt.Errorf("tcpopt: %w", cerr)
	}
	return serr
}

// Get reads the options back from the socket of c.
func Get(c *net.TCPConn) (Options, error) {
	var o Options
	raw, err := c.SyscallConn()
	if err != nil {
		return o, fmt.Errorf("tcpopt: %w", err)
	}
	var gerr error
	cerr := raw.Control(func(fd uintptr) {
		get := func(level, name int, what string) int {
			if gerr != nil {
				return 0
			}
			v, err := unix.GetsockoptInt(int(fd), level, name)
			if err != nil {
				gerr = fmt.Errorf("tcpopt: get %s: %w", what, err)
			}
			return v
		}
		o.NoDelay = get(unix.IPPROTO_TCP, unix.TCP_NODELAY, "TCP_NODELAY") != 0
		o.KeepAlive = get(unix.SOL_SOCKET, unix.SO_KEEPALIVE, "SO_KEEPALIVE") != 0
		o.KeepIdle = time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, "TCP_KEEPIDLE")) * time.Second
		o.KeepInterval = time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, "TCP_KEEPINTVL")) * time.Second
		o.KeepCount = get(unix.IPPROTO_TCP, unix.TCP_KEEPCNT, "TCP_KEEPCNT")
		o.UserTimeout = time.Duration(get(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT")) * time.Millisecond
	})
	if cerr != nil {
		return o, fmt.Errorf("tcpopt: %w", cerr)
	}
	return o, gerr
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
