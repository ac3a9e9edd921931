package pulse

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/pulse-rpc/pulse/internal/service"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// A stub is a struct of func fields that Refer fills, once, with functions
// made by reflect.MakeFunc:
//
//	var greetings struct {
//		SayHi func(ctx context.Context, name string) (string, error)
//	}
//
// Each exported func field is one Java method: its name is the field name
// with a lower-case first letter unless the tag says otherwise,
// `pulse:"sayHello"`, and its parameter types come from the Go types unless
// the tag lists Java ones, `pulse:"getUser,types=int"` (separated by ';').
// The first parameter may be a context.Context; the last result must be an
// error; at most one other result.

// stubMethod is what Refer works out once per field.
type stubMethod struct {
	field      string
	javaName   string
	hasCtx     bool
	paramTypes []reflect.Type
	descs      []string
	result     reflect.Type // nil for error-only
}

// invokeFunc makes one call: the root's glue to the cluster/exchange layers.
// inv comes with the method, its parameter types and the arguments.
type invokeFunc func(ctx context.Context, m *stubMethod, inv *dubbo.Invocation) (any, error)

// parseStub checks a stub and works out its methods.
func parseStub(iface string, stub any, describe service.Describer, typeDesc func(string) (string, error)) (reflect.Value, []*stubMethod, error) {
	rv := reflect.ValueOf(stub)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, fmt.Errorf("pulse: Refer %s: stub must be a non-nil pointer to a struct of func fields, not %T", iface, stub)
	}
	sv := rv.Elem()
	st := sv.Type()
	var methods []*stubMethod
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Func {
			continue
		}
		m, err := parseStubMethod(f, describe, typeDesc)
		if err != nil {
			return reflect.Value{}, nil, fmt.Errorf("pulse: Refer %s: field %s of %s: %w", iface, f.Name, st, err)
		}
		methods = append(methods, m)
	}
	if len(methods) == 0 {
		return reflect.Value{}, nil, fmt.Errorf("pulse: Refer %s: %s has no exported func fields", iface, st)
	}
	return sv, methods, nil
}

func parseStubMethod(f reflect.StructField, describe service.Describer, typeDesc func(string) (string, error)) (*stubMethod, error) {
	ft := f.Type
	m := &stubMethod{field: f.Name, javaName: lowerFirst(f.Name)}
	var javaTypes []string
	hasTypes := false
	if tag, ok := f.Tag.Lookup("pulse"); ok {
		name, rest, _ := strings.Cut(tag, ",")
		if name != "" {
			m.javaName = name
		}
		if t, ok := strings.CutPrefix(rest, "types="); ok {
			hasTypes = true
			if t != "" {
				javaTypes = strings.Split(t, ";")
			}
		} else if rest != "" {
			return nil, fmt.Errorf("bad pulse tag %q (want \"name\" or \"name,types=T1;T2\")", tag)
		}
	}
	if ft.IsVariadic() {
		return nil, fmt.Errorf("variadic funcs cannot be called remotely")
	}
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == reflect.TypeFor[context.Context]() {
		m.hasCtx, first = true, 1
	}
	if hasTypes && len(javaTypes) != ft.NumIn()-first {
		return nil, fmt.Errorf("%d Java types in the tag for %d parameters", len(javaTypes), ft.NumIn()-first)
	}
	for i := first; i < ft.NumIn(); i++ {
		pt := ft.In(i)
		var desc string
		var err error
		if hasTypes {
			desc, err = typeDesc(strings.TrimSpace(javaTypes[i-first]))
		} else {
			desc, err = describe(pt)
		}
		if err != nil {
			return nil, fmt.Errorf("parameter %d (%s): %w", i-first+1, pt, err)
		}
		m.paramTypes = append(m.paramTypes, pt)
		m.descs = append(m.descs, desc)
	}
	errType := reflect.TypeFor[error]()
	switch {
	case ft.NumOut() == 1 && ft.Out(0) == errType:
	case ft.NumOut() == 2 && ft.Out(1) == errType:
		m.result = ft.Out(0)
	default:
		return nil, fmt.Errorf("results must be (error) or (T, error), not %s", ft)
	}
	return m, nil
}

// callFrame holds one stub call's invocation, arguments and results in one
// allocation. It is never reused: the invocation may outlive the call
// (failback retries it later), so it is left to the garbage collector.
type callFrame struct {
	inv  dubbo.Invocation
	out  [2]reflect.Value
	args [4]any
}

// fill sets every func field of the stub to a function that calls invoke.
func fill(sv reflect.Value, methods []*stubMethod, invoke invokeFunc) {
	errType := reflect.TypeFor[error]()
	for _, m := range methods {
		field := sv.FieldByName(m.field)
		ft := field.Type()
		zeroErr := reflect.Zero(errType)
		var zeroOut reflect.Value
		if m.result != nil {
			zeroOut = reflect.Zero(m.result)
		}
		fn := reflect.MakeFunc(ft, func(in []reflect.Value) []reflect.Value {
			ctx := context.Background()
			if m.hasCtx {
				if c, ok := in[0].Interface().(context.Context); ok && c != nil {
					ctx = c
				}
				in = in[1:]
			}
			f := new(callFrame)
			args := f.args[:0:len(f.args)]
			if len(in) > len(f.args) {
				args = make([]any, 0, len(in))
			}
			for _, v := range in {
				args = append(args, v.Interface())
			}
			f.inv.Method, f.inv.ParameterTypes, f.inv.Arguments = m.javaName, m.descs, args
			value, err := invoke(ctx, m, &f.inv)
			errV := zeroErr
			if err != nil {
				errV = reflect.ValueOf(&err).Elem()
			}
			if m.result == nil {
				f.out[0] = errV
				return f.out[:1]
			}
			out := zeroOut
			if err == nil && value != nil {
				v, cerr := service.Convert(value, m.result)
				if cerr != nil {
					e := error(&Error{Code: CodeUnknown, Method: m.javaName,
						Message: "cannot read the result: " + cerr.Error(), cause: cerr})
					errV = reflect.ValueOf(&e).Elem()
				} else {
					out = v
				}
			}
			f.out = [2]reflect.Value{out, errV}
			return f.out[:]
		})
		field.Set(fn)
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
