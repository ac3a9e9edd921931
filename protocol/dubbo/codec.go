package dubbo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// DefaultPayloadLimit is Java Dubbo's default `payload`: 8 MiB.
const DefaultPayloadLimit = 8 << 20

// DecodeOption tunes DecodeRequest and DecodeResponse. Options are plain
// values: a caller may build its list once and pass it to every call, and
// applying them allocates nothing.
type DecodeOption struct {
	what     byte // which field is set
	n        int
	interned *Interned
}

const (
	optLimit byte = iota + 1
	optDepth
	optInterned
)

type decodeConfig struct {
	limit    int
	maxDepth int
	intern   map[string]any
}

// WithPayloadLimit refuses bodies longer than n bytes (n <= 0: no limit).
// The default is DefaultPayloadLimit.
func WithPayloadLimit(n int) DecodeOption { return DecodeOption{what: optLimit, n: n} }

// WithMaxDepth bounds how deeply lists, maps and objects may nest
// (default hessian2.DefaultMaxDepth).
func WithMaxDepth(n int) DecodeOption { return DecodeOption{what: optDepth, n: n} }

// WithInterned makes the decoder return the shared copies of t's strings
// instead of allocating new ones (nil: the common ones only).
func WithInterned(t *Interned) DecodeOption { return DecodeOption{what: optInterned, interned: t} }

// Interned is a read-only table of strings a decoder returns shared copies
// of: the ones nearly every body carries (Dubbo's version, attachment keys)
// and those given to NewInterned, such as the service and method names a
// provider serves.
type Interned struct{ m map[string]any }

// NewInterned returns a table of the common strings and strs.
func NewInterned(strs ...string) *Interned {
	m := make(map[string]any, len(commonStrings)+len(strs))
	for k, v := range commonStrings {
		m[k] = v
	}
	for _, s := range strs {
		m[s] = s // boxed once here
	}
	return &Interned{m: m}
}

func newDecoder(body []byte, opts []DecodeOption) (*hessian2.Decoder, error) {
	c := decodeConfig{limit: DefaultPayloadLimit, intern: commonStrings}
	for _, o := range opts {
		switch o.what {
		case optLimit:
			c.limit = o.n
		case optDepth:
			c.maxDepth = o.n
		case optInterned:
			if o.interned != nil {
				c.intern = o.interned.m
			}
		}
	}
	if c.limit > 0 && len(body) > c.limit {
		return nil, &DecodeError{Part: "body", Err: fmt.Errorf("%w: %d > %d", ErrPayloadTooLarge, len(body), c.limit)}
	}
	d := hessian2.NewDecoder(body, c.maxDepth)
	d.Intern(c.intern)
	return d, nil
}

// commonStrings are the strings nearly every body carries; decoding them
// returns these shared copies instead of allocating. Read only.
var commonStrings = func() map[string]any {
	m := map[string]any{}
	for _, s := range []string{
		DefaultDubboVersion, "0.0.0", "", "Ljava/lang/String;", GenericDescriptor,
		"dubbo", "path", "interface", "version", "group", "timeout", "token", "generic", "true", "false",
		"remote.application", "application", "async", "id", "3000", "0", "1000", "5000",
	} {
		m[s] = s
	}
	return m
}()

