package service

import (
	"reflect"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// FuzzConvert: whatever a hessian2 body decodes to, converting it to a
// method's parameter types returns a value or an error, never panics.
func FuzzConvert(f *testing.F) {
	seeds := []any{"hi", int32(7), int64(1) << 40, 3.5, true, nil, time.Unix(1, 0),
		[]any{"a", int32(1)}, map[any]any{"name": "Ada", "age": int32(36), "tags": []any{"x"}}}
	for _, s := range seeds {
		e := hessian2.NewEncoder(nil)
		if err := e.Encode(s); err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), e.Bytes()...))
		e.Release()
	}
	type pojo struct {
		Name string
		Age  int32
		Tags []string
		Kids map[string]*pojo
		When time.Time
	}
	targets := []reflect.Type{
		reflect.TypeFor[string](), reflect.TypeFor[int8](), reflect.TypeFor[uint16](), reflect.TypeFor[float32](),
		reflect.TypeFor[bool](), reflect.TypeFor[[]int](), reflect.TypeFor[[3]string](),
		reflect.TypeFor[map[string]int64](), reflect.TypeFor[*pojo](), reflect.TypeFor[pojo](),
		reflect.TypeFor[[]*pojo](), reflect.TypeFor[any](), reflect.TypeFor[time.Time](),
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := hessian2.NewDecoder(body, 0)
		v, err := d.Decode()
		d.Release()
		if err != nil {
			return
		}
		for _, tt := range targets {
			out, err := Convert(v, tt)
			if err == nil && out.Type() != tt && tt.Kind() != reflect.Interface {
				t.Fatalf("Convert to %s returned a %s", tt, out.Type())
			}
		}
		_ = Generalize(v)
	})
}
