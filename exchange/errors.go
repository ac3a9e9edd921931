package exchange

import (
	"errors"
)

// Sentinel errors of the exchange, matched with errors.Is.
var (
	// ErrTimeout matches every call that ran out of time: CLIENT_TIMEOUT
	// (never written) and SERVER_TIMEOUT (written, no answer in time).
	ErrTimeout = errors.New("exchange: call timed out")
	// ErrConnectionLost matches calls failed because their connection closed
	// (Java's CHANNEL_INACTIVE) or could not be written.
	ErrConnectionLost = errors.New("exchange: connection lost")
	// ErrClosed is returned by a Client or Server that was closed.
	ErrClosed = errors.New("exchange: closed")
	// ErrNotReady is returned when no connection of a Client is ready: all are
	// connecting (no answer from the peer yet) or readonly. A caller with
	// another provider should go there.
	ErrNotReady = errors.New("exchange: no ready connection")
	// ErrNotSent matches CHANNEL_INACTIVE errors of calls that were not
	// wholly written (the connection closed first, or the write failed): no
	// provider can have run them, so any call may go to another provider.
	ErrNotSent = errors.New("exchange: request not sent")
)

// StatusError is a call that ended with a status other than OK: a response
// from the peer, or one the client made up (timeouts, lost connections, as
// Java's DefaultFuture does).
type StatusError struct {
	Status  Status
	Message string // the peer's message, or why the client gave up
	cause   error
	notSent bool // the request never left whole: matches ErrNotSent
}

func (e *StatusError) Error() string {
	msg := "exchange: " + e.Status.String()
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.cause != nil { // "write failed" says little without the socket's error
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the cause (a context error, a transport error) if any.
func (e *StatusError) Unwrap() error { return e.cause }

// Is makes CLIENT_TIMEOUT and SERVER_TIMEOUT match ErrTimeout,
// CHANNEL_INACTIVE match ErrConnectionLost, and a call that was not written
// match ErrNotSent.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrTimeout:
		return e.Status == StatusClientTimeout || e.Status == StatusServerTimeout
	case ErrConnectionLost:
		return e.Status == StatusChannelInactive
	case ErrNotSent:
		return e.notSent
	}
	return false
}

// StatusOf returns the status an error carries: the StatusError's status, or
// StatusClientError for any other error, StatusOK for nil.
func StatusOf(err error) Status {
	if err == nil {
		return StatusOK
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return StatusClientError
}
