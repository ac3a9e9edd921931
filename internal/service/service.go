package service

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Describer returns the JVM descriptor ("Ljava/lang/String;", "I", "[J") of
// a Go parameter type, or an error when the type cannot travel.
type Describer func(t reflect.Type) (string, error)

// Options shape a method table.
type Options struct {
	// Names maps Go method names to Java method names where the default
	// (first letter lower-cased) is wrong.
	Names map[string]string
	// Types overrides the JVM descriptors of a Go method's parameters (one
	// per parameter, context excluded), keyed by Go method name.
	Types map[string][]string
	// Exclude lists exported Go methods that are not part of the service.
	Exclude []string
	// Describe maps parameter types to JVM descriptors. Required.
	Describe Describer
}

// RegistrationError says why a service cannot be registered.
type RegistrationError struct {
	Service string // the Java interface name
	Type    string // the Go type of the implementation
	Method  string // the Go method at fault, if one is
	Reason  string
}

func (e *RegistrationError) Error() string {
	if e.Method == "" {
		return fmt.Sprintf("pulse: cannot register %s (%s): %s", e.Service, e.Type, e.Reason)
	}
	return fmt.Sprintf("pulse: cannot register %s: method %s of %s: %s", e.Service, e.Method, e.Type, e.Reason)
}

// Method is one served method.
type Method struct {
	GoName     string
	JavaName   string
	ParamTypes []reflect.Type // context excluded
	ParamDescs []string       // one JVM descriptor per parameter
	Result     reflect.Type   // nil when the method returns only an error or nothing
	hasCtx     bool
	hasErr     bool
	fn         reflect.Value // the method's func, receiver first: no method value to make per call
	recv       reflect.Value
}

// Descriptor is the concatenated JVM descriptor as the wire carries it.
func (m *Method) Descriptor() string { return strings.Join(m.ParamDescs, "") }

// Service is the method table of one registered implementation.
type Service struct {
	Name    string // Java interface name
	Type    string // Go type of the implementation, for messages
	byName  map[string][]*Method
	methods []*Method
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// New builds the method table of impl, served as the Java interface name.
func New(name string, impl any, opts Options) (*Service, error) {
	typeName := fmt.Sprintf("%T", impl)
	fail := func(method, format string, args ...any) error {
		return &RegistrationError{Service: name, Type: typeName, Method: method, Reason: fmt.Sprintf(format, args...)}
	}
	if name == "" {
		return nil, fail("", "empty interface name")
	}
	if impl == nil {
		return nil, fail("", "nil implementation")
	}
	if opts.Describe == nil {
		return nil, fail("", "no Describer")
	}
	v := reflect.ValueOf(impl)
	t := v.Type()
	if t.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fail("", "nil implementation")
	}
	excluded := map[string]bool{}
	for _, n := range opts.Exclude {
		if _, ok := t.MethodByName(n); !ok {
			return nil, fail(n, "excluded but %s has no exported method %s", typeName, n)
		}
		excluded[n] = true
	}
	for goName := range opts.Names {
		if _, ok := t.MethodByName(goName); !ok {
			return nil, fail(goName, "a name mapping names it but %s", missingMethod(t, goName))
		}
	}
	for goName := range opts.Types {
		if _, ok := t.MethodByName(goName); !ok {
			return nil, fail(goName, "parameter types name it but %s", missingMethod(t, goName))
		}
	}

	s := &Service{Name: name, Type: typeName, byName: map[string][]*Method{}}
	for i := 0; i < t.NumMethod(); i++ {
		rm := t.Method(i)
		if excluded[rm.Name] {
			continue
		}
		m, err := newMethod(rm, v.Method(i).Type(), opts)
		if err != nil {
			return nil, fail(rm.Name, "%v", err)
		}
		m.recv = v
		for _, other := range s.byName[m.JavaName] {
			if other.Descriptor() == m.Descriptor() {
				return nil, fail(rm.Name, "Java method %s(%s) is already answered by %s; give one of them another name or other parameter types",
					m.JavaName, m.Descriptor(), other.GoName)
			}
		}
		s.byName[m.JavaName] = append(s.byName[m.JavaName], m)
		s.methods = append(s.methods, m)
	}
	if len(s.methods) == 0 {
		hint := ""
		if t.Kind() != reflect.Pointer && reflect.PointerTo(t).NumMethod() > 0 {
			hint = fmt.Sprintf(" (its methods have pointer receivers: register a *%s)", t)
		}
		return nil, fail("", "no exported methods%s", hint)
	}
	return s, nil
}

func missingMethod(t reflect.Type, goName string) string {
	r, _ := utf8.DecodeRuneInString(goName)
	if unicode.IsLower(r) {
		return fmt.Sprintf("%s is unexported and cannot be served (export it and map the Java name)", goName)
	}
	return fmt.Sprintf("%s has no exported method %s", t, goName)
}

