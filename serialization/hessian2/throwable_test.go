package hessian2

import (
	"testing"
)

func classDefBytes(b []byte, name string, fields ...string) []byte {
	b = append(b, 'C')
	b = AppendString(b, name)
	b = AppendInt(b, int32(len(fields)))
	for _, f := range fields {
		b = AppendString(b, f)
	}
	return b
}

var throwableFields = []string{"detailMessage", "cause", "stackTrace", "suppressedExceptions"}

// javaException builds an exception the way Java's Hessian2Output writes
// one: class definition, object, message, cause (a ref to itself when there
// is none), a StackTraceElement[] and the empty suppressed list.
func javaException(class, msg string, frames int) []byte {
	b := classDefBytes(nil, class, throwableFields...)
	b = append(b, 0x60)
	b = AppendString(b, msg)
	b = append(b, 'Q', 0x90) // cause == this
	b = append(b, 'V')
	b = AppendString(b, "[java.lang.StackTraceElement")
	b = AppendInt(b, int32(frames))
	for i := 0; i < frames; i++ {
		if i == 0 {
			b = classDefBytes(b, "java.lang.StackTraceElement", "declaringClass", "methodName", "fileName", "lineNumber")
		}
		b = append(b, 0x61)
		b = AppendString(b, "org.example.UserServiceImpl")
		b = AppendString(b, "getUser")
		b = AppendString(b, "UserServiceImpl.java")
		b = AppendInt(b, int32(40+i))
	}
	b = append(b, 0x70)
	b = AppendString(b, "java.util.Collections$UnmodifiableRandomAccessList")
	return b
}

func TestDecodeThrowableJavaShape(t *testing.T) {
	b := javaException("java.lang.IllegalArgumentException", "no user missing", 2)
	d := NewDecoder(b, 0)
	defer d.Release()
	th, err := d.DecodeThrowable()
	if err != nil {
		t.Fatal(err)
	}
	if th.Class != "java.lang.IllegalArgumentException" || th.Message != "no user missing" || th.Cause != nil {
		t.Fatalf("got %+v", th)
	}
	if len(th.StackTrace) != 2 || th.StackTrace[1].LineNumber != 41 || th.StackTrace[0].MethodName != "getUser" {
		t.Fatalf("stack %+v", th.StackTrace)
	}
	if d.Remaining() != 0 {
		t.Fatalf("%d bytes left", d.Remaining())
	}
}

func TestDecodeThrowableUnknownClassWithCause(t *testing.T) {
	b := classDefBytes(nil, "com.example.NoSuchUserException", append([]string{"userId"}, throwableFields...)...)
	b = append(b, 0x60)
	b = AppendString(b, "u9")
	b = AppendString(b, "lookup failed")
	// cause: another unknown class, its own cause a ref to itself (#1)
	b = classDefBytes(b, "com.example.StoreDownException", throwableFields...)
	b = append(b, 0x61)
	b = AppendString(b, "store down")
	b = append(b, 'Q', 0x91)
	b = append(b, 0x78) // empty untyped list
	b = append(b, 'N')
	// back in the outer exception
	b = append(b, 0x78, 'N')
	b = append(b, "trailing"...)
	d := NewDecoder(b, 0)
	defer d.Release()
	th, err := d.DecodeThrowable()
	if err != nil {
		t.Fatal(err)
	}
	if th.Class != "com.example.NoSuchUserException" || th.Message != "lookup failed" {
		t.Fatalf("got %+v", th)
	}
	if th.Fields["userId"] != "u9" || len(th.Fields) != 1 {
		t.Fatalf("fields %v", th.Fields)
	}
	if th.Cause == nil || th.Cause.Class != "com.example.StoreDownException" || th.Cause.Message != "store down" {
		t.Fatalf("cause %+v", th.Cause)
	}
	if d.Remaining() != len("trailing") {
		t.Fatalf("%d bytes left", d.Remaining())
	}
}

func TestDecodeThrowableOddValues(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		nil_ bool
		msg  string
	}{
		{[]byte{'N'}, true, ""},
		{AppendString(nil, "plain text"), false, "plain text"},
		{[]byte{0x90}, false, "non-Java exception value"},
	} {
		d := NewDecoder(c.in, 0)
		th, err := d.DecodeThrowable()
		d.Release()
		if err != nil || (th == nil) != c.nil_ || (th != nil && th.Message != c.msg) {
			t.Fatalf("% x: %+v %v", c.in, th, err)
		}
	}
}

// What Go writes for a Java consumer reads back through the same path.
func TestThrowableFromEncoder(t *testing.T) {
	e := NewEncoder(nil)
	defer e.Release()
	err := e.EncodeMapAsObject("java.lang.RuntimeException", map[string]any{
		"detailMessage": "boom", "stackTrace": EmptyStackTrace(), "suppressedExceptions": nil, "cause": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(e.Bytes(), 0)
	defer d.Release()
	th, err := d.DecodeThrowable()
	if err != nil || th.Class != "java.lang.RuntimeException" || th.Message != "boom" || len(th.StackTrace) != 0 {
		t.Fatalf("%+v %v", th, err)
	}
}
