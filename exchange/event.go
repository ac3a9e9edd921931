package exchange

import "bytes"

// Serialization id of hessian2, the only serialization Pulse speaks today.
const serializationHessian2 = 2

// Event bodies, byte for byte as Java Dubbo writes them with hessian2
// (research/dubbo-protocol.md section 4):
//
//	heartbeat request  da bb e2 00 <id> 00 00 00 01 4e
//	heartbeat answer   da bb 22 14 <id> 00 00 00 01 4e
//	READONLY (one-way) da bb a2 00 <id> 00 00 00 02 01 52
var (
	hessianNull     = []byte{'N'}
	hessianReadOnly = []byte{0x01, 'R'}
	hessianWritable = []byte{0x01, 'W'}
)

// EventKind names what an event frame means.
type EventKind int

// Event kinds.
const (
	EventUnknown   EventKind = iota
	EventHeartbeat           // body is the serialization's null
	EventReadOnly            // "R": the provider is going away, send it no new calls
	EventWritable            // "W": the provider takes calls again (Java 3.x)
)

func (k EventKind) String() string {
	switch k {
	case EventHeartbeat:
		return "heartbeat"
	case EventReadOnly:
		return "readonly"
	case EventWritable:
		return "writable"
	}
	return "unknown-event"
}

// maxEventBody mirrors Java's `deserialization.event.size` (15 bytes): an event
// body longer than this is not a standard event. Pulse's own health answers are
// recognised by the heartbeat client before this rule applies.
const maxEventBody = 15

// ClassifyEvent says which event an event body carries. A heartbeat is the
// exact null body (Java 3.2+ answers nothing else); dubbo-go's `4e 4e` answer,
// a null followed by a trailing null, is read as a heartbeat too.
func ClassifyEvent(serialization byte, body []byte) EventKind {
	if serialization != serializationHessian2 {
		return EventUnknown
	}
	switch {
	case bytes.Equal(body, hessianNull), bytes.Equal(body, []byte{'N', 'N'}):
		return EventHeartbeat
	case bytes.Equal(body, hessianReadOnly):
		return EventReadOnly
	case bytes.Equal(body, hessianWritable):
		return EventWritable
	}
	return EventUnknown
}

// NullBody returns the encoding of null in the given serialization, which is
// the body of a standard heartbeat request and answer. Callers must not modify it.
func NullBody(serialization byte) []byte {
	if serialization == serializationHessian2 {
		return hessianNull
	}
	return nil
}

// ReadOnlyBody returns the body of the READONLY event. Callers must not modify it.
func ReadOnlyBody(serialization byte) []byte {
	if serialization == serializationHessian2 {
		return hessianReadOnly
	}
	return nil
}
