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
