// Package serialization owns the Serializer interface and the serialization
// ids Dubbo writes in the low five bits of the header's flag byte.
package serialization

// ID is a Dubbo serialization id.
type ID byte

// Serialization ids (dubbo-serialization-api Constants.java). Pulse implements
// Hessian2; the others are named so that logs and errors can say what a peer
// asked for.
const (
	Hessian2  ID = 2
	Java      ID = 3
	Fastjson  ID = 6
	Kryo      ID = 8
	FST       ID = 9
	Protobuf  ID = 22
	Fastjson2 ID = 23
)

// Serializer is one serialization: its id and pooled stream encoders and
// decoders. Encoders append to a caller-supplied buffer so that a frame's
// header and body can be written into one slice.
type Serializer interface {
	ID() ID
	// NewEncoder returns an encoder appending to dst. Release it when done.
	NewEncoder(dst []byte) Encoder
	// NewDecoder returns a decoder of consecutive values in data. Release it
	// when done; decoded values never alias data.
	NewDecoder(data []byte) Decoder
}

// Encoder writes consecutive values of one stream (one message body).
type Encoder interface {
	Encode(v any) error
	// Bytes returns dst with everything encoded so far appended.
	Bytes() []byte
	Release()
}

// Decoder reads consecutive values of one stream.
type Decoder interface {
	Decode() (any, error)
	// Remaining is the number of bytes after the last value read.
	Remaining() int
	Release()
}
