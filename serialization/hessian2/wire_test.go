package hessian2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
)

func encodeOne(t *testing.T, v any) []byte {
	t.Helper()
	e := NewEncoder(nil)
	defer e.Release()
	if err := e.Encode(v); err != nil {
		t.Fatalf("Encode(%#v): %v", v, err)
	}
	return append([]byte(nil), e.Bytes()...)
}

func decodeOne(t *testing.T, b []byte) any {
	t.Helper()
	d := NewDecoder(b, 0)
	defer d.Release()
	v, err := d.Decode()
	if err != nil {
		t.Fatalf("Decode(% x): %v", b, err)
	}
	if d.Remaining() != 0 {
		t.Fatalf("Decode(% x) left %d bytes", b, d.Remaining())
	}
	return v
}

// Byte values derived by hand from the Hessian 2 specification.
func TestKnownBytes(t *testing.T) {
	cases := []struct {
		name string
		v    any
		hex  string
	}{
		{"null (heartbeat body)", nil, "4e"},
		{"true", true, "54"},
		{"false", false, "46"},
		{"empty string", "", "00"},
		{"short string", "hi", "026869"},
		{"31-char string", strings.Repeat("a", 31), "1f" + strings.Repeat("61", 31)},
		{"32-char string", strings.Repeat("a", 32), "3020" + strings.Repeat("61", 32)},
		{"1024-char string", strings.Repeat("a", 1024), "530400" + strings.Repeat("61", 1024)},
		{"2-byte char", "é", "01c3a9"},
		{"supplementary char is 2 units", "😀", "02eda0bdedb880"},
		{"int 0", int32(0), "90"},
		{"int -16", int32(-16), "80"},
		{"int 47", int32(47), "bf"},
		{"int 48", int32(48), "c830"},
		{"int -2048", int32(-2048), "c000"},
		{"int 2047", int32(2047), "cfff"},
		{"int 2048", int32(2048), "d40800"},
		{"int 262143", int32(262143), "d7ffff"},
		{"int 262144", int32(262144), "4900040000"},
		{"int min", int32(math.MinInt32), "4980000000"},
		{"long 0", int64(0), "e0"},
		{"long -8", int64(-8), "d8"},
		{"long 15", int64(15), "ef"},
		{"long 16", int64(16), "f810"},
		{"long 2048", int64(2048), "3c0800"},
		{"long 262144", int64(262144), "5900040000"},
		{"long 2^31", int64(1) << 31, "4c0000000080000000"},
		{"go int is long", 7, "e7"},
		{"int8 is int", int8(-1), "8f"},
		{"int16 is int", int16(300), "c92c"},
		{"double 0", 0.0, "5b"},
		{"double 1", 1.0, "5c"},
		{"double -128", -128.0, "5d80"},
		{"double 300", 300.0, "5e012c"},
		{"double 2.5", 2.5, "444004000000000000"},
		{"date", time.UnixMilli(1577934245000), "4a0000016f6435cc88"},
		{"zero date is null", time.Time{}, "4e"},
		{"nil *int32 is null", (*int32)(nil), "4e"},
		{"nil *time.Time is null", (*time.Time)(nil), "4e"},
		{"nil *user is null", (*user)(nil), "4e"},
		{"*int32", ptr(int32(5)), "95"},
		{"*int64", ptr(int64(5)), "e5"},
		{"named string", namedString("ok"), "026f6b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := encodeOne(t, c.v)
			want, _ := hex.DecodeString(c.hex)
			if !bytes.Equal(got, want) {
				t.Fatalf("got % x, want % x", got, want)
			}
		})
	}
}

type namedString string

func ptr[T any](v T) *T { return &v }

// The values this package writes itself must be byte-identical to what
// dubbo-go-hessian2 writes, so golden frames from dubbo-go match.
func TestPrimitivesMatchLibrary(t *testing.T) {
	vals := []any{nil, "", "hi", "héllo wörld", "日本語", "a😀b", strings.Repeat("x", 4096), strings.Repeat("x", 4097),
		strings.Repeat("é", 5000), strings.Repeat("😀", 3000), strings.Repeat("ab", 70000),
		true, false, int32(0), int32(-17), int32(-2049), int32(262144), int32(math.MaxInt32), int32(math.MinInt32),
		int64(-9), int64(-2049), int64(-262145), int64(math.MaxInt32) + 1, int64(math.MinInt64), int64(math.MaxInt64), 12345678,
		int8(100), int16(-3000), 0.0, 1.0, -1.0, 127.0, -129.0, 32767.0, 32768.0, 0.1, -2.75, math.MaxFloat64, math.Inf(1),
		time.UnixMilli(0), time.UnixMilli(-1), time.UnixMilli(1577934245123)}
	for _, v := range vals {
		got := encodeOne(t, v)
		h := hessian.NewEncoder()
		if err := h.Encode(v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, h.Buffer()) {
			t.Errorf("%.40v: got % .40x, library % .40x", v, got, h.Buffer())
		}
	}
}

