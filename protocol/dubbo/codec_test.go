package dubbo

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// codecUser is a POJO under a class name of its own, so that these tests
// never fight other test files over the registration of a Java class.
type codecUser struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

func (codecUser) JavaClassName() string { return "org.pulse.codectest.User" }

func registerCodecTypes() { hessian2.Register(&codecUser{}) }

const greetings = "org.apache.dubbo.samples.api.GreetingsService"

func sayHi() *Invocation {
	return &Invocation{
		DubboVersion:   DefaultDubboVersion,
		Path:           greetings,
		Version:        "0.0.0",
		Method:         "sayHi",
		ParameterTypes: []string{"Ljava/lang/String;"},
		Arguments:      []any{"pulse"},
		Attachments:    map[string]any{"path": greetings},
	}
}

func hexOf(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		x, err := hex.DecodeString(strings.ReplaceAll(p, " ", ""))
		if err != nil {
			panic(err)
		}
		b = append(b, x...)
	}
	return b
}

func str(s string) string { return hex.EncodeToString(hessian2.AppendString(nil, s)) }

// The sayHi body derived by hand: five short strings, the argument and a
// one-entry untyped map.
func TestEncodeRequestKnownBytes(t *testing.T) {
	want := hexOf(
		"05", hex.EncodeToString([]byte("2.0.2")),
		"30 2d", hex.EncodeToString([]byte(greetings)), // 45 chars: 0x30 0x2d
		"05", hex.EncodeToString([]byte("0.0.0")),
		"05", hex.EncodeToString([]byte("sayHi")),
		"12", hex.EncodeToString([]byte("Ljava/lang/String;")),
		"05", hex.EncodeToString([]byte("pulse")),
		"48", "04", hex.EncodeToString([]byte("path")), "30 2d", hex.EncodeToString([]byte(greetings)), "5a",
	)
	got, err := EncodeRequest([]byte("HDR"), sayHi())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[3:], want) || string(got[:3]) != "HDR" {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	registerCodecTypes()
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	n := int32(7)
	cases := []struct {
		name      string
		inv       *Invocation
		wantTypes []string
		wantArgs  []any
	}{
		{"sayHi", sayHi(), []string{"Ljava/lang/String;"}, []any{"pulse"}},
		{"no arguments", &Invocation{Path: "p", Method: "ping"}, nil, nil},
		{"derived descriptors", &Invocation{Path: "p", Method: "m", Arguments: []any{"s", int32(1), int64(2), true, 1.5, []byte{9}, &n, (*int64)(nil), reg}},
			[]string{"Ljava/lang/String;", "I", "J", "Z", "D", "[B", "Ljava/lang/Integer;", "Ljava/lang/Long;", "Ljava/util/Date;"},
			[]any{"s", int32(1), int64(2), true, 1.5, []byte{9}, int32(7), nil, reg}},
		{"pojo, list and map", &Invocation{Path: "p", Method: "m", Arguments: []any{&codecUser{ID: "u1", Age: 36, Registered: reg}, []any{"a"}, map[string]any{"k": int32(1)}}},
			[]string{"Lorg/pulse/codectest/User;", "Ljava/util/List;", "Ljava/util/Map;"},
			[]any{&codecUser{ID: "u1", Age: 36, Registered: reg}, []any{"a"}, map[any]any{"k": int32(1)}}},
		{"java type override", &Invocation{Path: "p", Method: "m", Arguments: []any{As("int", 5), As("java.lang.Long", int32(6)), As("double", 2), As("java.lang.String", nil)}},
			[]string{"I", "Ljava/lang/Long;", "D", "Ljava/lang/String;"},
			[]any{int32(5), int64(6), float64(2), nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeRequest(nil, c.inv)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRequest(b)
			if err != nil {
				t.Fatal(err)
			}
			wantVersion := c.inv.DubboVersion
			if wantVersion == "" {
				wantVersion = DefaultDubboVersion
			}
			if got.DubboVersion != wantVersion || got.Path != c.inv.Path || got.Version != c.inv.Version || got.Method != c.inv.Method {
				t.Fatalf("header fields: %+v", got)
			}
			if !reflect.DeepEqual(got.ParameterTypes, c.wantTypes) {
				t.Fatalf("types %q, want %q", got.ParameterTypes, c.wantTypes)
			}
			if len(got.Arguments) != len(c.wantArgs) {
				t.Fatalf("args %#v", got.Arguments)
			}
			for i := range c.wantArgs {
				if !sameValue(got.Arguments[i], c.wantArgs[i]) {
					t.Fatalf("arg %d = %#v, want %#v", i, got.Arguments[i], c.wantArgs[i])
				}
			}
			wantAtt := c.inv.Attachments
			if wantAtt == nil {
				wantAtt = map[string]any{}
			}
			if !reflect.DeepEqual(got.Attachments, wantAtt) {
				t.Fatalf("attachments %v", got.Attachments)
			}
		})
	}
}

