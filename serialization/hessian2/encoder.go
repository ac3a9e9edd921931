package hessian2

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
)

// ErrEncoderClosed is returned when a value is written after EncodeFinalMap.
var ErrEncoderClosed = errors.New("hessian2: value written after the final map")

// Encoder appends consecutive Hessian 2 values to one buffer. It is not safe
// for concurrent use. Get one with NewEncoder and Release it when done.
type Encoder struct {
	buf    []byte
	h      *hessian.Encoder // created on first need, shared by the whole stream
	hOff   int              // bytes of h's buffer already copied into buf
	closed bool
}

var encoderPool = sync.Pool{New: func() any { return new(Encoder) }}

// NewEncoder returns a pooled encoder that appends to dst.
func NewEncoder(dst []byte) *Encoder {
	e := encoderPool.Get().(*Encoder)
	e.buf, e.hOff, e.closed = dst, 0, false
	return e
}

// Release returns the encoder to the pool. The slice returned by Bytes stays
// valid; the encoder must not be used again.
func (e *Encoder) Release() {
	if e.h != nil {
		if cap(e.h.Buffer()) > 64<<10 {
			e.h = nil // do not keep huge buffers alive
		} else {
			e.h.ReuseBufferClean()
		}
	}
	e.buf, e.hOff = nil, 0
	encoderPool.Put(e)
}

// Bytes returns dst with everything encoded so far appended.
func (e *Encoder) Bytes() []byte { return e.buf }

// EncodeNull appends null.
func (e *Encoder) EncodeNull() { e.buf = AppendNull(e.buf) }

// EncodeString appends a string.
func (e *Encoder) EncodeString(s string) { e.buf = AppendString(e.buf, s) }

// EncodeInt appends a 32-bit int.
func (e *Encoder) EncodeInt(v int32) { e.buf = AppendInt(e.buf, v) }

// Encode appends one value of any supported type.
func (e *Encoder) Encode(v any) error {
	if e.closed {
		return ErrEncoderClosed
	}
	if b, ok := appendPrimitive(e.buf, v); ok {
		e.buf = b
		return nil
	}
	return e.viaLibrary(v)
}

func (e *Encoder) viaLibrary(v any) error {
	if e.h == nil {
		e.h = hessian.NewEncoder()
		e.hOff = 0
	}
	if err := safeEncode(e.h, v); err != nil {
		// The library may have written part of the value: the stream is
		// unusable from here on.
		e.closed = true
		return &EncodeError{Type: fmt.Sprintf("%T", v), Err: err}
	}
	out := e.h.Buffer()
	e.buf = append(e.buf, out[e.hOff:]...)
	e.hOff = len(out)
	return nil
}

func safeEncode(h *hessian.Encoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoder panic: %v", r)
		}
	}()
	before := len(h.Buffer())
	if err := h.Encode(v); err != nil {
		return err
	}
	if len(h.Buffer()) == before {
		return errors.New("type not supported")
	}
	return nil
}

// KV is one extra map entry for EncodeFinalMap.
type KV struct {
	Key   string
	Value any
}

// EncodeFinalMap appends m as an untyped map (Java's HashMap), with the extra
// entries first (an extra entry wins over the same key in m). A nil map with
// no extras is written as an empty map. It must be the last value of the
// stream: when every value is a primitive the map is written directly, which
// the library encoder's reference numbering does not see, so nothing may
// follow it.
func (e *Encoder) EncodeFinalMap(m map[string]any, extra ...KV) error {
	if e.closed {
		return ErrEncoderClosed
	}
	if allPrimitive(m, extra) {
		b := append(e.buf, tagMapU)
		for _, kv := range extra {
			b = AppendString(b, kv.Key)
			b, _ = appendPrimitive(b, kv.Value)
		}
	entries:
		for k, v := range m {
			for _, kv := range extra {
				if kv.Key == k {
					continue entries
				}
			}
			b = AppendString(b, k)
			b, _ = appendPrimitive(b, v)
		}
		e.buf = append(b, tagEnd)
		e.closed = true
		return nil
	}
	full := make(map[string]any, len(m)+len(extra))
	for k, v := range m {
		full[k] = v
	}
	for _, kv := range extra {
		full[kv.Key] = kv.Value
	}
	e.closed = true
	return e.viaLibrary(full)
}

func allPrimitive(m map[string]any, extra []KV) bool {
	for _, kv := range extra {
		if !isPrimitive(kv.Value) {
			return false
		}
	}
	for _, v := range m {
		if !isPrimitive(v) {
			return false
		}
	}
	return true
}

func isPrimitive(v any) bool {
	switch v.(type) {
	case nil, string, bool, int8, int16, int32, int, int64, float64, time.Time:
		return true
	}
	return false
}

// EncodeMapAsObject appends m as an object of the Java class className: a
// registered class uses its registered field list (missing entries are
// null), an unregistered one gets a class definition built from m's keys.
func (e *Encoder) EncodeMapAsObject(className string, m map[string]any) error {
	if e.closed {
		return ErrEncoderClosed
	}
	if e.h == nil {
		e.h = hessian.NewEncoder()
		e.hOff = 0
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("encoder panic: %v", r)
			}
		}()
		return e.h.EncodeMapAsClass(className, m)
	}()
	if err != nil {
		return &EncodeError{Type: className, Err: err}
	}
	out := e.h.Buffer()
	e.buf = append(e.buf, out[e.hOff:]...)
	e.hOff = len(out)
	return nil
}

// appendPrimitive writes the values this package encodes itself. It writes
// exactly what dubbo-go-hessian2 writes for them; anything else reports
// false and goes through the library.
func appendPrimitive(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return AppendNull(b), true
	case string:
		return AppendString(b, x), true
	case bool:
		return AppendBool(b, x), true
	case int32:
		return AppendInt(b, x), true
	case int64:
		return AppendLong(b, x), true
	case int:
		return AppendLong(b, int64(x)), true
	case int8:
		return AppendInt(b, int32(x)), true
	case int16:
		return AppendInt(b, int32(x)), true
	case float64:
		return AppendDouble(b, x), true
	case time.Time:
		return AppendDate(b, x), true
	case *string:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendString(b, *x), true
	case *int32:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendInt(b, *x), true
	case *int64:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendLong(b, *x), true
	case *int:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendLong(b, int64(*x)), true
	case *bool:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendBool(b, *x), true
	case *float64:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendDouble(b, *x), true
	case *time.Time:
		if x == nil {
			return AppendNull(b), true
		}
		return AppendDate(b, *x), true
	case hessian.POJO:
		if isNilPointer(v) {
			return AppendNull(b), true
		}
		return b, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return AppendNull(b), true
		}
		if isBasicKind(rv.Elem().Kind()) {
			return appendPrimitive(b, basicValue(rv.Elem()))
		}
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float64:
		// Named basic types: the library would silently write nothing.
		return appendPrimitive(b, basicValue(rv))
	}
	return b, false
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func isBasicKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

// basicValue converts a value of a basic kind to its builtin type.
func basicValue(rv reflect.Value) any {
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int8:
		return int8(rv.Int())
	case reflect.Int16:
		return int16(rv.Int())
	case reflect.Int32:
		return int32(rv.Int())
	case reflect.Int, reflect.Int64:
		return rv.Int()
	case reflect.Float64:
		return rv.Float()
	}
	return nil
}
