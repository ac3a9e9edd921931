// Package tcpopt sets and reads back the TCP socket options Pulse relies on:
// TCP_NODELAY, SO_KEEPALIVE with its idle time, probe interval and probe
// count, and TCP_USER_TIMEOUT. Linux sets them with setsockopt directly;
// other systems go through net.TCPConn where they can and report
// errors.ErrUnsupported for what they cannot read back.
package tcpopt

import (
	"fmt"
	"time"
)

// Options is the set of socket options applied to every connection.
type Options struct {
	// NoDelay disables Nagle's algorithm.
	NoDelay bool
	// KeepAlive turns on kernel keepalive probes; KeepIdle, KeepInterval and
	// KeepCount are used only when it is true.
	KeepAlive bool
	// KeepIdle is how long a connection stays idle before the first probe
	// (TCP_KEEPIDLE, whole seconds, at least one).
	KeepIdle time.Duration
	// KeepInterval is the time between probes (TCP_KEEPINTVL, whole seconds).
	KeepInterval time.Duration
	// KeepCount is how many unanswered probes close the connection (TCP_KEEPCNT).
	KeepCount int
	// UserTimeout bounds how long sent data may stay unacknowledged before
	// the kernel drops the connection (TCP_USER_TIMEOUT, milliseconds);
	// zero leaves the kernel default.
	UserTimeout time.Duration
}

// String renders the options for logs and test failures.
func (o Options) String() string {
	return fmt.Sprintf("nodelay=%t keepalive=%t idle=%s interval=%s count=%d user_timeout=%s",
		o.NoDelay, o.KeepAlive, o.KeepIdle, o.KeepInterval, o.KeepCount, o.UserTimeout)
}

// seconds rounds d up to whole seconds, at least one: the unit of the
// keepalive options.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// millis rounds d up to whole milliseconds; zero stays zero.
func millis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
