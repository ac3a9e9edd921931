package service

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
)

var background = context.Background()

// ArgumentError is a call whose arguments do not fit the method.
type ArgumentError struct {
	Method string // Java name
	Index  int    // 0-based, -1 for a count mismatch
	Err    error
}

func (e *ArgumentError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("method %s: %v", e.Method, e.Err)
	}
	return fmt.Sprintf("method %s: argument %d: %v", e.Method, e.Index+1, e.Err)
}

func (e *ArgumentError) Unwrap() error { return e.Err }

// PanicError is a method that panicked; the provider answers it as an
// exception instead of dying.
type PanicError struct {
	Method string
	Value  any
	Stack  []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("method %s panicked: %v", e.Method, e.Value) }

// Call converts the decoded arguments to the method's parameter types and
// calls it. The error is the method's own error, an *ArgumentError or a
// *PanicError.
func (m *Method) Call(ctx context.Context, args []any) (result any, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return m.CallCtx(&ctx, args)
}

// CallCtx is Call with the context in a variable that outlives the call:
// handing it to the method then allocates nothing.
func (m *Method) CallCtx(ctx *context.Context, args []any) (result any, err error) {
	if len(args) != len(m.ParamTypes) {
		return nil, &ArgumentError{Method: m.JavaName, Index: -1,
			Err: fmt.Errorf("%d arguments for %d parameters", len(args), len(m.ParamTypes))}
	}
	var buf [8]reflect.Value // on the stack: Call does not keep in
	in := buf[:0]
	if len(args)+2 > len(buf) {
		in = make([]reflect.Value, 0, len(args)+2)
	}
	in = append(in, m.recv)
	if m.hasCtx {
		if *ctx == nil {
			in = append(in, reflect.ValueOf(&background).Elem())
		} else {
			in = append(in, reflect.ValueOf(ctx).Elem()) // of type context.Context: passed as is
		}
	}
	for i, a := range args {
		v, err := Convert(a, m.ParamTypes[i])
		if err != nil {
			return nil, &ArgumentError{Method: m.JavaName, Index: i, Err: err}
		}
		in = append(in, v)
	}
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, &PanicError{Method: m.JavaName, Value: r, Stack: debug.Stack()}
		}
	}()
	out := m.fn.Call(in)
	if m.hasErr {
		if e := out[len(out)-1]; !e.IsNil() {
			err = e.Interface().(error)
		}
	}
	if m.Result != nil {
		result = out[0].Interface()
		if isNilPointer(out[0]) {
			result = nil
		}
	}
	return result, err
}

func isNilPointer(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return v.IsNil()
	}
	return false
}
