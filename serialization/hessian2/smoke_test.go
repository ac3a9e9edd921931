package hessian2

import (
	"reflect"
	"testing"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
)

type smokeUser struct {
	ID         string
	Name       string
	Age        int32
	Registered time.Time
}

func (smokeUser) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

func TestSmokeMatchesLibrary(t *testing.T) {
	Register(&smokeUser{})
	vals := []any{nil, "hi", "", "héllo", "😀x", int32(5), int32(-300), int32(1 << 20), int64(7), int64(1 << 40), 1.0, 0.0, 2.5, -7.0, 300.0, true, false,
		time.UnixMilli(1577934245000), []any{"a", int32(1)}, map[string]any{"k": "v"}, &smokeUser{ID: "u1", Name: "Ada", Age: 36, Registered: time.UnixMilli(1577934245000)}}
	for _, v := range vals {
		e := NewEncoder(nil)
		if err := e.Encode(v); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		got := e.Bytes()
		e.Release()
		h := hessian.NewEncoder()
		_ = h.Encode(v)
		if !reflect.DeepEqual(got, h.Buffer()) {
			t.Errorf("%#v: got % x want % x", v, got, h.Buffer())
		}
		d := NewDecoder(got, 0)
		back, err := d.Decode()
		d.Release()
		if err != nil {
			t.Fatalf("%T decode: %v", v, err)
		}
		t.Logf("%#v -> % x -> %#v", v, got, back)
	}
}
