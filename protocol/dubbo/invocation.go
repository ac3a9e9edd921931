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