func TestRoundTrip(t *testing.T) {
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	far := time.Date(3000, 6, 1, 0, 0, 0, 0, time.UTC) // past UnixNano's 2262 limit
	old := time.Date(1500, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"null", nil, nil},
		{"string", "hi, pulse", "hi, pulse"},
		{"surrogates", "a😀b", "a😀b"},
		{"long chunked string", strings.Repeat("xy", 40000), strings.Repeat("xy", 40000)},
		{"int32 stays int32", int32(36), int32(36)},
		{"int64 stays int64", int64(36), int64(36)},
		{"go int becomes int64", 36, int64(36)},
		{"bool", true, true},
		{"double", 2.5, 2.5},
		{"bytes", []byte{1, 2, 3}, []byte{1, 2, 3}},
		{"date", reg, reg},
		{"far date", far, far},
		{"old date", old, old},
		{"nil date pointer", (*time.Time)(nil), nil},
		{"nil wrapper", (*int64)(nil), nil},
		{"list", []any{"a", int32(1), int64(2), nil}, []any{"a", int32(1), int64(2), nil}},
		{"nested map", map[string]any{"k": map[string]any{"n": []any{int32(1)}}}, map[any]any{"k": map[any]any{"n": []any{int32(1)}}}},
		{"pojo", &user{ID: "u1", Name: "Ada", Age: 36, Registered: reg}, &user{ID: "u1", Name: "Ada", Age: 36, Registered: reg}},
		{"pojo value", user{ID: "u2"}, &user{ID: "u2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decodeOne(t, encodeOne(t, c.in))
			if !equalValues(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

// equalValues compares decoded values, times by instant.
func equalValues(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	if ua, ok := a.(*user); ok {
		ub, ok := b.(*user)
		return ok && ua.ID == ub.ID && ua.Name == ub.Name && ua.Age == ub.Age && ua.Registered.Equal(ub.Registered)
	}
	return reflect.DeepEqual(a, b)
}

// Row 24: Java wrapper nulls.
func TestNullWrappers(t *testing.T) {
	in := &wrappers{Count: ptr(int32(3))}
	b := encodeOne(t, in)
	got, ok := decodeOne(t, b).(*wrappers)
	if !ok {
		t.Fatalf("decoded %T", got)
	}
	if got.Count == nil || *got.Count != 3 || got.Total != nil || got.Score != nil || got.When != nil {
		t.Fatalf("got %+v", got)
	}
	// Java writes Integer null as 'N' in each field; all-null decodes to nils.
	b = encodeOne(t, &wrappers{})
	got = decodeOne(t, b).(*wrappers)
	if got.Count != nil || got.Total != nil {
		t.Fatalf("got %+v", got)
	}
}

// Row 25: enums as scalar and inside a list.
func TestEnums(t *testing.T) {
	b := encodeOne(t, green)
	v := decodeOne(t, b)
	if c, ok := v.(*color); !ok || *c != green {
		t.Fatalf("scalar enum decoded as %#v", v)
	}
	b = encodeOne(t, []any{red, green, red})
	list, ok := decodeOne(t, b).([]any)
	if !ok || len(list) != 3 {
		t.Fatalf("enum list decoded as %#v", list)
	}
	for i, want := range []color{red, green, red} {
		c, ok := list[i].(*color)
		if !ok || *c != want {
			t.Fatalf("element %d = %#v", i, list[i])
		}
	}
	// A typed enum slice must either work or fail with an error: never panic.
	e := NewEncoder(nil)
	defer e.Release()
	_ = e.Encode([]color{red, green})
}

// Row 26: java.math.BigDecimal is supported through the library's serializer.
func TestBigDecimal(t *testing.T) {
	b := bigDecimalBytes("12345.678900")
	v := decodeOne(t, b)
	dec, ok := v.(interface{ String() string })
	if !ok {
		t.Fatalf("BigDecimal decoded as %T", v)
	}
	if dec.String() != "12345.6789" && dec.String() != "12345.678900" {
		t.Fatalf("BigDecimal = %s", dec.String())
	}
	again := decodeOne(t, encodeOne(t, v))
	if again.(interface{ String() string }).String() != dec.String() {
		t.Fatalf("round trip %v != %v", again, dec)
	}
}

// bigDecimalBytes is what Java writes for new BigDecimal(s): an object of
// class java.math.BigDecimal with the single field "value".
func bigDecimalBytes(s string) []byte {
	b := []byte{'C'}
	b = AppendString(b, "java.math.BigDecimal")
	b = AppendInt(b, 1)
	b = AppendString(b, "value")
	b = append(b, 0x60)
	return AppendString(b, s)
}

// Row 27: nested generics keep their element types.
func TestNestedGenerics(t *testing.T) {
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	in := &page{Total: 2, Items: []*user{{ID: "a", Age: 1, Registered: reg}, {ID: "b", Age: 2}}, Tags: []any{[]any{"x"}, map[string]any{"y": int32(1)}}}
	got, ok := decodeOne(t, encodeOne(t, in)).(*page)
	if !ok {
		t.Fatalf("decoded %T", got)
	}
	if got.Total != 2 || len(got.Items) != 2 || got.Items[0].ID != "a" || got.Items[1].Age != 2 || !got.Items[0].Registered.Equal(reg) {
		t.Fatalf("got %+v", got)
	}
	if !reflect.DeepEqual(got.Tags, []any{[]any{"x"}, map[any]any{"y": int32(1)}}) {
		t.Fatalf("tags %#v", got.Tags)
	}
}

// A stream shares class definitions across values, as Java writes them.
func TestStreamSharesClassDefinitions(t *testing.T) {
	e := NewEncoder([]byte("prefix"))
	for _, v := range []any{"lead", &user{ID: "1"}, &user{ID: "2"}, int32(7)} {
		if err := e.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.EncodeFinalMap(map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	b := append([]byte(nil), e.Bytes()...)
	e.Release()
	if !bytes.HasPrefix(b, []byte("prefix")) {
		t.Fatalf("encoder did not append to dst")
	}
	if n := bytes.Count(b, []byte("org.apache.dubbo.samples.api.User")); n != 1 {
		t.Fatalf("class definition written %d times", n)
	}
	d := NewDecoder(b[len("prefix"):], 0)
	defer d.Release()
	var got []any
	for i := 0; i < 4; i++ {
		v, err := d.Decode()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	m, err := d.DecodeStringMap()
	if err != nil || m["k"] != "v" {
		t.Fatalf("map %v %v", m, err)
	}
	if got[0] != "lead" || got[1].(*user).ID != "1" || got[2].(*user).ID != "2" || got[3] != int32(7) {
		t.Fatalf("got %#v", got)
	}
	if err := e.Encode("x"); err == nil {
		// e was released; a fresh encoder must refuse values after the final map.
	}
	e2 := NewEncoder(nil)
	_ = e2.EncodeFinalMap(nil)
	if err := e2.Encode("late"); !errors.Is(err, ErrEncoderClosed) {
		t.Fatalf("value after final map: %v", err)
	}
	e2.Release()
}

func TestFinalMapExtrasAndFallback(t *testing.T) {
	e := NewEncoder(nil)
	if err := e.EncodeFinalMap(map[string]any{"dubbo": "old", "a": int32(1)}, KV{"dubbo", "2.0.2"}); err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(e.Bytes(), 0)
	m, err := d.DecodeStringMap()
	d.Release()
	e.Release()
	if err != nil || !reflect.DeepEqual(m, map[string]any{"dubbo": "2.0.2", "a": int32(1)}) {
		t.Fatalf("%v %v", m, err)
	}
	// A non-primitive value goes through the library.
	e = NewEncoder(nil)
	if err := e.EncodeFinalMap(map[string]any{"u": &user{ID: "x"}}, KV{"dubbo", "2.0.2"}); err != nil {
		t.Fatal(err)
	}
	d = NewDecoder(e.Bytes(), 0)
	m, err = d.DecodeStringMap()
	d.Release()
	e.Release()
	if err != nil || m["dubbo"] != "2.0.2" || m["u"].(*user).ID != "x" {
		t.Fatalf("%v %v", m, err)
	}
}

func TestEncodeUnsupported(t *testing.T) {
	e := NewEncoder(nil)
	defer e.Release()
	err := e.Encode(make(chan int))
	var ee *EncodeError
	if !errors.As(err, &ee) {
		t.Fatalf("Encode(chan) = %v, want *EncodeError", err)
	}
}

func TestIntern(t *testing.T) {
	strs := map[string]any{"2.0.2": "2.0.2", "path": "path"}
	e := NewEncoder(nil)
	e.EncodeString("2.0.2")
	_ = e.Encode("other")
	_ = e.EncodeFinalMap(map[string]any{"path": "2.0.2"})
	b := append([]byte(nil), e.Bytes()...)
	e.Release()
	d := NewDecoder(b, 0)
	defer d.Release()
	d.Intern(strs)
	s, _, err := d.DecodeString()
	if err != nil || s != "2.0.2" {
		t.Fatal(s, err)
	}
	v, err := d.Decode()
	if err != nil || v != "other" {
		t.Fatal(v, err)
	}
	m, err := d.DecodeStringMap()
	if err != nil || m["path"] != "2.0.2" {
		t.Fatal(m, err)
	}
	if raceEnabled {
		return // the race detector makes sync.Pool drop items
	}
	if n := testing.AllocsPerRun(100, func() {
		d2 := NewDecoder(b[:6], 0)
		d2.Intern(strs)
		_, _ = d2.Decode()
		d2.Release()
	}); n != 0 {
		t.Fatalf("interned decode allocated %v times", n)
	}
}

// Java writes a Color[] as a typed list of enum objects (one "name" field).
func TestJavaEnumArray(t *testing.T) {
	b := []byte{'V'}
	b = AppendString(b, "[org.apache.dubbo.samples.api.Color")
	b = AppendInt(b, 2)
	b = append(b, 'C')
	b = AppendString(b, "org.apache.dubbo.samples.api.Color")
	b = AppendInt(b, 1)
	b = AppendString(b, "name")
	b = append(b, 0x60)
	b = AppendString(b, "RED")
	b = append(b, 0x60)
	b = AppendString(b, "GREEN")
	v := decodeOne(t, b)
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Len() != 2 {
		t.Fatalf("decoded %#v", v)
	}
	for i, want := range []color{red, green} {
		got := reflect.Indirect(reflect.ValueOf(rv.Index(i).Interface())).Interface()
		if got != want {
			t.Fatalf("element %d = %#v", i, got)
		}
	}
}

// Row 26: a null Date inside a POJO decodes to the zero time.Time.
func TestNullDateField(t *testing.T) {
	b := encodeOne(t, &user{ID: "u"})
	if !bytes.Contains(b, []byte{'N'}) {
		t.Fatalf("zero date not written as null: % x", b)
	}
	u := decodeOne(t, b).(*user)
	if !u.Registered.IsZero() {
		t.Fatalf("registered = %v", u.Registered)
	}
}

// Values decoded here and by the library interleave without losing class
// definitions or references: the library replays what it did not see.
func TestMixedStreamReplay(t *testing.T) {
	m := map[string]any{"k": "v"}
	e := NewEncoder(nil)
	for _, v := range []any{m, []any{m}, &user{ID: "1"}, "between", &user{ID: "2"}, int32(3)} {
		if err := e.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	b := append([]byte(nil), e.Bytes()...)
	e.Release()
	if !bytes.Contains(b, []byte{'Q', 0x90}) {
		t.Fatalf("expected a back-reference to the map in % x", b)
	}
	d := NewDecoder(b, 0)
	defer d.Release()
	first, err := d.DecodeStringMap() // decoded here
	if err != nil || first["k"] != "v" {
		t.Fatal(first, err)
	}
	list, err := d.Decode() // library, must replay the map to resolve the ref
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := list.([]any); !ok || len(l) != 1 || !reflect.DeepEqual(l[0], map[any]any{"k": "v"}) {
		t.Fatalf("list %#v", list)
	}
	u1, err := d.Decode()
	if err != nil || u1.(*user).ID != "1" {
		t.Fatal(u1, err)
	}
	s, _, err := d.DecodeString() // decoded here while the library lags
	if err != nil || s != "between" {
		t.Fatal(s, err)
	}
	u2, err := d.Decode() // library catches up, reuses the class definition
	if err != nil || u2.(*user).ID != "2" {
		t.Fatal(u2, err)
	}
	n, err := d.Decode()
	if err != nil || n != int32(3) || d.Remaining() != 0 {
		t.Fatal(n, err, d.Remaining())
	}
}

// A class defined inside an exception read here is known to the library
// when a later value uses it.
func TestReplayAfterThrowable(t *testing.T) {
	b := javaException("java.lang.IllegalStateException", "x", 1)
	// An object of the StackTraceElement class (definition #1) after it.
	b = append(b, 0x61)
	b = AppendString(b, "C")
	b = AppendString(b, "m")
	b = AppendString(b, "F.java")
	b = AppendInt(b, 7)
	d := NewDecoder(b, 0)
	defer d.Release()
	if th, err := d.DecodeThrowable(); err != nil || th.Class != "java.lang.IllegalStateException" {
		t.Fatal(th, err)
	}
	v, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := v.(interface{ JavaClassName() string }); !ok || st.JavaClassName() != "java.lang.StackTraceElement" {
		t.Fatalf("decoded %#v", v)
	}
}
