package service

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// describe is a small stand-in for the wire layer's descriptor mapping.
func describe(t reflect.Type) (string, error) {
	switch t.Kind() {
	case reflect.String:
		return "Ljava/lang/String;", nil
	case reflect.Int32:
		return "I", nil
	case reflect.Int, reflect.Int64:
		return "J", nil
	case reflect.Bool:
		return "Z", nil
	case reflect.Slice:
		d, err := describe(t.Elem())
		return "[" + d, err
	case reflect.Map:
		return "Ljava/util/Map;", nil
	case reflect.Pointer, reflect.Struct:
		return "Lorg/apache/dubbo/samples/api/User;", nil
	case reflect.Interface:
		return "Ljava/lang/Object;", nil
	}
	return "", fmt.Errorf("no Java type for %s", t)
}

type user struct {
	ID         string
	Name       string
	Age        int32
	Registered time.Time
}

func (user) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

type greeter struct{}

func (greeter) SayHi(name string) string { return "hi, " + name }
func (greeter) SayHiCtx(ctx context.Context, name string) (string, error) {
	return "ctx " + name, ctx.Err()
}
func (greeter) Ping()                                 {}
func (greeter) Fail() error                           { return errors.New("boom") }
func (greeter) GetUser(id string) (*user, error)      { return &user{ID: id}, nil }
func (greeter) GetUserByAge(age int32) (*user, error) { return &user{Age: age}, nil }
func (greeter) Panic(int32) string                    { panic("oops") }

type withChan struct{}

func (withChan) Stream(c chan int) {}

type twoResults struct{}

func (twoResults) Get() (string, string) { return "", "" }

type variadic struct{}

func (variadic) Log(parts ...string) {}

type ctxLate struct{}

func (ctxLate) Do(name string, ctx context.Context) {}

type ptrOnly struct{}

func (*ptrOnly) Do() {}

type funcResult struct{}

func (funcResult) Make() func() { return nil }

func TestNewMapping(t *testing.T) {
	s, err := New("org.example.Greeter", greeter{}, Options{
		Describe: describe,
		Names:    map[string]string{"SayHiCtx": "sayHello", "GetUserByAge": "getUser"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		java, desc string
		nargs      int
		goName     string
	}{
		{"sayHi", "Ljava/lang/String;", 1, "SayHi"},
		{"sayHello", "Ljava/lang/String;", 1, "SayHiCtx"},
		{"ping", "", 0, "Ping"},
		{"fail", "", 0, "Fail"},
		{"getUser", "Ljava/lang/String;", 1, "GetUser"},
		{"getUser", "I", 1, "GetUserByAge"},
	}
	for _, tt := range tests {
		t.Run(tt.java+"("+tt.desc+")", func(t *testing.T) {
			m, err := s.Lookup(tt.java, tt.desc, tt.nargs)
			if err != nil {
				t.Fatal(err)
			}
			if m.GoName != tt.goName {
				t.Errorf("got %s, want %s", m.GoName, tt.goName)
			}
		})
	}
	want := []string{"fail", "getUser", "panic", "ping", "sayHello", "sayHi"}
	if got := s.Methods(); !reflect.DeepEqual(got, want) {
		t.Errorf("Methods() = %v, want %v", got, want)
	}
}

func TestLookupMisses(t *testing.T) {
	s, err := New("org.example.Greeter", greeter{}, Options{
		Describe: describe,
		Names:    map[string]string{"GetUserByAge": "getUser"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, java, desc string
		nargs            int
		want             string // Go name, or "" for an error
	}{
		{"unknown name", "nope", "", 0, ""},
		{"lenient single overload", "sayHi", "Ljava/lang/Object;", 1, "SayHi"},
		{"wrong arity", "sayHi", "", 0, ""},
		{"ambiguous overloads", "getUser", "J", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.Lookup(tt.java, tt.desc, tt.nargs)
			if tt.want == "" {
				if !errors.Is(err, ErrUnknownMethod) {
					t.Fatalf("got %v, %v; want ErrUnknownMethod", m, err)
				}
				return
			}
			if err != nil || m.GoName != tt.want {
				t.Fatalf("got %v, %v; want %s", m, err, tt.want)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name  string
		impl  any
		opts  Options
		wants []string // substrings of the message
	}{
		{"channel parameter", withChan{}, Options{}, []string{"method Stream", "service.withChan", "chan int"}},
		{"two results", twoResults{}, Options{}, []string{"method Get", "must be error"}},
		{"variadic", variadic{}, Options{}, []string{"method Log", "variadic"}},
		{"late context", ctxLate{}, Options{}, []string{"method Do", "first parameter"}},
		{"pointer receivers", ptrOnly{}, Options{}, []string{"no exported methods", "pointer receivers"}},
		{"func result", funcResult{}, Options{}, []string{"method Make", "cannot travel"}},
		{"unexported mapping", greeter{}, Options{Names: map[string]string{"sayHi": "x"}}, []string{"method sayHi", "unexported"}},
		{"missing mapping", greeter{}, Options{Names: map[string]string{"Nope": "x"}}, []string{"method Nope", "no exported method Nope"}},
		{"duplicate overload", greeter{}, Options{Names: map[string]string{"SayHiCtx": "sayHi"}}, []string{"sayHi(Ljava/lang/String;)", "already answered by SayHi"}},
		{"type count", greeter{}, Options{Types: map[string][]string{"SayHi": {"I", "J"}}}, []string{"method SayHi", "2 parameter types given for 1"}},
		{"nil impl", nil, Options{}, []string{"nil implementation"}},
		{"nil pointer", (*ptrOnly)(nil), Options{}, []string{"nil implementation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Describe = describe
			_, err := New("org.example.Svc", tt.impl, tt.opts)
			var re *RegistrationError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *RegistrationError", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestTypesOverrideAndExclude(t *testing.T) {
	s, err := New("org.example.Greeter", greeter{}, Options{
		Describe: describe,
		Types:    map[string][]string{"GetUserByAge": {"Ljava/lang/Integer;"}},
		Exclude:  []string{"Panic", "SayHiCtx"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Lookup("getUserByAge", "Ljava/lang/Integer;", 1)
	if err != nil || m.GoName != "GetUserByAge" {
		t.Fatalf("got %v, %v", m, err)
	}
	if _, err := s.Lookup("panic", "I", 1); err == nil {
		t.Error("excluded method is served")
	}
}

func TestCall(t *testing.T) {
	s, err := New("org.example.Greeter", greeter{}, Options{Describe: describe})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		java    string
		ctx     context.Context
		args    []any
		want    any
		wantErr string
	}{
		{"value", "sayHi", context.Background(), []any{"pulse"}, "hi, pulse", ""},
		{"context passed", "sayHiCtx", canceled, []any{"x"}, "ctx x", "context canceled"},
		{"nothing", "ping", context.Background(), nil, nil, ""},
		{"error only", "fail", context.Background(), nil, nil, "boom"},
		{"pointer result", "getUser", context.Background(), []any{"u1"}, &user{ID: "u1"}, ""},
		{"int64 narrowed", "getUserByAge", context.Background(), []any{int64(36)}, &user{Age: 36}, ""},
		{"out of range", "getUserByAge", context.Background(), []any{int64(1) << 40}, nil, "argument 1"},
		{"wrong type", "sayHi", context.Background(), []any{int32(1)}, nil, "cannot use int32 as string"},
		{"arity", "sayHi", context.Background(), []any{}, nil, "0 arguments for 1"},
		{"panic", "panic", context.Background(), []any{int32(1)}, nil, "panicked: oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.Overloads(tt.java)[0]
			got, err := m.Call(tt.ctx, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}