// EncodeRequest appends the request body of inv to dst, as Java's
// DubboCodec.encodeRequestData writes it: dubbo version, path, version,
// method, parameter descriptor, arguments, attachments. An empty
// DubboVersion is written as DefaultDubboVersion. When ParameterTypes is nil
// the descriptors are derived from the arguments (Descriptor); JavaType
// arguments are written as their Value. A []string or []any argument of a
// String[] or Object[] parameter (the generic $invoke's) is written as
// Java's typed list "[string" or "[object". Attachments go out as given.
func EncodeRequest(dst []byte, inv *Invocation) ([]byte, error) {
	if inv == nil {
		return dst, &EncodeError{Part: "invocation", Err: errors.New("nil invocation")}
	}
	if inv.ParameterTypes != nil && len(inv.ParameterTypes) != len(inv.Arguments) {
		return dst, &EncodeError{Part: "parameter types", Err: fmt.Errorf("%d types for %d arguments", len(inv.ParameterTypes), len(inv.Arguments))}
	}
	e := hessian2.NewEncoder(dst)
	defer e.Release()
	version := inv.DubboVersion
	if version == "" {
		version = DefaultDubboVersion
	}
	e.EncodeString(version)
	e.EncodeString(inv.Path)
	e.EncodeString(inv.Version)
	e.EncodeString(inv.Method)
	types := inv.ParameterTypes
	if types == nil && len(inv.Arguments) > 0 {
		var err error
		if types, err = descriptors(inv.Arguments); err != nil {
			return dst, &EncodeError{Part: "parameter types", Err: err}
		}
	}
	switch len(types) {
	case 0:
		e.EncodeString("")
	case 1:
		e.EncodeString(types[0])
	default:
		e.EncodeString(strings.Join(types, ""))
	}
	if hasJavaArray(types, inv.Arguments) {
		// Only strings so far: e.Bytes() is the body, written in place.
		args := hessian2.NewEncoder(nil)
		defer args.Release()
		return encodeArgsWithArrays(e.Bytes(), args, types, inv.Arguments, inv.Attachments)
	}
	for i, a := range inv.Arguments {
		if err := e.Encode(argValue(types[i], a)); err != nil {
			return dst, &EncodeError{Part: fmt.Sprintf("argument %d", i), Err: err}
		}
	}
	if err := e.EncodeFinalMap(inv.Attachments); err != nil {
		return dst, &EncodeError{Part: "attachments", Err: err}
	}
	return e.Bytes(), nil
}