func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	if ua, ok := a.(*codecUser); ok {
		ub, ok := b.(*codecUser)
		return ok && ua.ID == ub.ID && ua.Age == ub.Age && ua.Registered.Equal(ub.Registered)
	}
	return reflect.DeepEqual(a, b)
}

func TestEncodeRequestErrors(t *testing.T) {
	var ee *EncodeError
	_, err := EncodeRequest(nil, &Invocation{Method: "m", Arguments: []any{nil}})
	if !errors.As(err, &ee) || !errors.Is(err, ErrBadDescriptor) {
		t.Fatalf("untyped nil: %v", err)
	}
	_, err = EncodeRequest(nil, &Invocation{Method: "m", ParameterTypes: []string{"I", "J"}, Arguments: []any{int32(1)}})
	if !errors.As(err, &ee) {
		t.Fatalf("type count mismatch: %v", err)
	}
	_, err = EncodeRequest(nil, &Invocation{Method: "m", ParameterTypes: []string{"Ljava/lang/Object;"}, Arguments: []any{make(chan int)}})
	if !errors.As(err, &ee) {
		t.Fatalf("unencodable argument: %v", err)
	}
}

func TestDecodeRequestMissingAttachments(t *testing.T) {
	b, _ := EncodeRequest(nil, sayHi())
	cut := bytes.LastIndexByte(b, 'H')
	inv, err := DecodeRequest(b[:cut])
	if err != nil || inv.Attachments != nil || inv.Arguments[0] != "pulse" {
		t.Fatalf("%+v %v", inv, err)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	good, _ := EncodeRequest(nil, sayHi())
	cases := []struct {
		name string
		body []byte
		opts []DecodeOption
		is   error
	}{
		{"empty", nil, nil, hessian2.ErrMalformed},
		{"lone 0x48", []byte{0x48}, nil, hessian2.ErrMalformed},
		{"truncated", good[:len(good)-3], nil, hessian2.ErrMalformed},
		{"over payload", good, []DecodeOption{WithPayloadLimit(10)}, ErrPayloadTooLarge},
		{"bad descriptor", hexOf(str("2.0.2"), str("p"), str(""), str("m"), str("Q"), "4e"), nil, ErrBadDescriptor},
		{"unterminated class", hexOf(str("2.0.2"), str("p"), str(""), str("m"), str("Ljava/lang/String"), "4e"), nil, ErrBadDescriptor},
		{"more parameters than bytes", hexOf(str("2.0.2"), str("p"), str(""), str("m"), str(strings.Repeat("I", 30))), nil, nil},
		{"path is an int", hexOf(str("2.0.2"), "90"), nil, hessian2.ErrMalformed},
		{"attachments not a map", append(bytes.Clone(good[:bytes.LastIndexByte(good, 'H')]), 0x90), nil, hessian2.ErrMalformed},
		{"attachment key not a string", append(bytes.Clone(good[:bytes.LastIndexByte(good, 'H')]), 'H', 0x90, 0x90, 'Z'), nil, hessian2.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeRequest(c.body, c.opts...)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("err = %v, want %v", err, c.is)
			}
		})
	}
	if _, err := DecodeRequest(good, WithPayloadLimit(0)); err != nil {
		t.Fatalf("no limit: %v", err)
	}
}

