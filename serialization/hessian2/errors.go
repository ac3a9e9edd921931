package hessian2

import (
	"errors"
	"fmt"
)

// ErrMalformed matches (with errors.Is) every *DecodeError.
var ErrMalformed = errors.New("hessian2: malformed input")

// DecodeError is input that is not a well-formed Hessian 2 value, or a value
// the library decoder refused (or panicked on).
type DecodeError struct {
	Offset int    // byte offset in the decoder's input where the problem was seen
	Reason string // what was wrong
	Err    error  // the library's error, when it came from dubbo-go-hessian2
}

func (e *DecodeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("hessian2: %s at offset %d: %v", e.Reason, e.Offset, e.Err)
	}
	return fmt.Sprintf("hessian2: %s at offset %d", e.Reason, e.Offset)
}

// Unwrap returns the library error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// EncodeError is a value this serialization cannot write.
type EncodeError struct {
	Type string // the Go type, as %T prints it
	Err  error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("hessian2: cannot encode %s: %v", e.Type, e.Err)
}

// Unwrap returns the underlying error.
func (e *EncodeError) Unwrap() error { return e.Err }
