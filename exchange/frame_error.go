package exchange

import (
	"errors"
	"fmt"
)

// ErrShortHeader is returned by DecodeHeader when fewer than HeaderLen bytes
// are available. It is not a protocol violation: the reader needs more bytes.
var ErrShortHeader = errors.New("exchange: fewer than 16 header bytes")

// ErrPayloadTooLarge matches (with errors.Is) every FrameError whose reason is
// ReasonPayloadTooLarge, on decode and on encode.
var ErrPayloadTooLarge = errors.New("exchange: payload too large")

// ErrBadFrame matches (with errors.Is) every FrameError.
var ErrBadFrame = errors.New("exchange: bad frame")

// Reason says what was wrong with a frame.
type Reason int

// Reasons a frame is refused.
const (
	ReasonBadMagic Reason = iota + 1
	ReasonNegativeLength
	ReasonPayloadTooLarge
	ReasonNoSerialization
	ReasonBadEvent
)

func (r Reason) String() string {
	switch r {
	case ReasonBadMagic:
		return "bad magic"
	case ReasonNegativeLength:
		return "negative body length"
	case ReasonPayloadTooLarge:
		return "payload too large"
	case ReasonNoSerialization:
		return "no serialization id"
	case ReasonBadEvent:
		return "bad event body"
	}
	return fmt.Sprintf("reason %d", int(r))
}

// FrameError is a frame that breaks the protocol. The connection that carried
// it cannot be trusted to stay in sync and is closed; a Server first answers
// a two-way request whose header was readable with BAD_REQUEST.
type FrameError struct {
	Reason Reason
	Header Header // the 16 bytes as read
	Limit  int    // the payload limit in force, for ReasonPayloadTooLarge
}

func (e *FrameError) Error() string {
	switch e.Reason {
	case ReasonPayloadTooLarge:
		return fmt.Sprintf("exchange: data length too large: %d, max payload: %d", e.Header.BodyLen(), e.Limit)
	case ReasonBadMagic:
		return fmt.Sprintf("exchange: bad magic % x", e.Header[0:2])
	}
	return fmt.Sprintf("exchange: %s (%s)", e.Reason, e.Header.String())
}

// Is makes errors.Is(err, ErrBadFrame) true for every FrameError and
// errors.Is(err, ErrPayloadTooLarge) true for oversized ones.
func (e *FrameError) Is(target error) bool {
	return target == ErrBadFrame || (target == ErrPayloadTooLarge && e.Reason == ReasonPayloadTooLarge)
}