func newMethod(rm reflect.Method, ft reflect.Type, opts Options) (*Method, error) {
	// ft is without the receiver
	m := &Method{GoName: rm.Name, JavaName: javaName(rm.Name), fn: rm.Func}
	if n, ok := opts.Names[rm.Name]; ok {
		if n == "" {
			return nil, errors.New("mapped to an empty Java name")
		}
		m.JavaName = n
	}
	if ft.IsVariadic() {
		return nil, errors.New("variadic methods cannot be served (Java has no such parameter)")
	}
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == ctxType {
		m.hasCtx = true
		first = 1
	}
	override, hasOverride := opts.Types[rm.Name]
	if hasOverride && len(override) != ft.NumIn()-first {
		return nil, fmt.Errorf("%d parameter types given for %d parameters", len(override), ft.NumIn()-first)
	}
	for i := first; i < ft.NumIn(); i++ {
		pt := ft.In(i)
		if pt == ctxType {
			return nil, fmt.Errorf("context.Context must be the first parameter")
		}
		if err := checkType(pt); err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i-first+1, err)
		}
		var desc string
		if hasOverride {
			desc = override[i-first]
		} else {
			d, err := opts.Describe(pt)
			if err != nil {
				return nil, fmt.Errorf("parameter %d (%s): %w", i-first+1, pt, err)
			}
			desc = d
		}
		m.ParamTypes = append(m.ParamTypes, pt)
		m.ParamDescs = append(m.ParamDescs, desc)
	}
	switch ft.NumOut() {
	case 0:
	case 1:
		if ft.Out(0) == errType {
			m.hasErr = true
		} else {
			m.Result = ft.Out(0)
		}
	case 2:
		if ft.Out(1) != errType {
			return nil, fmt.Errorf("second result is %s; it must be error", ft.Out(1))
		}
		m.Result, m.hasErr = ft.Out(0), true
	default:
		return nil, fmt.Errorf("%d results; at most a value and an error", ft.NumOut())
	}
	if m.Result != nil {
		if err := checkType(m.Result); err != nil {
			return nil, fmt.Errorf("result: %w", err)
		}
	}
	return m, nil
}

// checkType refuses types that can never travel in a hessian2 body.
func checkType(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128, reflect.Uintptr:
		return fmt.Errorf("type %s cannot travel in a Dubbo call", t)
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return checkType(t.Elem())
	case reflect.Map:
		if err := checkType(t.Key()); err != nil {
			return err
		}
		return checkType(t.Elem())
	}
	return nil
}

// javaName lower-cases the first letter: SayHi -> sayHi, ID -> iD as Java
// bean rules would not, so acronyms need an explicit mapping.
func javaName(goName string) string {
	r, size := utf8.DecodeRuneInString(goName)
	return string(unicode.ToLower(r)) + goName[size:]
}

// Methods lists the Java method names, sorted and without repeats, as the
// provider URL's methods parameter wants them.
func (s *Service) Methods() []string {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All returns every served method in Go declaration order.
func (s *Service) All() []*Method { return s.methods }

// ErrUnknownMethod matches (errors.Is) every LookupError.
var ErrUnknownMethod = errors.New("unknown method")

// LookupError is a call to a method the service does not have.
type LookupError struct {
	Service, Method, Descriptor string
	Known                       []string // descriptors of the overloads with that name
}

func (e *LookupError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no method %s in service %s", e.Method, e.Service)
	}
	return fmt.Sprintf("no method %s(%s) in service %s (have %s)", e.Method, e.Descriptor, e.Service,
		strings.Join(e.Known, ", "))
}

// Is makes errors.Is(err, ErrUnknownMethod) true.
func (e *LookupError) Is(target error) bool { return target == ErrUnknownMethod }

// Lookup finds the method for a Java name and concatenated descriptor, with
// nargs arguments on the wire.
func (s *Service) Lookup(name, descriptor string, nargs int) (*Method, error) {
	cands := s.byName[name]
	for _, m := range cands {
		if m.Descriptor() == descriptor {
			return m, nil
		}
	}
	var byCount *Method
	n := 0
	for _, m := range cands {
		if len(m.ParamTypes) == nargs {
			byCount = m
			n++
		}
	}
	if n == 1 {
		return byCount, nil
	}
	e := &LookupError{Service: s.Name, Method: name, Descriptor: descriptor}
	for _, m := range cands {
		e.Known = append(e.Known, name+"("+m.Descriptor()+")")
	}
	return nil, e
}

// Overloads returns the methods with a Java name.
func (s *Service) Overloads(name string) []*Method { return s.byName[name] }
