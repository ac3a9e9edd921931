package exchange

// appendFrame appends one whole frame: header then body.
func appendFrame(dst []byte, flags byte, st Status, id int64, body []byte) []byte {
	h := NewHeader(flags, st, id, len(body))
	dst = append(dst, h[:]...)
	return append(dst, body...)
}

// The flags of heartbeats, without the serialization id.
const (
	heartbeatRequestFlags = FlagRequest | FlagTwoWay | FlagEvent
	heartbeatAnswerFlags  = FlagEvent
)

// readOnlyEvent is Java's READONLY: da bb a2 00 <id> 00 00 00 02 01 52.
func readOnlyEvent(serialization byte, id int64) []byte {
	return appendFrame(nil, FlagRequest|FlagEvent|serialization, 0, id, ReadOnlyBody(serialization))
}

// errorResponse is a non-OK response whose body is the message as a hessian2 string.
func errorResponse(serialization byte, id int64, st Status, msg string) []byte {
	body := appendHessianString(nil, msg)
	return appendFrame(make([]byte, 0, HeaderLen+len(body)), serialization, st, id, body)
}
