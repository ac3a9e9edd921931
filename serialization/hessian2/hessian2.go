package hessian2

import (
	hessian "github.com/apache/dubbo-go-hessian2"

	"github.com/pulse-rpc/pulse/serialization"
)

// POJO is a Go struct that stands for a Java class: JavaClassName returns the
// fully qualified name (e.g. "org.apache.dubbo.samples.api.User"). Exported
// fields map to Java fields by lower-camel-casing their names, or by a
// `hessian:"name"` tag.
type POJO = hessian.POJO

// POJOEnum is a Go type that stands for a Java enum.
type POJOEnum = hessian.POJOEnum

// JavaEnum is the integer type Go enums for Java enums are based on.
type JavaEnum = hessian.JavaEnum

// Register makes the POJOs' types known by their Java class names, for
// encoding and for decoding into them. Registering twice is harmless.
func Register(pojos ...POJO) {
	for _, p := range pojos {
		hessian.RegisterPOJO(p)
	}
}

// RegisterEnum makes a Java enum type known.
func RegisterEnum(e POJOEnum) { hessian.RegisterJavaEnum(e) }

// Serializer is the Hessian 2 serialization. The zero value is ready.
type Serializer struct {
	// MaxDepth bounds nesting on decode (<= 0: DefaultMaxDepth).
	MaxDepth int
}

var _ serialization.Serializer = Serializer{}

// ID returns serialization.Hessian2.
func (Serializer) ID() serialization.ID { return serialization.Hessian2 }

// NewEncoder returns a pooled encoder appending to dst.
func (Serializer) NewEncoder(dst []byte) serialization.Encoder { return NewEncoder(dst) }

// NewDecoder returns a pooled decoder over data.
func (s Serializer) NewDecoder(data []byte) serialization.Decoder {
	return NewDecoder(data, s.MaxDepth)
}
