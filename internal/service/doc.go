// Package service owns the method tables of exported services: which Go
// method answers which Java method, with which parameter descriptors, built
// once by reflection when a service is registered and never per call.
//
// Rules, all applied at New:
//
//   - Every exported method of the implementation is served. Its Java name is
//     the Go name with a lower-case first letter (SayHi answers sayHi) unless
//     Options.Names maps it to another name.
//   - A context.Context first parameter is optional; when present it receives
//     the call's context. An error last result is optional; at most one other
//     result is allowed.
//   - Each parameter's JVM descriptor comes from Options.Describe (the wire
//     layer's Go-to-Java type mapping) unless Options.Types overrides the
//     method's descriptors. Several Go methods may share one Java name
//     (Java overloads); they are told apart by their descriptors, and two with
//     the same name and descriptors are refused.
//   - A method that cannot be served (a channel or func parameter, a second
//     non-error result, a name mapping to a method that does not exist or is
//     unexported) makes New fail with an error that names the method and the
//     type.
//
// At call time Lookup picks the method by Java name and descriptor. When the
// descriptor matches nothing but exactly one overload has the same number of
// arguments, that one is used: dubbo-go and Node callers describe Go and JS
// values their own way (a Go int as J where Java says I), and the arguments
// are converted to the Go parameter types by Convert anyway.
package service
