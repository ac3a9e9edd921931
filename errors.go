package pulse

import (
	"errors"
	"fmt"
)

// Code says what kind of failure an *Error is.
type Code int

// Failure kinds. Each one has a sentinel below that errors.Is matches.
const (
	CodeUnknown         Code = iota // anything else (a BAD_REQUEST, a decoding failure)
	CodeTimeout                     // the call's deadline passed (CLIENT_TIMEOUT or SERVER_TIMEOUT)
	CodeConnectionLost              // the connection died with the call in flight, or could not be made
	CodeUnknownService              // the provider does not export the service (SERVICE_NOT_FOUND)
	CodeUnknownMethod               // the service has no such method with those parameter types
	CodePayloadTooLarge             // a request or response over the payload limit
	CodeException                   // the provider's method threw (or returned an error)
	CodeNoProvider                  // no provider is available for the service
	CodeCanceled                    // the caller's context was canceled
)

var codeNames = [...]string{
	CodeUnknown:         "unknown",
	CodeTimeout:         "timeout",
	CodeConnectionLost:  "connection lost",
	CodeUnknownService:  "unknown service",
	CodeUnknownMethod:   "unknown method",
	CodePayloadTooLarge: "payload too large",
	CodeException:       "exception",
	CodeNoProvider:      "no provider",
	CodeCanceled:        "canceled",
}

func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code %d", int(c))
}

// Sentinels, one per Code, for errors.Is. Every error a call returns is an
// *Error whose Is method matches the sentinel of its Code.
var (
	ErrTimeout         = errors.New("pulse: timeout")
	ErrConnectionLost  = errors.New("pulse: connection lost")
	ErrUnknownService  = errors.New("pulse: unknown service")
	ErrUnknownMethod   = errors.New("pulse: unknown method")
	ErrPayloadTooLarge = errors.New("pulse: payload too large")
	ErrException       = errors.New("pulse: provider exception")
	ErrNoProvider      = errors.New("pulse: no provider available")
	ErrCanceled        = errors.New("pulse: canceled")
)

func (c Code) sentinel() error {
	switch c {
	case CodeTimeout:
		return ErrTimeout
	case CodeConnectionLost:
		return ErrConnectionLost
	case CodeUnknownService:
		return ErrUnknownService
	case CodeUnknownMethod:
		return ErrUnknownMethod
	case CodePayloadTooLarge:
		return ErrPayloadTooLarge
	case CodeException:
		return ErrException
	case CodeNoProvider:
		return ErrNoProvider
	case CodeCanceled:
		return ErrCanceled
	}
	return nil
}

// Error is the one error type calls return, and the way a provider's method
// chooses the Java exception a Java consumer receives.
//
// On the consumer side, a provider exception has Code CodeException,
// JavaClass set to the exception's Java class ("java.lang.IllegalArgumentException")
// and Message to its message; the other codes describe failures of the call
// itself. On the provider side, return Exception(class, message) (or any
// error wrapping an *Error with JavaClass set) to send that class; any other
// error is sent as a java.lang.RuntimeException carrying err.Error().
type Error struct {
	Code      Code
	JavaClass string // Java exception class name, for CodeException
	Message   string
	Service   string // Java interface name, when known
	Method    string // method name, when known
	cause     error
}

// Exception returns an error that a provider method returns to make its Java
// consumers receive an exception of javaClass with message.
func Exception(javaClass, message string) *Error {
	return &Error{Code: CodeException, JavaClass: javaClass, Message: message}
}

func (e *Error) Error() string {
	prefix := "pulse: "
	if e.Service != "" {
		prefix += e.Service
		if e.Method != "" {
			prefix += "." + e.Method
		}
		prefix += ": "
	}
	switch {
	case e.Code == CodeException && e.JavaClass != "":
		return prefix + e.JavaClass + ": " + e.Message
	case e.Message != "":
		return prefix + e.Code.String() + ": " + e.Message
	}
	return prefix + e.Code.String()
}

// Unwrap returns the lower layer's error this one was made from, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the sentinel of e's Code.
func (e *Error) Is(target error) bool {
	s := e.Code.sentinel()
	return s != nil && target == s
}

// CodeOf returns the Code of the first *Error in err's chain, or CodeUnknown.
func CodeOf(err error) Code {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CodeUnknown
}