func descriptors(args []any) ([]string, error) {
	types := make([]string, len(args))
	for i, a := range args {
		d, err := Descriptor(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
		types[i] = d
	}
	return types, nil
}

// argValue unwraps a JavaType and converts its value to the width desc needs.
func argValue(desc string, a any) any {
	switch x := a.(type) {
	case JavaType:
		return coerce(desc, x.Value)
	case *JavaType:
		return coerce(desc, x.Value)
	}
	return a
}

// smallCall is the most arguments whose invocation DecodeRequest
// allocates in one piece.
const smallCall = 3

type smallInvocation struct {
	inv   Invocation
	types [smallCall]string
	args  [smallCall]any
}

// DecodeRequest reads a request body as Java's DecodeableRpcInvocation does.
// The body fields are returned as written (attachments are not merged into
// Path or Version). Arguments decode to their natural Go types (see the
// package documentation). Every failure is a *DecodeError.
func DecodeRequest(body []byte, opts ...DecodeOption) (*Invocation, error) {
	d, err := newDecoder(body, opts)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	var head [4]string // dubbo version, path, version, method
	for i, part := range [...]string{"dubbo version", "path", "version", "method"} {
		if head[i], _, err = d.DecodeString(); err != nil {
			return nil, &DecodeError{Part: part, Err: err}
		}
	}
	desc, _, err := d.DecodeString()
	if err != nil {
		return nil, &DecodeError{Part: "parameter types", Err: err}
	}
	n, err := countDescriptors(desc)
	if err != nil {
		return nil, &DecodeError{Part: "parameter types", Err: err}
	}
	if n > d.Remaining() {
		return nil, &DecodeError{Part: "arguments", Err: fmt.Errorf("%d parameters but %d bytes left", n, d.Remaining())}
	}
	var inv *Invocation
	if n <= smallCall {
		// The invocation, its types and arguments in one allocation.
		sc := &smallInvocation{}
		inv = &sc.inv
		if n > 0 {
			inv.ParameterTypes = appendDescriptors(sc.types[:0:n], desc)
			inv.Arguments = sc.args[:n:n]
		}
	} else {
		inv = &Invocation{ParameterTypes: appendDescriptors(make([]string, 0, n), desc), Arguments: make([]any, n)}
	}
	inv.DubboVersion, inv.Path, inv.Version, inv.Method = head[0], head[1], head[2], head[3]
	if n > 0 {
		for i := range inv.Arguments {
			if inv.Arguments[i], err = d.Decode(); err != nil {
				return nil, &DecodeError{Part: fmt.Sprintf("argument %d", i), Err: err}
			}
		}
	}
	if d.Remaining() == 0 {
		return inv, nil // Java treats a missing attachments map as none.
	}
	if inv.Attachments, err = d.DecodeStringMap(); err != nil {
		return nil, &DecodeError{Part: "attachments", Err: err}
	}
	return inv, nil
}

// EncodeResponse appends the body of an OK response to dst, as Java's
// DubboCodec.encodeResponseData writes it for a peer whose request declared
// peerDubboVersion: a result flag, then the exception or value, then, when
// the peer supports response attachments (SupportsResponseAttachments), the
// attachments with dubbo="2.0.2" added. res.Exception, when set, goes out as
// a Java exception: a *JavaException keeps its class, an error with a
// JavaClassName method travels as that class, any other error as
// java.lang.RuntimeException; the detail message is the error's text.
func EncodeResponse(dst []byte, res *Result, peerDubboVersion string) ([]byte, error) {
	if res == nil {
		res = &Result{} // a null value
	}
	attach := SupportsResponseAttachments(peerDubboVersion)
	e := hessian2.NewEncoder(dst)
	defer e.Release()
	switch {
	case res.Exception != nil:
		e.EncodeInt(int32(pick(attach, ResultException, ResultExceptionWithAttachments)))
		class, fields := exceptionObject(res.Exception, 0)
		if err := e.EncodeMapAsObject(class, fields); err != nil {
			return dst, &EncodeError{Part: "exception", Err: err}
		}
	case isNil(res.Value):
		e.EncodeInt(int32(pick(attach, ResultNullValue, ResultNullValueWithAttachments)))
	default:
		e.EncodeInt(int32(pick(attach, ResultValue, ResultValueWithAttachments)))
		v := res.Value
		if jt, ok := v.(JavaType); ok {
			t, err := javaTypeFromName(jt.Type)
			if err != nil {
				return dst, &EncodeError{Part: "value", Err: err}
			}
			v = coerce(t.desc, jt.Value)
		}
		if err := e.Encode(v); err != nil {
			return dst, &EncodeError{Part: "value", Err: err}
		}
	}
	if attach {
		if err := e.EncodeFinalMap(res.Attachments, dubboVersionAttachment...); err != nil {
			return dst, &EncodeError{Part: "attachments", Err: err}
		}
	}
	return e.Bytes(), nil
}

// dubboVersionAttachment is what Java adds to every result's attachments.
// Read only.
var dubboVersionAttachment = []hessian2.KV{{Key: "dubbo", Value: DefaultDubboVersion}}

func pick(attach bool, plain, with ResultKind) ResultKind {
	if attach {
		return with
	}
	return plain
}

// DecodeResponse reads the body of an OK response: any of the six result
// flags, the value or exception, and attachments. Bytes after the body (such
// as the extra null dubbo-go v1.5.9 appends) are ignored, as Java ignores
// them. A Java exception is returned as Result.Exception, a *JavaException,
// not as the error; the error is always a *DecodeError.
func DecodeResponse(body []byte, opts ...DecodeOption) (*Result, error) {
	d, err := newDecoder(body, opts)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	flag, err := d.DecodeInt()
	if err != nil {
		return nil, &DecodeError{Part: "result flag", Err: err}
	}
	kind := ResultKind(flag)
	res := &Result{Kind: kind}
	switch kind {
	case ResultException, ResultExceptionWithAttachments:
		t, err := d.DecodeThrowable()
		if err != nil {
			return nil, &DecodeError{Part: "exception", Err: err}
		}
		if t == nil {
			t = &hessian2.Throwable{Class: "java.lang.Throwable"}
		}
		res.Exception = fromThrowable(t, 0)
	case ResultValue, ResultValueWithAttachments:
		if res.Value, err = d.Decode(); err != nil {
			return nil, &DecodeError{Part: "value", Err: err}
		}
	case ResultNullValue, ResultNullValueWithAttachments:
	default:
		return nil, &DecodeError{Part: "result flag", Err: fmt.Errorf("%w, but get %d", ErrUnknownResultFlag, flag)}
	}
	if kind >= ResultExceptionWithAttachments {
		if res.Attachments, err = d.DecodeStringMap(); err != nil {
			return nil, &DecodeError{Part: "attachments", Err: err}
		}
	}
	return res, nil
}

// EncodeErrorMessage appends the body of a non-OK response: the error text
// as one hessian string (Java's writeUTF).
func EncodeErrorMessage(dst []byte, msg string) []byte {
	return hessian2.AppendString(dst, msg)
}

// DecodeErrorMessage reads the body of a non-OK response (Java's readUTF).
// A null reads as "".
func DecodeErrorMessage(body []byte, opts ...DecodeOption) (string, error) {
	d, err := newDecoder(body, opts)
	if err != nil {
		return "", err
	}
	defer d.Release()
	msg, _, err := d.DecodeString()
	if err != nil {
		return "", &DecodeError{Part: "error message", Err: err}
	}
	return msg, nil
}
