package hessian2

import "github.com/apache/dubbo-go-hessian2/java_exception"

// Throwable is a Java exception as it travels in Hessian 2: the class name
// and the java.lang.Throwable fields. It is read straight from the bytes, so
// any exception class works, registered or not.
type Throwable struct {
	Class      string
	Message    string // detailMessage
	Cause      *Throwable
	StackTrace []StackFrame
	// Fields holds the class's other non-null fields whose values are
	// booleans, numbers, dates or strings (RpcException's "code", say).
	Fields map[string]any
}

// StackFrame is one java.lang.StackTraceElement.
type StackFrame struct {
	DeclaringClass string
	MethodName     string
	FileName       string
	LineNumber     int32
}

// DecodeThrowable reads an exception object. A null reads as (nil, nil).
// A value that is not an object (some non-Java peers write a string) is
// returned as a Throwable with an empty Class and the value's text.
func (d *Decoder) DecodeThrowable() (*Throwable, error) {
	s := &d.sc
	mk := s.mark()
	if err := s.skip(); err != nil {
		return nil, err
	}
	end := s.pos
	s.restore(mk)
	t, err := s.throwable()
	if err != nil {
		return nil, err
	}
	if s.pos != end {
		return nil, s.fail("exception walked inconsistently")
	}
	d.ours()
	return t, nil
}

// throwable parses an object with Throwable fields; the value is known to
// be well formed (it was walked first).
func (s *scanner) throwable() (*Throwable, error) {
	t, err := s.next()
	if err != nil {
		return nil, err
	}
	for t == tagClassDef {
		if err := s.classDef(); err != nil {
			return nil, err
		}
		if t, err = s.next(); err != nil {
			return nil, err
		}
	}
	if t == tagNull {
		return nil, nil
	}
	if t != tagObject && (t < 0x60 || t > 0x6f) {
		s.pos--
		if isStringTag(t) {
			msg, _, err := s.readString()
			return &Throwable{Message: msg}, err
		}
		return &Throwable{Message: "non-Java exception value"}, s.skip()
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer func() { s.depth-- }()
	cls, err := s.objectClass(t)
	if err != nil {
		return nil, err
	}
	th := &Throwable{Class: cls.name}
	names := scanner{b: s.b, pos: cls.first}
	for i := 0; i < cls.fields; i++ {
		name, _, err := names.readString()
		if err != nil {
			return nil, err
		}
		c, err := s.peek()
		if err != nil {
			return nil, err
		}
		switch {
		case name == "detailMessage" && (c == tagNull || isStringTag(c)):
			if th.Message, _, err = s.readString(); err != nil {
				return nil, err
			}
		case name == "cause" && (c == tagClassDef || c == tagObject || (c >= 0x60 && c <= 0x6f)):
			if th.Cause, err = s.throwable(); err != nil {
				return nil, err
			}
		case name == "stackTrace":
			if th.StackTrace, err = s.stackTrace(); err != nil {
				return nil, err
			}
		case name == "detailMessage" || name == "cause" || name == "suppressedExceptions":
			if err := s.skip(); err != nil {
				return nil, err
			}
		default:
			vs := s.pos
			if err := s.skip(); err != nil {
				return nil, err
			}
			if v, ok := s.primitiveAt(vs); ok && v != nil {
				if th.Fields == nil {
					th.Fields = make(map[string]any)
				}
				th.Fields[name] = v
			}
		}
	}
	return th, nil
}

// stackTrace reads a StackTraceElement[]; anything else is skipped.
func (s *scanner) stackTrace() ([]StackFrame, error) {
	t, err := s.next()
	if err != nil {
		return nil, err
	}
	n := -1 // -1: until 'Z'
	switch {
	case t == tagListF:
		if err := s.skipType(); err != nil {
			return nil, err
		}
		if n, err = s.readCount(); err != nil {
			return nil, err
		}
	case t >= 0x70 && t <= 0x77:
		if err := s.skipType(); err != nil {
			return nil, err
		}
		n = int(t - 0x70)
	case t == tagListFU:
		if n, err = s.readCount(); err != nil {
			return nil, err
		}
	case t >= 0x78 && t <= 0x7f:
		n = int(t - 0x78)
	case t == tagListV:
		if err := s.skipType(); err != nil {
			return nil, err
		}
	case t == tagListVU:
	default:
		s.pos--
		return nil, s.skip()
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer func() { s.depth-- }()
	frames := []StackFrame{}
	for i := 0; n < 0 || i < n; i++ {
		if n < 0 {
			c, err := s.peek()
			if err != nil {
				return nil, err
			}
			if c == tagEnd {
				s.pos++
				break
			}
		}
		f, ok, err := s.frame()
		if err != nil {
			return nil, err
		}
		if ok {
			frames = append(frames, f)
		}
	}
	return frames, nil
}

func (s *scanner) frame() (StackFrame, bool, error) {
	var f StackFrame
	t, err := s.next()
	if err != nil {
		return f, false, err
	}
	for t == tagClassDef {
		if err := s.classDef(); err != nil {
			return f, false, err
		}
		if t, err = s.next(); err != nil {
			return f, false, err
		}
	}
	if t != tagObject && (t < 0x60 || t > 0x6f) {
		s.pos--
		return f, false, s.skip()
	}
	cls, err := s.objectClass(t)
	if err != nil {
		return f, false, err
	}
	names := scanner{b: s.b, pos: cls.first}
	for i := 0; i < cls.fields; i++ {
		name, _, err := names.readString()
		if err != nil {
			return f, false, err
		}
		c, err := s.peek()
		if err != nil {
			return f, false, err
		}
		var dst *string
		switch name {
		case "declaringClass":
			dst = &f.DeclaringClass
		case "methodName":
			dst = &f.MethodName
		case "fileName":
			dst = &f.FileName
		}
		switch {
		case dst != nil && (c == tagNull || isStringTag(c)):
			if *dst, _, err = s.readString(); err != nil {
				return f, false, err
			}
		case name == "lineNumber" && (c >= 0x80 && c <= 0xd7 || c == tagInt):
			if f.LineNumber, err = s.readInt(); err != nil {
				return f, false, err
			}
		default:
			if err := s.skip(); err != nil {
				return f, false, err
			}
		}
	}
	return f, true, nil
}

// EmptyStackTrace returns a value that encodes as an empty
// java.lang.StackTraceElement[], for exceptions sent to Java (whose
// printStackTrace fails on a null stackTrace).
func EmptyStackTrace() any { return []java_exception.StackTraceElement{} }
