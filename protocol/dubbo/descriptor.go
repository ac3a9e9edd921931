package dubbo

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// JavaType says which Java type a value stands for, overriding the mapping
// Descriptor would choose: As("int", 5) is a Java int although 5 is a Go int
// (normally a long), As("java.util.ArrayList", list) an ArrayList parameter,
// As("java.lang.String[]", names) an array. When encoded, integer and float
// values are converted to the width the Java type needs.
type JavaType struct {
	// Type is a Java type name as written in source or as Class.getName
	// returns it ("int", "java.lang.Integer", "java.lang.String[]",
	// "[Ljava.lang.String;"), or a JVM descriptor ("I", "[J",
	// "Ljava/lang/String;").
	Type  string
	Value any
}

// As wraps v so that it travels as the Java type javaType.
func As(javaType string, v any) JavaType { return JavaType{Type: javaType, Value: v} }

// javaType pairs a JVM descriptor with the name Java's ReflectUtils.getName
// gives the same type (what generic calls list).
type javaType struct{ desc, name string }

var (
	jString  = javaType{"Ljava/lang/String;", "java.lang.String"}
	jObject  = javaType{"Ljava/lang/Object;", "java.lang.Object"}
	jList    = javaType{"Ljava/util/List;", "java.util.List"}
	jMap     = javaType{"Ljava/util/Map;", "java.util.Map"}
	jDate    = javaType{"Ljava/util/Date;", "java.util.Date"}
	jBytes   = javaType{"[B", "byte[]"}
	jInt     = javaType{"I", "int"}
	jLong    = javaType{"J", "long"}
	jBool    = javaType{"Z", "boolean"}
	jDouble  = javaType{"D", "double"}
	jFloat   = javaType{"F", "float"}
	jByte    = javaType{"B", "byte"}
	jShort   = javaType{"S", "short"}
	jInteger = javaType{"Ljava/lang/Integer;", "java.lang.Integer"}
	jLongW   = javaType{"Ljava/lang/Long;", "java.lang.Long"}
	jBoolW   = javaType{"Ljava/lang/Boolean;", "java.lang.Boolean"}
	jDoubleW = javaType{"Ljava/lang/Double;", "java.lang.Double"}
	jFloatW  = javaType{"Ljava/lang/Float;", "java.lang.Float"}
	jByteW   = javaType{"Ljava/lang/Byte;", "java.lang.Byte"}
	jShortW  = javaType{"Ljava/lang/Short;", "java.lang.Short"}
)

var timeType = reflect.TypeOf(time.Time{})

// Descriptor returns the JVM descriptor of the Java parameter type v stands
// for (see the package documentation for the table). A JavaType gives its
// own. An untyped nil has no type and is an error: wrap it in a JavaType.
func Descriptor(v any) (string, error) {
	t, err := javaTypeOf(v)
	return t.desc, err
}

// JavaName returns the Java type name of v as generic calls list it
// ("java.lang.String", "int", "byte[]").
func JavaName(v any) (string, error) {
	t, err := javaTypeOf(v)
	return t.name, err
}

func javaTypeOf(v any) (javaType, error) {
	switch x := v.(type) {
	case nil:
		return javaType{}, fmt.Errorf("%w: untyped nil has no Java type; wrap it with dubbo.As", ErrBadDescriptor)
	case string:
		return jString, nil
	case int32:
		return jInt, nil
	case int64, int:
		return jLong, nil
	case bool:
		return jBool, nil
	case float64:
		return jDouble, nil
	case float32:
		return jFloat, nil
	case int8:
		return jByte, nil
	case int16:
		return jShort, nil
	case []byte:
		return jBytes, nil
	case time.Time, *time.Time:
		return jDate, nil
	case JavaType:
		return javaTypeFromName(x.Type)
	case *JavaType:
		return javaTypeFromName(x.Type)
	case hessian2.POJO:
		return classType(x.JavaClassName()), nil
	}
	rt := reflect.TypeOf(v)
	if rt.Kind() == reflect.Pointer {
		switch rt.Elem().Kind() {
		case reflect.String:
			return jString, nil
		case reflect.Int32:
			return jInteger, nil
		case reflect.Int64, reflect.Int:
			return jLongW, nil
		case reflect.Bool:
			return jBoolW, nil
		case reflect.Float64:
			return jDoubleW, nil
		case reflect.Float32:
			return jFloatW, nil
		case reflect.Int8:
			return jByteW, nil
		case reflect.Int16:
			return jShortW, nil
		}
		rt = rt.Elem()
	}
	switch rt.Kind() {
	case reflect.Slice, reflect.Array:
		if rt.Elem().Kind() == reflect.Uint8 {
			return jBytes, nil
		}
		return jList, nil
	case reflect.Map:
		return jMap, nil
	case reflect.String:
		return jString, nil
	case reflect.Int32:
		return jInt, nil
	case reflect.Int64, reflect.Int:
		return jLong, nil
	case reflect.Bool:
		return jBool, nil
	case reflect.Float64:
		return jDouble, nil
	case reflect.Interface:
		return jObject, nil
	}
	return javaType{}, fmt.Errorf("%w: no Java type for Go %T; implement JavaClassName or wrap it with dubbo.As", ErrBadDescriptor, v)
}

func classType(name string) javaType {
	return javaType{desc: "L" + strings.ReplaceAll(name, ".", "/") + ";", name: name}
}

