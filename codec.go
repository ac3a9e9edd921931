package pulse

import (
	"reflect"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

var (
	typeOfStrings = reflect.TypeFor[[]string]()
	typeOfAnys    = reflect.TypeFor[[]any]()
	typeOfPOJO    = reflect.TypeFor[hessian2.POJO]()
	typeOfEnum    = reflect.TypeFor[hessian2.POJOEnum]()
)

// registerPOJOs makes every struct reachable from t that names its Java
// class (JavaClassName) known to hessian2, so that it is written with that
// class name and decoded back into the Go type. Done once per Register and
// Refer, never per call.
func registerPOJOs(t reflect.Type) {
	walkPOJOs(t, map[reflect.Type]bool{})
}

func walkPOJOs(t reflect.Type, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		walkPOJOs(t.Elem(), seen)
		return
	case reflect.Map:
		walkPOJOs(t.Key(), seen)
		walkPOJOs(t.Elem(), seen)
		return
	case reflect.Struct:
	default:
		if t.Implements(typeOfEnum) {
			hessian2.RegisterEnum(reflect.Zero(t).Interface().(hessian2.POJOEnum))
		}
		return
	}
	switch {
	case t.Implements(typeOfPOJO):
		hessian2.Register(reflect.Zero(t).Interface().(hessian2.POJO))
	case reflect.PointerTo(t).Implements(typeOfPOJO):
		hessian2.Register(reflect.New(t).Interface().(hessian2.POJO))
	}
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			walkPOJOs(f.Type, seen)
		}
	}
}

// describe is the JVM descriptor of a Go parameter type, by the wire
// layer's mapping (dubbo.Descriptor), computed once per method.
func describe(t reflect.Type) (string, error) {
	switch t.Kind() {
	case reflect.Interface:
		return "Ljava/lang/Object;", nil
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Struct {
			// A non-nil pointer: JavaClassName may have a value receiver.
			return dubbo.Descriptor(reflect.New(t.Elem()).Interface())
		}
	}
	return dubbo.Descriptor(reflect.Zero(t).Interface())
}

// typeDescriptor is the JVM descriptor of a Java type name ("int",
// "java.lang.String", "long[]") or of a descriptor itself.
func typeDescriptor(javaType string) (string, error) {
	return dubbo.Descriptor(dubbo.As(javaType, nil))
}

// genericMethod returns the target method of a $invoke call.
// calledMethod is the method a call is for: the one a generic call names,
// else the invocation's own.
func calledMethod(inv *dubbo.Invocation) string {
	if g, ok := genericMethod(inv); ok {
		return g
	}
	return inv.Method
}

func genericMethod(inv *dubbo.Invocation) (string, bool) {
	if inv.Method != dubbo.GenericMethod && inv.Method != dubbo.GenericAsyncMethod {
		return "", false
	}
	if len(inv.Arguments) > 0 {
		if m, ok := inv.Arguments[0].(string); ok {
			return m, true
		}
	}
	return "", false
}
