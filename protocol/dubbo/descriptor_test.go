package dubbo

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

type codecColor int32

func (codecColor) JavaClassName() string { return "org.pulse.codectest.Color" }

func TestDescriptorTable(t *testing.T) {
	i32, i64, b, f64, s := int32(1), int64(1), true, 1.0, "x"
	now := time.Now()
	cases := []struct {
		v    any
		desc string
		name string
	}{
		{"x", "Ljava/lang/String;", "java.lang.String"},
		{int32(1), "I", "int"},
		{int64(1), "J", "long"},
		{1, "J", "long"},
		{true, "Z", "boolean"},
		{1.0, "D", "double"},
		{float32(1), "F", "float"},
		{int8(1), "B", "byte"},
		{int16(1), "S", "short"},
		{[]byte{1}, "[B", "byte[]"},
		{&i32, "Ljava/lang/Integer;", "java.lang.Integer"},
		{&i64, "Ljava/lang/Long;", "java.lang.Long"},
		{&b, "Ljava/lang/Boolean;", "java.lang.Boolean"},
		{&f64, "Ljava/lang/Double;", "java.lang.Double"},
		{&s, "Ljava/lang/String;", "java.lang.String"},
		{(*int32)(nil), "Ljava/lang/Integer;", "java.lang.Integer"},
		{now, "Ljava/util/Date;", "java.util.Date"},
		{&now, "Ljava/util/Date;", "java.util.Date"},
		{[]string{"a"}, "Ljava/util/List;", "java.util.List"},
		{[]any{}, "Ljava/util/List;", "java.util.List"},
		{map[string]any{}, "Ljava/util/Map;", "java.util.Map"},
		{&codecUser{}, "Lorg/pulse/codectest/User;", "org.pulse.codectest.User"},
		{codecUser{}, "Lorg/pulse/codectest/User;", "org.pulse.codectest.User"},
		{codecColor(1), "Lorg/pulse/codectest/Color;", "org.pulse.codectest.Color"},
		{As("int", 1), "I", "int"},
		{As("java.lang.String[]", []string{}), "[Ljava/lang/String;", "java.lang.String[]"},
		{As("[Ljava.lang.String;", []string{}), "[Ljava/lang/String;", "java.lang.String[]"},
		{As("long[][]", nil), "[[J", "long[][]"},
		{As("[J", nil), "[J", "long[]"},
		{As("Ljava/util/ArrayList;", nil), "Ljava/util/ArrayList;", "java.util.ArrayList"},
		{As("java.math.BigDecimal", nil), "Ljava/math/BigDecimal;", "java.math.BigDecimal"},
	}
	for _, c := range cases {
		d, err := Descriptor(c.v)
		if err != nil || d != c.desc {
			t.Errorf("Descriptor(%#v) = %q, %v; want %q", c.v, d, err, c.desc)
		}
		n, err := JavaName(c.v)
		if err != nil || n != c.name {
			t.Errorf("JavaName(%#v) = %q, %v; want %q", c.v, n, err, c.name)
		}
	}
	for _, bad := range []any{nil, make(chan int), As("", 1), As("a b", 1), As("[Q", 1)} {
		if _, err := Descriptor(bad); !errors.Is(err, ErrBadDescriptor) {
			t.Errorf("Descriptor(%#v) = %v, want ErrBadDescriptor", bad, err)
		}
	}
}

func TestParseDescriptor(t *testing.T) {
	got, err := ParseDescriptor("Ljava/lang/String;I[J[[Lorg/x/Y;ZBCDFS")
	want := []string{"Ljava/lang/String;", "I", "[J", "[[Lorg/x/Y;", "Z", "B", "C", "D", "F", "S"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := ParseDescriptor(""); err != nil || got != nil {
		t.Fatalf("empty: %q %v", got, err)
	}
	for _, bad := range []string{"V", "L;", "Ljava", "[", "X", "I[", string(make([]byte, 300)) + "I"} {
		if _, err := ParseDescriptor(bad); !errors.Is(err, ErrBadDescriptor) {
			t.Errorf("ParseDescriptor(%q) = %v", bad, err)
		}
	}
}

func TestGenericInvocation(t *testing.T) {
	inv, err := GenericInvocation("org.apache.dubbo.samples.api.UserService", "getUser", nil, []any{"u1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeRequest(nil, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "$invoke" || len(got.ParameterTypes) != 3 || got.Attachments["generic"] != "true" {
		t.Fatalf("%+v", got)
	}
	if d := got.ParameterTypes[0] + got.ParameterTypes[1] + got.ParameterTypes[2]; d != "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;" {
		t.Fatalf("descriptor %q", d)
	}
	if got.Arguments[0] != "getUser" || !reflect.DeepEqual(got.Arguments[1], []string{"java.lang.String"}) || !sameElems(got.Arguments[2], []any{"u1"}) {
		t.Fatalf("args %#v", got.Arguments)
	}
	// Explicit types pick an overload; JavaType arguments are unwrapped.
	inv, err = GenericInvocation("S", "add", []string{"int", "java.lang.Long"}, []any{As("int", 1), int64(2)})
	if err != nil || !reflect.DeepEqual(inv.Arguments[1], []string{"int", "java.lang.Long"}) || !reflect.DeepEqual(inv.Arguments[2], []any{1, int64(2)}) {
		t.Fatalf("%+v %v", inv, err)
	}
	if _, err := GenericInvocation("S", "m", []string{"int"}, nil); err == nil {
		t.Fatal("type/argument count mismatch accepted")
	}
	if _, err := GenericInvocation("S", "m", nil, []any{nil}); err == nil {
		t.Fatal("untyped nil accepted without a type")
	}
}

func TestInvocationRouting(t *testing.T) {
	inv := &Invocation{Path: "body.Path", Version: "0.0.0", Method: "m"}
	if inv.ServicePath() != "body.Path" || inv.ServiceVersion() != "" || inv.Group() != "" || inv.IsGeneric() {
		t.Fatalf("%+v", inv)
	}
	inv.Attachments = map[string]any{"path": "att.Path", "version": "1.0", "group": "g"}
	if inv.ServicePath() != "att.Path" || inv.ServiceVersion() != "1.0" || inv.Group() != "g" {
		t.Fatalf("attachments do not override: %q %q %q", inv.ServicePath(), inv.ServiceVersion(), inv.Group())
	}
	g, _ := GenericInvocation("S", "m", []string{"int"}, []any{int32(1)})
	if !g.IsGeneric() {
		t.Fatal("generic invocation not recognised")
	}
}

// sameElems compares a decoded Object[] (a []hessian.Object: Java's typed
// list "[object") with the elements wanted.
func sameElems(got any, want []any) bool {
	rv := reflect.ValueOf(got)
	if rv.Kind() != reflect.Slice || rv.Len() != len(want) {
		return false
	}
	for i := range want {
		if !reflect.DeepEqual(rv.Index(i).Interface(), want[i]) {
			return false
		}
	}
	return true
}
