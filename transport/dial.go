package transport

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/pulse-rpc/pulse/transport/internal/tcpopt"
)

// ErrSelfConnect is returned when a dial to a local port with no listener
// connected the socket to itself (TCP simultaneous open).
var ErrSelfConnect = errors.New("transport: connection to itself")

// Dial opens exactly one connection to addr, bounded by ctx and the dial
// timeout option, and never redials: reconnecting is the caller's policy.
// OnOpen has run when it returns.
func Dial(ctx context.Context, addr string, frameLen FrameLen, h Handler, opts ...Option) (Conn, error) {
	if frameLen == nil || h == nil {
		return nil, errors.New("transport: Dial needs a FrameLen and a Handler")
	}
	o := newOptions(opts)
	if o.dialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.dialTimeout)
		defer cancel()
	}
	d := net.Dialer{KeepAlive: -1} // set by tcpopt below
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Err: err}
	}
	tc := nc.(*net.TCPConn)
	if la, ra := tc.LocalAddr().(*net.TCPAddr), tc.RemoteAddr().(*net.TCPAddr); la.Port == ra.Port && la.IP.Equal(ra.IP) {
		tc.Close()
		return nil, &DialError{Addr: addr, Err: ErrSelfConnect}
	}
	if err := setSocketOptions(tc, &o); err != nil {
		return nil, err
	}
	c := newConn(tc, &o, frameLen, h, nil)
	if err := startSession(c, false); err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}

func setSocketOptions(nc *net.TCPConn, o *options) error {
	if err := tcpopt.Set(nc, o.sock); err != nil {
		nc.Close()
		return fmt.Errorf("transport: %w", err)
	}
	return nil
}
