package service

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ConvertError says why a decoded value does not fit a Go type.
type ConvertError struct {
	From string // the decoded value's Go type
	To   reflect.Type
	Why  string
}

func (e *ConvertError) Error() string {
	if e.Why != "" {
		return fmt.Sprintf("cannot use %s as %s: %s", e.From, e.To, e.Why)
	}
	return fmt.Sprintf("cannot use %s as %s", e.From, e.To)
}

var timeType = reflect.TypeFor[time.Time]()

// maxDepth bounds recursion through nested values (cyclic references from a
// hessian stream end here instead of overflowing the stack), and maxNodes
// the values visited in all (hessian back-references can make a small body
// decode to a graph whose expansion is exponential).
const (
	maxDepth = 64
	maxNodes = 1 << 20
)

// Convert turns a value as hessian2 decoded it (int32, int64, float64,
// string, time.Time, []any, map[any]any, registered POJO pointers, nil) into
// a value of type t: numbers are converted with range checks, slices and
// maps element by element, maps into structs field by field (Java generic
// calls send POJOs as maps), pointers added or removed, nil into the zero
// value.
func Convert(v any, t reflect.Type) (reflect.Value, error) {
	budget := maxNodes
	return convert(v, t, 0, &budget)
}

func convert(v any, t reflect.Type, depth int, budget *int) (reflect.Value, error) {
	if depth > maxDepth {
		return reflect.Value{}, &ConvertError{From: fmt.Sprintf("%T", v), To: t, Why: "nested too deep"}
	}
	if *budget--; *budget < 0 {
		return reflect.Value{}, &ConvertError{From: fmt.Sprintf("%T", v), To: t, Why: "too many values"}
	}
	if v == nil {
		return reflect.Zero(t), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Type() == t || (rv.Type().AssignableTo(t) && t.Kind() == reflect.Interface) {
		return rv, nil
	}
	if t.Kind() == reflect.Interface {
		return reflect.Value{}, &ConvertError{From: rv.Type().String(), To: t}
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return reflect.Zero(t), nil
		}
		if t.Kind() != reflect.Pointer {
			return convert(rv.Elem().Interface(), t, depth+1, budget)
		}
	}
	if rv.Kind() == reflect.Interface {
		return convert(rv.Elem().Interface(), t, depth+1, budget)
	}
	bad := func(why string) (reflect.Value, error) {
		return reflect.Value{}, &ConvertError{From: rv.Type().String(), To: t, Why: why}
	}
	switch t.Kind() {
	case reflect.Pointer:
		src := v
		if rv.Kind() == reflect.Pointer {
			src = rv.Elem().Interface()
		}
		e, err := convert(src, t.Elem(), depth+1, budget)
		if err != nil {
			return reflect.Value{}, err
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, nil
	case reflect.Bool:
		if rv.Kind() == reflect.Bool {
			return rv.Convert(t), nil
		}
	case reflect.String:
		if rv.Kind() == reflect.String {
			return rv.Convert(t), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch {
		case rv.CanInt():
			n := rv.Int()
			if reflect.Zero(t).OverflowInt(n) {
				return bad(fmt.Sprintf("%d out of range", n))
			}
			return reflect.ValueOf(n).Convert(t), nil
		case rv.CanUint():
			n := rv.Uint()
			if n > math.MaxInt64 || reflect.Zero(t).OverflowInt(int64(n)) {
				return bad(fmt.Sprintf("%d out of range", n))
			}
			return reflect.ValueOf(int64(n)).Convert(t), nil
		case rv.CanFloat():
			f := rv.Float()
			if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 || reflect.Zero(t).OverflowInt(int64(f)) {
				return bad(fmt.Sprintf("%v is not a whole number in range", f))
			}
			return reflect.ValueOf(int64(f)).Convert(t), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch {
		case rv.CanInt():
			n := rv.Int()
			if n < 0 || reflect.Zero(t).OverflowUint(uint64(n)) {
				return bad(fmt.Sprintf("%d out of range", n))
			}
			return reflect.ValueOf(uint64(n)).Convert(t), nil
		case rv.CanUint():
			n := rv.Uint()
			if reflect.Zero(t).OverflowUint(n) {
				return bad(fmt.Sprintf("%d out of range", n))
			}
			return reflect.ValueOf(n).Convert(t), nil
		}
	case reflect.Float32, reflect.Float64:
		switch {
		case rv.CanFloat():
			return reflect.ValueOf(rv.Float()).Convert(t), nil
		case rv.CanInt():
			return reflect.ValueOf(float64(rv.Int())).Convert(t), nil
		case rv.CanUint():
			return reflect.ValueOf(float64(rv.Uint())).Convert(t), nil
		}
	case reflect.Slice, reflect.Array:
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			break
		}
		if t.Kind() == reflect.Slice && rv.Type().ConvertibleTo(t) && rv.Type().Elem() == t.Elem() {
			return rv.Convert(t), nil
		}
		n := rv.Len()
		var out reflect.Value
		if t.Kind() == reflect.Slice {
			out = reflect.MakeSlice(t, n, n)
		} else {
			if n > t.Len() {
				return bad(fmt.Sprintf("%d elements for an array of %d", n, t.Len()))
			}
			out = reflect.New(t).Elem()
		}
		for i := 0; i < n; i++ {
			e, err := convert(rv.Index(i).Interface(), t.Elem(), depth+1, budget)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("element %d: %w", i, err)
			}
			out.Index(i).Set(e)
		}
		return out, nil
	case reflect.Map:
		if rv.Kind() != reflect.Map {
			break
		}
		out := reflect.MakeMapWithSize(t, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			k, err := convert(iter.Key().Interface(), t.Key(), depth+1, budget)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("map key: %w", err)
			}
			e, err := convert(iter.Value().Interface(), t.Elem(), depth+1, budget)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("map value %v: %w", iter.Key().Interface(), err)
			}
			out.SetMapIndex(k, e)
		}
		return out, nil
	case reflect.Struct:
		if rv.Kind() == reflect.Map {
			return mapToStruct(rv, t, depth, budget)
		}
		if rv.Kind() == reflect.Struct && rv.Type().ConvertibleTo(t) {
			return rv.Convert(t), nil
		}
	}
	return bad("")
}

