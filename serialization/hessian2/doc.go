// Package hessian2 is Pulse's Hessian 2 serialization (Dubbo serialization id
// 2), built on github.com/apache/dubbo-go-hessian2.
//
// It owns three things:
//
//   - Encoder: appends values to a caller-supplied buffer. Strings, integers,
//     booleans, doubles, dates and nulls, and maps of those, are written by
//     this package directly (byte for byte what dubbo-go-hessian2 writes);
//     everything else (POJOs, lists, enums, BigDecimal, nested maps) goes
//     through one dubbo-go-hessian2 encoder per stream, so that class
//     definitions and references are shared as Java expects.
//   - Decoder: reads consecutive values from one byte slice. Every value is
//     first walked by a bounds-checked scanner (lengths, counts, class
//     definitions, nesting depth) before anything is decoded or allocated; the
//     library decoder only ever sees input the scanner has accepted, and any
//     panic it still raises is recovered into a *DecodeError.
//   - The Java class-name mapping: Register and RegisterEnum put Go types
//     implementing JavaClassName() into dubbo-go-hessian2's registry, which is
//     global to the process; this package is the only place Pulse touches it.
//
// Go <-> Java types:
//
//	nil, typed nil pointer   null ('N')
//	string                   java.lang.String
//	bool                     boolean / java.lang.Boolean
//	int8, int16, int32       int (hessian int; decoded back as int32)
//	int, int64               long (hessian long; decoded back as int64)
//	float64                  double
//	[]byte                   byte[] (hessian binary)
//	time.Time                java.util.Date (milliseconds; the zero time is null)
//	*time.Time               java.util.Date or null
//	*T for the above         the Java wrapper class, nil is null
//	[]T                      java.util.List / arrays (hessian list)
//	map[K]V                  java.util.Map (hessian untyped map)
//	POJO (JavaClassName)     that class, written with a class definition
//	POJOEnum                 a Java enum (RegisterEnum)
//	*big.Decimal (gost)      java.math.BigDecimal (decoded as *big.Decimal too:
//	                         use its String method, not its Value field)
//
// Java field names come from the Go field names with the first letter
// lowered (dubbo-go-hessian2's rule), so `ID` becomes "iD": tag such fields,
// e.g. `hessian:"id"`.
//
// Decoded maps are map[any]any, lists []any or a typed slice, objects of
// registered classes a pointer to the registered Go struct, objects of
// unknown classes map[string]any with the class name under "_class".
//
// Encoders and decoders are pooled (sync.Pool caches with no observable
// state): get one with NewEncoder / NewDecoder and Release it when done.
package hessian2
