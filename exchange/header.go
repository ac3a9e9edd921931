package exchange

import (
	"encoding/binary"
	"fmt"
)

// HeaderLen is the size of every Dubbo frame header.
const HeaderLen = 16

// Magic is the first two bytes of every Dubbo frame.
const Magic uint16 = 0xdabb

// Flag bits of header byte 2. The low five bits carry the serialization id.
const (
	FlagRequest = 0x80 // the frame is a request; absent on responses
	FlagTwoWay  = 0x40 // the request expects an answer (requests only)
	FlagEvent   = 0x20 // heartbeat, READONLY or another event
	serialMask  = 0x1f
)

// DefaultPayloadLimit is Java Dubbo's default `payload`: 8 MiB.
const DefaultPayloadLimit = 8 << 20

// Header is the fixed 16-byte frame header, kept in wire form. Its accessors
// read the fields in place; building one goes through NewHeader.
//
//	offset 0-1   magic 0xdabb
//	offset 2     flags: request 0x80, two-way 0x40, event 0x20, serialization id (low 5 bits)
//	offset 3     status (responses only)
//	offset 4-11  request id, big-endian int64
//	offset 12-15 body length, big-endian int32 (header excluded)
type Header [HeaderLen]byte

// NewHeader builds a header from its fields.
func NewHeader(flags byte, status Status, id int64, bodyLen int) Header {
	var h Header
	binary.BigEndian.PutUint16(h[0:2], Magic)
	h[2] = flags
	h[3] = byte(status)
	binary.BigEndian.PutUint64(h[4:12], uint64(id))
	binary.BigEndian.PutUint32(h[12:16], uint32(int32(bodyLen)))
	return h
}

// IsRequest reports whether the request bit is set.
func (h *Header) IsRequest() bool { return h[2]&FlagRequest != 0 }

// IsTwoWay reports whether the sender waits for an answer.
func (h *Header) IsTwoWay() bool { return h[2]&FlagTwoWay != 0 }

// IsEvent reports whether the frame is an event (heartbeat, READONLY).
func (h *Header) IsEvent() bool { return h[2]&FlagEvent != 0 }

// Flags returns the whole flag byte.
func (h *Header) Flags() byte { return h[2] }

// SerializationID returns the low five bits of the flag byte.
func (h *Header) SerializationID() byte { return h[2] & serialMask }

// Status returns the response status (zero in requests).
func (h *Header) Status() Status { return Status(h[3]) }

// ID returns the request id the frame belongs to.
func (h *Header) ID() int64 { return int64(binary.BigEndian.Uint64(h[4:12])) }

// BodyLen returns the declared body length, which may be negative on a
// malformed frame: DecodeHeader rejects such frames.
func (h *Header) BodyLen() int { return int(int32(binary.BigEndian.Uint32(h[12:16]))) }

// String renders the header for logs and test failures.
func (h *Header) String() string {
	kind := "response"
	if h.IsRequest() {
		kind = "request"
		if !h.IsTwoWay() {
			kind = "oneway-request"
		}
	}
	if h.IsEvent() {
		kind += "/event"
	}
	return fmt.Sprintf("%s id=%d serialization=%d status=%s len=%d", kind, h.ID(), h.SerializationID(), h.Status(), h.BodyLen())
}

// DecodeHeader reads a header from the start of buf and checks it: magic,
// a non-negative body length within limit (limit <= 0 means no limit), and a
// non-zero serialization id. It never allocates. When buf holds fewer than
// HeaderLen bytes it returns ErrShortHeader so that a streaming reader can
// wait for more; every other failure is a *FrameError.
func DecodeHeader(buf []byte, limit int) (Header, error) {
	var h Header
	if len(buf) < HeaderLen {
		return h, ErrShortHeader
	}
	copy(h[:], buf[:HeaderLen])
	if binary.BigEndian.Uint16(h[0:2]) != Magic {
		return h, &FrameError{Reason: ReasonBadMagic, Header: h}
	}
	n := h.BodyLen()
	if n < 0 {
		return h, &FrameError{Reason: ReasonNegativeLength, Header: h}
	}
	if limit > 0 && n > limit {
		return h, &FrameError{Reason: ReasonPayloadTooLarge, Header: h, Limit: limit}
	}
	if h.SerializationID() == 0 {
		return h, &FrameError{Reason: ReasonNoSerialization, Header: h}
	}
	return h, nil
}

// FrameLen tells a streaming reader how long the frame at the start of buf is.
// It returns 0 and a nil error while fewer than HeaderLen bytes are buffered
// (need more), the full frame length (header plus body) once the header is
// readable, or the header's error. It neither copies nor allocates: the caller
// keeps reading until len(buf) >= the returned length.
func FrameLen(buf []byte, limit int) (int, error) {
	h, err := DecodeHeader(buf, limit)
	if err == ErrShortHeader {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return HeaderLen + h.BodyLen(), nil
}