var primitiveNames = map[string]byte{
	"boolean": 'Z', "byte": 'B', "char": 'C', "double": 'D',
	"float": 'F', "int": 'I', "long": 'J', "short": 'S', "void": 'V',
}

var primitiveDescs = map[byte]string{
	'Z': "boolean", 'B': "byte", 'C': "char", 'D': "double",
	'F': "float", 'I': "int", 'J': "long", 'S': "short", 'V': "void",
}

// javaTypeFromName accepts a source-style name, a Class.getName name or a
// descriptor.
func javaTypeFromName(s string) (javaType, error) {
	if s == "" {
		return javaType{}, fmt.Errorf("%w: empty Java type", ErrBadDescriptor)
	}
	if isDescriptor(s) {
		return javaType{desc: s, name: descToName(s)}, nil
	}
	if s[0] == '[' { // Class.getName form of an array: [I, [Ljava.lang.String;
		d := strings.ReplaceAll(s, ".", "/")
		if !isDescriptor(d) {
			return javaType{}, fmt.Errorf("%w: %q", ErrBadDescriptor, s)
		}
		return javaType{desc: d, name: descToName(d)}, nil
	}
	base, dims := s, 0
	for strings.HasSuffix(base, "[]") {
		base, dims = base[:len(base)-2], dims+1
	}
	var desc string
	if c, ok := primitiveNames[base]; ok {
		desc = string(c)
	} else {
		if strings.ContainsAny(base, "[]; /") {
			return javaType{}, fmt.Errorf("%w: %q", ErrBadDescriptor, s)
		}
		desc = "L" + strings.ReplaceAll(base, ".", "/") + ";"
	}
	return javaType{desc: strings.Repeat("[", dims) + desc, name: s}, nil
}

// isDescriptor reports whether s is exactly one JVM field descriptor.
func isDescriptor(s string) bool {
	n, err := nextDescriptor(s, 0)
	return err == nil && n == len(s)
}

// descToName turns a descriptor into ReflectUtils.getName form.
func descToName(d string) string {
	dims := 0
	for dims < len(d) && d[dims] == '[' {
		dims++
	}
	base := d[dims:]
	var name string
	if len(base) == 1 {
		name = primitiveDescs[base[0]]
	} else {
		name = strings.ReplaceAll(base[1:len(base)-1], "/", ".")
	}
	return name + strings.Repeat("[]", dims)
}

// maxArrayDims is the JVM's limit on array dimensions.
const maxArrayDims = 255

// nextDescriptor returns the end of the descriptor starting at i.
func nextDescriptor(s string, i int) (int, error) {
	start := i
	for i < len(s) && s[i] == '[' {
		i++
	}
	if i-start > maxArrayDims {
		return 0, fmt.Errorf("%w: too many array dimensions at %d", ErrBadDescriptor, start)
	}
	if i >= len(s) {
		return 0, fmt.Errorf("%w: truncated at %d", ErrBadDescriptor, start)
	}
	switch s[i] {
	case 'Z', 'B', 'C', 'D', 'F', 'I', 'J', 'S':
		return i + 1, nil
	case 'L':
		j := strings.IndexByte(s[i:], ';')
		if j < 2 {
			return 0, fmt.Errorf("%w: unterminated class at %d", ErrBadDescriptor, i)
		}
		if strings.ContainsAny(s[i+1:i+j], ".[ ") {
			return 0, fmt.Errorf("%w: bad class name at %d", ErrBadDescriptor, i)
		}
		return i + j + 1, nil
	}
	return 0, fmt.Errorf("%w: unexpected %q at %d", ErrBadDescriptor, s[i], i)
}

// ParseDescriptor splits a concatenated parameter descriptor
// ("Ljava/lang/String;I[J") into one descriptor per parameter.
func ParseDescriptor(desc string) ([]string, error) {
	n, err := countDescriptors(desc)
	if err != nil || n == 0 {
		return nil, err
	}
	return appendDescriptors(make([]string, 0, n), desc), nil
}

// countDescriptors checks desc and counts the types in it.
func countDescriptors(desc string) (int, error) {
	n := 0
	for i := 0; i < len(desc); n++ {
		end, err := nextDescriptor(desc, i)
		if err != nil {
			return 0, err
		}
		i = end
	}
	return n, nil
}

// appendDescriptors appends the types of desc, already checked, to out.
func appendDescriptors(out []string, desc string) []string {
	for i := 0; i < len(desc); {
		end, _ := nextDescriptor(desc, i)
		out = append(out, desc[i:end])
		i = end
	}
	return out
}

// coerce converts v to the Go type whose hessian encoding the Java type
// desc reads best (an int for I/S/B and their wrappers, a long for J, a
// double for D/F, a one-character string for C).
func coerce(desc string, v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	isInt := rv.CanInt() || rv.CanUint()
	isFloat := rv.CanFloat()
	toInt := func() int64 {
		if rv.CanInt() {
			return rv.Int()
		}
		return int64(rv.Uint())
	}
	switch desc {
	case "I", "S", "B", "Ljava/lang/Integer;", "Ljava/lang/Short;", "Ljava/lang/Byte;":
		if isInt {
			return int32(toInt())
		}
	case "J", "Ljava/lang/Long;":
		if isInt {
			return toInt()
		}
	case "D", "F", "Ljava/lang/Double;", "Ljava/lang/Float;":
		if isFloat {
			return rv.Float()
		}
		if isInt {
			return float64(toInt())
		}
	case "C", "Ljava/lang/Character;":
		if isInt {
			return string(rune(toInt()))
		}
	}
	return v
}
