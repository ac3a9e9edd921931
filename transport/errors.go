package transport

import (
	"errors"
	"fmt"
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
