//go:build !linux

package tcpopt

import (
	"errors"
	"fmt"
	"net"
)

// Set applies what the platform supports through net.TCPConn; UserTimeout
// is ignored here.
func Set(c *net.TCPConn, o Options) error {
	if err := c.SetNoDelay(o.NoDelay); err != nil {
		return fmt.Errorf("tcpopt: set TCP_NODELAY: %w", err)
	}
	cfg := net.KeepAliveConfig{Enable: o.KeepAlive}
	if o.KeepAlive {
		cfg.Idle, cfg.Interval, cfg.Count = o.KeepIdle, o.KeepInterval, o.KeepCount
	}
	if err := c.SetKeepAliveConfig(cfg); err != nil {
		return fmt.Errorf("tcpopt: set keepalive: %w", err)
	}
	return nil
}

// Get is not supported outside Linux.
func Get(c *net.TCPConn) (Options, error) {
	return Options{}, fmt.Errorf("tcpopt: read back: %w", errors.ErrUnsupported)
}
