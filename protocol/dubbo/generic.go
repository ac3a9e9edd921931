package dubbo

import "fmt"

// Generic invocation constants, as Java's GenericFilter and RpcUtils expect.
const (
	GenericMethod      = "$invoke"
	GenericAsyncMethod = "$invokeAsync"
	// GenericDescriptor is the parameter descriptor of $invoke(String method,
	// String[] parameterTypes, Object[] args).
	GenericDescriptor = "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;"
	GenericKey        = "generic"
)

// GenericInvocation builds a generic call of method on the service path:
// $invoke with the method name, the Java parameter type names and the
// arguments, and attachment generic=true. When javaTypes is nil the names
// are derived from args (JavaName); give them explicitly to pick an
// overload or a wrapper type. POJO arguments may be passed as
// map[string]any; Java realizes them into the parameter classes.
func GenericInvocation(path, method string, javaTypes []string, args []any) (*Invocation, error) {
	if javaTypes == nil {
		javaTypes = make([]string, len(args))
		for i, a := range args {
			n, err := JavaName(a)
			if err != nil {
				return nil, fmt.Errorf("dubbo: generic argument %d: %w", i, err)
			}
			javaTypes[i] = n
		}
	}
	if len(javaTypes) != len(args) {
		return nil, fmt.Errorf("dubbo: generic call with %d types for %d arguments", len(javaTypes), len(args))
	}
	plain := make([]any, len(args))
	for i, a := range args {
		plain[i] = argValue("", a)
	}
	return &Invocation{
		DubboVersion:   DefaultDubboVersion,
		Path:           path,
		Method:         GenericMethod,
		ParameterTypes: []string{"Ljava/lang/String;", "[Ljava/lang/String;", "[Ljava/lang/Object;"},
		Arguments:      []any{method, javaTypes, plain},
		Attachments:    map[string]any{GenericKey: "true"},
	}, nil
}
