package dubbo

import (
	"fmt"
	"runtime"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// Java writes a String[] or Object[] argument (such as the parameter types
// and the arguments of a generic $invoke) as a typed Hessian list:
// 0x70+n (n <= 7) or 'V' with the length, then the type "[string" or
// "[object", then the elements. A Go []string or []any given to the
// library would be a typed 'V' list or an untyped one, which dubbo-go's
// generic filter refuses; EncodeRequest writes these arrays itself.

const (
	listDirect    = 0x70 // + length: a typed list of at most listDirectMax elements
	listDirectMax = 7
	listFixed     = 'V' // type, length, elements
)

// javaArray reports whether argument a, with descriptor desc, is an array
// that Java writes as a typed list, and the list's type.
func javaArray(desc string, a any) (string, bool) {
	switch a.(type) {
	case []string:
		return "[string", desc == "[Ljava/lang/String;"
	case []any:
		return "[object", desc == "[Ljava/lang/Object;"
	}
	return "", false
}

func hasJavaArray(types []string, args []any) bool {
	for i, a := range args {
		if _, ok := javaArray(types[i], a); ok {
			return true
		}
	}
	return false
}

// appendListHeader writes a typed list's header as Java's Hessian2Output
// does. The type is always written in full (never as a type reference):
// the library writing the other values does not number types as Java does.
func appendListHeader(b []byte, typ string, n int) []byte {
	if n <= listDirectMax {
		b = append(b, byte(listDirect+n))
		return hessian2.AppendString(b, typ)
	}
	b = append(b, listFixed)
	b = hessian2.AppendString(b, typ)
	return hessian2.AppendInt(b, int32(n))
}

// encodeArgsWithArrays writes the arguments and attachments of a request
// whose arguments include Java arrays, appending to head (the body so far).
// Values go through e; the arrays' headers are written by hand and spliced
// in. Each hand-written list takes a Hessian reference number in the
// reader, as Java counts it; a throw-away list encoded through e (and cut
// from the output) makes the library count it too, so that its own
// back-references to repeated maps and slices stay right.
func encodeArgsWithArrays(head []byte, e *hessian2.Encoder, types []string, args []any, att map[string]any) ([]byte, error) {
	out := head
	mark := len(e.Bytes())
	flush := func() {
		b := e.Bytes()
		out = append(out, b[mark:]...)
		mark = len(b)
	}
	var keep [][]any // the throw-away lists stay alive while the library holds their addresses
	for i, a := range args {
		typ, ok := javaArray(types[i], a)
		if !ok {
			if err := e.Encode(argValue(types[i], a)); err != nil {
				return head, &EncodeError{Part: fmt.Sprintf("argument %d", i), Err: err}
			}
			flush()
			continue
		}
		ref := []any{nil}
		keep = append(keep, ref)
		if err := e.Encode(ref); err != nil {
			return head, &EncodeError{Part: fmt.Sprintf("argument %d", i), Err: err}
		}
		mark = len(e.Bytes()) // cut: only the reference count was wanted
		switch x := a.(type) {
		case []string:
			out = appendListHeader(out, typ, len(x))
			for _, s := range x {
				out = hessian2.AppendString(out, s)
			}
		case []any:
			out = appendListHeader(out, typ, len(x))
			for j, v := range x {
				if err := e.Encode(argValue("", v)); err != nil {
					return head, &EncodeError{Part: fmt.Sprintf("argument %d, element %d", i, j), Err: err}
				}
			}
			flush()
		}
	}
	if err := e.EncodeFinalMap(att); err != nil {
		return head, &EncodeError{Part: "attachments", Err: err}
	}
	flush()
	runtime.KeepAlive(keep)
	return out, nil
}
