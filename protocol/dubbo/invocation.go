package dubbo

// DefaultDubboVersion is the protocol version every Dubbo since 2.6.3 writes
// first in a request body. Java answers with attachments only to callers whose
// version lies within [2.0.2, 2.0.99].
const DefaultDubboVersion = "2.0.2"

// Invocation is one call as the request body carries it.
type Invocation struct {
	DubboVersion string // "2.0.2" unless a peer says otherwise
	Path         string // service path: the Java interface name
	Version      string // service version; Java consumers send "0.0.0" for none
	Method       string
	// ParameterTypes holds one JVM descriptor per argument, e.g.
	// "Ljava/lang/String;", "I", "[J"; joined without separator on the wire.
	ParameterTypes []string
	Arguments      []any
	Attachments    map[string]any
}

// ResultKind is the flag that opens a response body (written as a hessian int).
type ResultKind int

// Result flags as DubboCodec writes them.
const (
	ResultException                ResultKind = 0
	ResultValue                    ResultKind = 1
	ResultNullValue                ResultKind = 2
	ResultExceptionWithAttachments ResultKind = 3
	ResultValueWithAttachments     ResultKind = 4
	ResultNullValueWithAttachments ResultKind = 5
)

// Result is what a call returned: a value, or an exception, and attachments.
type Result struct {
	Value       any
	Exception   error // a *JavaException when it came from a peer
	Attachments map[string]any
	// Kind is the flag the body was read with (DecodeResponse). The encoder
	// ignores it: it picks the flag from Value, Exception and the peer's
	// declared version, as Java does.
	Kind ResultKind
}

// Attachment returns the attachment key as a string ("" when absent or not a
// string).
func (inv *Invocation) Attachment(key string) string {
	s, _ := inv.Attachments[key].(string)
	return s
}

// ServicePath is the service a provider routes the call to, as Java's
// DecodeableRpcInvocation sees it: the body's path, overridden by a "path"
// attachment.
func (inv *Invocation) ServicePath() string {
	if p := inv.Attachment("path"); p != "" {
		return p
	}
	return inv.Path
}

// ServiceVersion is the body's version, overridden by a "version"
// attachment; Java's "0.0.0" (no version) reads as "".
func (inv *Invocation) ServiceVersion() string {
	v := inv.Version
	if a, ok := inv.Attachments["version"].(string); ok {
		v = a
	}
	if v == "0.0.0" {
		return ""
	}
	return v
}

// Group is the "group" attachment ("" for none).
func (inv *Invocation) Group() string { return inv.Attachment("group") }

// IsGeneric reports whether the call is a generic $invoke/$invokeAsync
// with the generic descriptor, as Java's RpcUtils.isGenericCall decides.
func (inv *Invocation) IsGeneric() bool {
	if inv.Method != GenericMethod && inv.Method != GenericAsyncMethod {
		return false
	}
	return len(inv.ParameterTypes) == 3 &&
		inv.ParameterTypes[0]+inv.ParameterTypes[1]+inv.ParameterTypes[2] == GenericDescriptor
}