func TestSupportsResponseAttachments(t *testing.T) {
	for v, want := range map[string]bool{
		"2.0.2": true, "2.0.99": true, "2.0.10": true, "2.0.2.0": true,
		"2.0.1": false, "2.0.100": false, "2.0.0": false, "2.6.5": false, "2.7.23": false, "3.3.0": false,
		"": false, "abc": false, "2.0.2-SNAPSHOT": true, "99999999999.0.2": false,
	} {
		if got := SupportsResponseAttachments(v); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

func TestResponseFlagsByPeerVersion(t *testing.T) {
	cases := []struct {
		res          *Result
		peer         string
		kind         ResultKind
		wantAttached bool
	}{
		{&Result{Value: "hi"}, "2.0.2", ResultValueWithAttachments, true},
		{&Result{Value: "hi"}, "2.0.0", ResultValue, false},
		{&Result{}, "2.0.2", ResultNullValueWithAttachments, true},
		{&Result{Value: (*codecUser)(nil)}, "2.6.5", ResultNullValue, false},
		{&Result{Exception: errors.New("boom")}, "2.0.2", ResultExceptionWithAttachments, true},
		{&Result{Exception: errors.New("boom")}, "", ResultException, false},
	}
	for _, c := range cases {
		b, err := EncodeResponse(nil, c.res, c.peer)
		if err != nil {
			t.Fatal(err)
		}
		if ResultKind(b[0]-0x90) != c.kind {
			t.Errorf("%+v to %q: flag % x, want %d", c.res, c.peer, b[0], c.kind)
		}
		got, err := DecodeResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != c.kind || (got.Attachments["dubbo"] == DefaultDubboVersion) != c.wantAttached {
			t.Errorf("%+v to %q: decoded %+v", c.res, c.peer, got)
		}
	}
}

// Bodies for all six flags, derived by hand, plus dubbo-go's trailing null.
func TestDecodeResponseAllFlags(t *testing.T) {
	att := "48" + str("dubbo") + str("2.0.2") + "5a"
	exc := hex.EncodeToString(exceptionBytes("java.lang.IllegalStateException", "bad"))
	cases := []struct {
		name     string
		body     []byte
		kind     ResultKind
		value    any
		exc      string
		attached bool
	}{
		{"0 exception", hexOf("90", exc), ResultException, nil, "java.lang.IllegalStateException: bad", false},
		{"1 value", hexOf("91", str("hi")), ResultValue, "hi", "", false},
		{"2 null", hexOf("92"), ResultNullValue, nil, "", false},
		{"3 exception+att", hexOf("93", exc, att), ResultExceptionWithAttachments, nil, "java.lang.IllegalStateException: bad", true},
		{"4 value+att", hexOf("94", "95", att), ResultValueWithAttachments, int32(5), "", true},
		{"5 null+att", hexOf("95", att), ResultNullValueWithAttachments, nil, "", true},
		{"1 value + dubbo-go trailing null", hexOf("91", str("hi"), "4e"), ResultValue, "hi", "", false},
		{"2 null + dubbo-go trailing null", hexOf("92", "4e"), ResultNullValue, nil, "", false},
		{"4 value+att + trailing null", hexOf("94", str("hi"), att, "4e"), ResultValueWithAttachments, "hi", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := DecodeResponse(c.body)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != c.kind || !reflect.DeepEqual(r.Value, c.value) {
				t.Fatalf("got %+v", r)
			}
			if (r.Exception == nil) != (c.exc == "") || (r.Exception != nil && r.Exception.Error() != c.exc) {
				t.Fatalf("exception %v, want %q", r.Exception, c.exc)
			}
			if (r.Attachments["dubbo"] == "2.0.2") != c.attached {
				t.Fatalf("attachments %v", r.Attachments)
			}
		})
	}
}

// exceptionBytes writes an exception as Java does: fields in reverse
// declaration order, cause a back-reference to itself, empty stack trace.
func exceptionBytes(class, msg string) []byte {
	b := []byte{'C'}
	b = hessian2.AppendString(b, class)
	b = hessian2.AppendInt(b, 4)
	for _, f := range []string{"suppressedExceptions", "stackTrace", "cause", "detailMessage"} {
		b = hessian2.AppendString(b, f)
	}
	b = append(b, 0x60, 0x70)
	b = hessian2.AppendString(b, "java.util.Collections$EmptyList")
	b = append(b, 0x70)
	b = hessian2.AppendString(b, "[java.lang.StackTraceElement")
	b = append(b, 'Q', 0x90)
	return hessian2.AppendString(b, msg)
}

func TestDecodeResponseErrors(t *testing.T) {
	cases := []struct {
		name string
		body []byte
		is   error
	}{
		{"empty", nil, hessian2.ErrMalformed},
		{"flag 6", []byte{0x96}, ErrUnknownResultFlag},
		{"flag -1", []byte{0x8f}, ErrUnknownResultFlag},
		{"flag is a string", hexOf(str("1")), hessian2.ErrMalformed},
		{"value missing", []byte{0x91}, hessian2.ErrMalformed},
		{"attachments missing", []byte{0x95}, hessian2.ErrMalformed},
		{"lone 0x48 as value", []byte{0x91, 0x48}, hessian2.ErrMalformed},
		{"truncated exception", hexOf("90", hex.EncodeToString(exceptionBytes("a.B", "m"))[:40]), hessian2.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeResponse(c.body)
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, c.is) {
				t.Fatalf("err = %v, want *DecodeError wrapping %v", err, c.is)
			}
		})
	}
}

type notFoundError struct{ id string }

func (e notFoundError) Error() string         { return "no user " + e.id }
func (e notFoundError) JavaClassName() string { return "java.lang.IllegalArgumentException" }

