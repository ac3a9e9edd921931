package hessian2

import (
	"errors"
	"testing"
	"time"
)

// FuzzDecode reads consecutive values (and, from the same input, a
// throwable and a string map) from arbitrary bytes: every failure is a
// *DecodeError, nothing panics, and the decoder never reads past the input.
func FuzzDecode(f *testing.F) {
	Register(&user{}, &page{}, &wrappers{})
	RegisterEnum(red)
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, v := range []any{nil, "hi", int32(-300), int64(1 << 40), 2.5, true, reg, []byte{1, 2},
		[]any{"a", int32(1), nil}, map[string]any{"k": []any{"v"}},
		&user{ID: "u1", Name: "Ada", Age: 36, Registered: reg}, &page{Total: 1, Items: []*user{{ID: "a"}}}, green} {
		e := NewEncoder(nil)
		if err := e.Encode(v); err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), e.Bytes()...))
		e.Release()
	}
	f.Add(javaException("java.lang.IllegalArgumentException", "no user missing", 1))
	f.Add([]byte{0x48})
	f.Fuzz(func(t *testing.T, in []byte) {
		check := func(err error) {
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("%T %v is not a *DecodeError", err, err)
			}
		}
		d := NewDecoder(in, 0)
		for i := 0; i < 8 && d.Remaining() > 0; i++ {
			before := d.Remaining()
			_, err := d.Decode()
			check(err)
			if err != nil {
				break
			}
			if d.Remaining() >= before || d.Remaining() < 0 {
				t.Fatalf("decoder did not advance: %d -> %d", before, d.Remaining())
			}
		}
		d.Release()
		d = NewDecoder(in, 0)
		_, err := d.DecodeThrowable()
		check(err)
		d.Release()
		d = NewDecoder(in, 0)
		_, err = d.DecodeStringMap()
		check(err)
		d.Release()
	})
}
