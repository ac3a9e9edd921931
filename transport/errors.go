package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrClosed is returned by Write on a closed connection.
var ErrClosed = errors.New("transport: connection closed")

// ErrFrameTooLarge matches (with errors.Is) every *FrameSizeError.
var ErrFrameTooLarge = errors.New("transport: frame too large")

// ErrBadFrameLen is reported when FrameLen returns a negative length.
var ErrBadFrameLen = errors.New("transport: FrameLen returned a negative length")

// FrameSizeError is a frame longer than the connection's hard limit.
type FrameSizeError struct {
	Len, Max int
}

func (e *FrameSizeError) Error() string {
	return fmt.Sprintf("transport: frame of %d bytes exceeds the limit of %d", e.Len, e.Max)
}

// Is makes errors.Is(err, ErrFrameTooLarge) true.
func (e *FrameSizeError) Is(target error) bool { return target == ErrFrameTooLarge }

// IOError is a read or write failure of the socket.
type IOError struct {
	Op  string // "read" or "write"
	Err error
}

func (e *IOError) Error() string { return "transport: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the socket error (a *net.OpError, io.ErrUnexpectedEOF...).
func (e *IOError) Unwrap() error { return e.Err }

// DialError is a failed Dial. errors.Is(err, context.DeadlineExceeded) holds
// for every timeout, whether the context's deadline or the dial timeout
// option ran out; errors.Is(err, context.Canceled) for a cancelled context.
type DialError struct {
	Addr string
	Err  error
}

func (e *DialError) Error() string { return "transport: dial " + e.Addr + ": " + e.Err.Error() }

// Unwrap returns the cause (usually a *net.OpError).
func (e *DialError) Unwrap() error { return e.Err }

// Timeout reports whether the dial ran out of time.
func (e *DialError) Timeout() bool {
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// Is makes every timeout match context.DeadlineExceeded.
func (e *DialError) Is(target error) bool {
	return target == context.DeadlineExceeded && e.Timeout()
}