func TestExceptionRoundTrip(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		class     string
		msg       string
		causeText string
	}{
		{"plain go error", errors.New("boom"), "java.lang.RuntimeException", "boom", ""},
		{"error naming its class", notFoundError{"missing"}, "java.lang.IllegalArgumentException", "no user missing", ""},
		{"wrapped naming error", errors.Join(notFoundError{"x"}), "java.lang.IllegalArgumentException", "no user x", ""},
		{"unknown class with cause", &JavaException{JavaClass: "com.example.StoreException", Message: "down",
			Cause: &JavaException{JavaClass: "java.io.IOException", Message: "reset"}}, "com.example.StoreException", "down", "java.io.IOException: reset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeResponse(nil, &Result{Exception: c.err}, "2.0.2")
			if err != nil {
				t.Fatal(err)
			}
			r, err := DecodeResponse(b)
			if err != nil {
				t.Fatal(err)
			}
			var je *JavaException
			if !errors.As(r.Exception, &je) {
				t.Fatalf("exception %T", r.Exception)
			}
			if je.JavaClass != c.class || je.Message != c.msg {
				t.Fatalf("got %q %q", je.JavaClass, je.Message)
			}
			if c.causeText != "" && (je.Cause == nil || je.Cause.Error() != c.causeText) {
				t.Fatalf("cause %v", je.Cause)
			}
			if c.causeText != "" {
				var inner *JavaException
				if !errors.As(errors.Unwrap(je), &inner) || inner.JavaClass != "java.io.IOException" {
					t.Fatalf("errors.As down the chain: %v", inner)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	msg := "Not found exported service: org.apache.dubbo.samples.api.MissingService:20880"
	b := EncodeErrorMessage([]byte{1}, msg)
	if !bytes.Equal(b[1:], hexOf("30 4d", hex.EncodeToString([]byte(msg)))) {
		t.Fatalf("% x", b)
	}
	got, err := DecodeErrorMessage(b[1:])
	if err != nil || got != msg {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := DecodeErrorMessage([]byte{'N'}); err != nil || got != "" {
		t.Fatalf("null message: %q %v", got, err)
	}
	var de *DecodeError
	if _, err := DecodeErrorMessage([]byte{0x90}); !errors.As(err, &de) {
		t.Fatalf("int message: %v", err)
	}
}

func TestResponseValueTypes(t *testing.T) {
	registerCodecTypes()
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, v := range []any{"hi", int32(1), int64(1 << 40), true, 2.5, reg, []any{"a", nil}, &codecUser{ID: "u1", Registered: reg}, As("int", 9)} {
		b, err := EncodeResponse(nil, &Result{Value: v, Attachments: map[string]any{"k": "v"}}, "2.0.2")
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		want := v
		if jt, ok := v.(JavaType); ok {
			want = int32(jt.Value.(int))
		}
		if !sameValue(r.Value, want) || r.Attachments["k"] != "v" {
			t.Fatalf("%#v -> %#v %v", v, r.Value, r.Attachments)
		}
	}
}

func TestCodecErrorTextWithoutCause(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&DecodeError{Part: "path"}, "dubbo: decode path"},
		{&EncodeError{Part: "value"}, "dubbo: encode value"},
		{&DecodeError{Part: "path", Err: ErrPayloadTooLarge}, "dubbo: decode path: " + ErrPayloadTooLarge.Error()},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// TestInternedStrings: with WithInterned, the strings of the table (a
// provider's service and method names) decode to its shared copies: fewer
// allocations, same values.
func TestInternedStrings(t *testing.T) {
	const path = "org.example.some.quite.long.ServiceInterfaceName"
	inv := &Invocation{Path: path, Version: "1.2.3", Method: "doSomethingUseful",
		ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{"arg"},
		Attachments: map[string]any{"path": path, "interface": path, "version": "1.2.3", "timeout": "1000"}}
	body, err := EncodeRequest(nil, inv)
	if err != nil {
		t.Fatal(err)
	}
	table := NewInterned(path, "1.2.3", "doSomethingUseful")
	opts := []DecodeOption{WithPayloadLimit(1 << 20), WithInterned(table)}
	got, err := DecodeRequest(body, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != path || got.Method != inv.Method || got.Version != "1.2.3" || got.Attachments["interface"] != path ||
		got.Arguments[0] != "arg" {
		t.Fatalf("decoded %+v", got)
	}
	plain := testing.AllocsPerRun(100, func() { DecodeRequest(body) })
	shared := testing.AllocsPerRun(100, func() { DecodeRequest(body, opts...) })
	// path x3, version x2, method, and the boxing of two attachment values.
	if plain-shared < 6 {
		t.Errorf("allocations: %v without the table, %v with it", plain, shared)
	}
}
