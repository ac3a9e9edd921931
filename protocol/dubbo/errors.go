package dubbo

import (
	"errors"
	"reflect"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// ErrPayloadTooLarge is matched (errors.Is) by a DecodeError for a body over
// the payload limit.
var ErrPayloadTooLarge = errors.New("dubbo: body larger than the payload limit")

// ErrUnknownResultFlag is matched by a DecodeError for a response whose flag
// is not one of the six Java writes.
var ErrUnknownResultFlag = errors.New("dubbo: unknown result flag, expect '0' '1' '2' '3' '4' '5'")

// ErrBadDescriptor is matched by errors about JVM parameter descriptors.
var ErrBadDescriptor = errors.New("dubbo: bad parameter descriptor")

// DecodeError is a body that cannot be read. Part says which field failed
// ("path", "argument 1", "attachments", "result flag", ...). The cause is a
// *hessian2.DecodeError, ErrPayloadTooLarge, ErrUnknownResultFlag or
// ErrBadDescriptor.
type DecodeError struct {
	Part string
	Err  error
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return "dubbo: decode " + e.Part
	}
	return "dubbo: decode " + e.Part + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError is an invocation or result that cannot be written.
type EncodeError struct {
	Part string
	Err  error
}

func (e *EncodeError) Error() string {
	if e.Err == nil {
		return "dubbo: encode " + e.Part
	}
	return "dubbo: encode " + e.Part + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *EncodeError) Unwrap() error { return e.Err }

// DefaultExceptionClass is the Java class a Go error travels as when it does
// not name one.
const DefaultExceptionClass = "java.lang.RuntimeException"

// JavaException is an exception raised by (or for) a Java peer: its class
// name, detail message and cause chain. Decoded results carry one as
// Result.Exception, whatever the class, registered or not.
type JavaException struct {
	JavaClass  string // e.g. "java.lang.IllegalArgumentException"
	Message    string // Throwable.detailMessage
	Cause      *JavaException
	StackTrace []hessian2.StackFrame
	// Fields are the exception's own non-null scalar fields, by Java name
	// (for instance RpcException's "code"). Decoding only.
	Fields map[string]any
}

func (e *JavaException) Error() string {
	switch {
	case e.JavaClass == "" && e.Message == "":
		return "dubbo: exception without class or message"
	case e.JavaClass == "":
		return e.Message
	case e.Message == "":
		return e.JavaClass
	}
	return e.JavaClass + ": " + e.Message
}

// Unwrap returns the cause, so that errors.As finds exceptions down the chain.
func (e *JavaException) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

// JavaClassName returns the exception's class: a *JavaException sent back
// out keeps its class.
func (e *JavaException) JavaClassName() string { return e.JavaClass }

// JavaClassNamer is implemented by Go errors that say which Java exception
// class they should travel as.
type JavaClassNamer interface {
	JavaClassName() string
}

func fromThrowable(t *hessian2.Throwable, depth int) *JavaException {
	if t == nil || depth > 32 {
		return nil
	}
	return &JavaException{
		JavaClass:  t.Class,
		Message:    t.Message,
		Cause:      fromThrowable(t.Cause, depth+1),
		StackTrace: t.StackTrace,
		Fields:     t.Fields,
	}
}

// exceptionObject builds the hessian object fields of err for a Java
// consumer: Throwable's detailMessage, cause, an empty stackTrace and null
// suppressedExceptions.
func exceptionObject(err error, depth int) (class string, fields map[string]any) {
	class = DefaultExceptionClass
	var cause error
	var je *JavaException
	switch {
	case errors.As(err, &je) && je == err:
		if je.JavaClass != "" {
			class = je.JavaClass
		}
		if je.Cause != nil {
			cause = je.Cause
		}
	default:
		var n JavaClassNamer
		if errors.As(err, &n) && n.JavaClassName() != "" {
			class = n.JavaClassName()
		}
	}
	msg := err.Error()
	if je != nil && je == err {
		msg = je.Message
	}
	fields = map[string]any{
		"detailMessage":        msg,
		"stackTrace":           hessian2.EmptyStackTrace(),
		"suppressedExceptions": nil,
		"cause":                nil,
	}
	if cause != nil && depth < 8 {
		cc, cf := exceptionObject(cause, depth+1)
		cf["_class"] = cc
		fields["cause"] = cf
	}
	return class, fields
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}