// mapToStruct fills a struct from a map keyed by Java field names (the
// hessian tag, else the Go name with a lower-case first letter, else the Go
// name). The "class" key Java's generic calls add is ignored.
func mapToStruct(m reflect.Value, t reflect.Type, depth int, budget *int) (reflect.Value, error) {
	out := reflect.New(t).Elem()
	byKey := make(map[string]reflect.Value, m.Len())
	iter := m.MapRange()
	for iter.Next() {
		k := iter.Key()
		if k.Kind() == reflect.Interface {
			k = k.Elem()
		}
		if k.Kind() != reflect.String {
			continue
		}
		byKey[k.String()] = iter.Value()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		val, ok := byKey[FieldName(f)]
		if !ok {
			val, ok = byKey[f.Name]
		}
		if !ok {
			continue
		}
		e, err := convert(val.Interface(), f.Type, depth+1, budget)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("field %s: %w", f.Name, err)
		}
		out.Field(i).Set(e)
	}
	return out, nil
}

// FieldName is the Java field name of a struct field, as dubbo-go-hessian2
// writes it: the hessian tag if any, else the Go name with its first letter
// lower-cased.
func FieldName(f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("hessian"); ok {
		if name, _, _ := strings.Cut(tag, ","); name != "" && name != "-" {
			return name
		}
	}
	r, size := utf8.DecodeRuneInString(f.Name)
	return string(unicode.ToLower(r)) + f.Name[size:]
}

// Generalize turns a Go value into what Java's generic service returns:
// structs become maps keyed by Java field name with a "class" entry when the
// struct names its Java class; slices, arrays and maps are generalized
// element by element; everything else is returned as is.
func Generalize(v any) any {
	budget := maxNodes
	return generalize(reflect.ValueOf(v), 0, &budget)
}

type javaClassNamer interface{ JavaClassName() string }

func generalize(rv reflect.Value, depth int, budget *int) any {
	if !rv.IsValid() {
		return nil
	}
	if *budget--; depth > maxDepth || *budget < 0 {
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct && rv.Elem().Type() != timeType {
			return structToMap(rv, depth, budget)
		}
		return generalize(rv.Elem(), depth+1, budget)
	case reflect.Struct:
		if rv.Type() == timeType {
			return rv.Interface()
		}
		return structToMap(rv, depth, budget)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return rv.Interface()
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = generalize(rv.Index(i), depth+1, budget)
		}
		return out
	case reflect.Map:
		out := make(map[any]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			out[generalize(iter.Key(), depth+1, budget)] = generalize(iter.Value(), depth+1, budget)
		}
		return out
	}
	if rv.CanInterface() {
		return rv.Interface()
	}
	return nil
}

func structToMap(rv reflect.Value, depth int, budget *int) any {
	out := map[any]any{}
	if n, ok := rv.Interface().(javaClassNamer); ok {
		out["class"] = n.JavaClassName()
	}
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("hessian") == "-" {
			continue
		}
		out[FieldName(f)] = generalize(rv.Field(i), depth+1, budget)
	}
	return out
}
