package hessian2

import "encoding/binary"

// DefaultMaxDepth bounds how deeply lists, maps and objects may nest.
const DefaultMaxDepth = 64

// classDef is one class definition seen in the stream, kept as offsets so
// that scanning allocates nothing.
type classDef struct {
	name   string
	fields int // number of fields
	first  int // offset of the first field name
}

// scanner walks Hessian 2 values without decoding them, checking every
// length and count against the bytes that remain. It records class
// definitions and type names as the library decoder will, so that objects
// written after their definition can be walked.
type scanner struct {
	b          []byte
	pos        int
	classes    []classDef
	types      int
	depth      int
	maxDepth   int
	containers int // lists, maps and objects walked so far
	intern     map[string]any
}

// Decoded lists, maps and objects cost hundreds of bytes each however few
// input bytes they take (an empty list is one byte), so their number is
// bounded by the input size: at most one per containerBytes bytes of input,
// plus containerSlack. This keeps what a decode allocates within a constant
// factor of its input.
const (
	containerBytes = 3
	containerSlack = 4096
)

func (s *scanner) reset(b []byte) {
	s.b, s.pos, s.classes, s.types, s.depth, s.containers = b, 0, s.classes[:0], 0, 0, 0
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
}

// mark is a scanner position together with its definition tables.
type mark struct{ pos, classes, types, containers int }

func (s *scanner) mark() mark { return mark{s.pos, len(s.classes), s.types, s.containers} }

// restore rewinds to m, forgetting definitions seen since.
func (s *scanner) restore(m mark) {
	s.pos, s.classes, s.types, s.containers = m.pos, s.classes[:m.classes], m.types, m.containers
}

func (s *scanner) fail(reason string) error { return &DecodeError{Offset: s.pos, Reason: reason} }

func (s *scanner) remaining() int { return len(s.b) - s.pos }

func (s *scanner) next() (byte, error) {
	if s.pos >= len(s.b) {
		return 0, s.fail("unexpected end of input")
	}
	c := s.b[s.pos]
	s.pos++
	return c, nil
}

func (s *scanner) peek() (byte, error) {
	if s.pos >= len(s.b) {
		return 0, s.fail("unexpected end of input")
	}
	return s.b[s.pos], nil
}

func (s *scanner) need(n int) error {
	if n < 0 || n > len(s.b)-s.pos {
		return s.fail("truncated value")
	}
	return nil
}

func (s *scanner) advance(n int) error {
	if err := s.need(n); err != nil {
		return err
	}
	s.pos += n
	return nil
}

// readInt reads a Hessian int (any of its encodings).
func (s *scanner) readInt() (int32, error) {
	t, err := s.next()
	if err != nil {
		return 0, err
	}
	return s.intBody(t)
}

func (s *scanner) intBody(t byte) (int32, error) {
	switch {
	case t >= 0x80 && t <= 0xbf:
		return int32(t) - 0x90, nil
	case t >= 0xc0 && t <= 0xcf:
		if err := s.need(1); err != nil {
			return 0, err
		}
		v := (int32(t)-0xc8)<<8 | int32(s.b[s.pos])
		s.pos++
		return v, nil
	case t >= 0xd0 && t <= 0xd7:
		if err := s.need(2); err != nil {
			return 0, err
		}
		v := (int32(t)-0xd4)<<16 | int32(s.b[s.pos])<<8 | int32(s.b[s.pos+1])
		s.pos += 2
		return v, nil
	case t == tagInt:
		if err := s.need(4); err != nil {
			return 0, err
		}
		v := int32(binary.BigEndian.Uint32(s.b[s.pos:]))
		s.pos += 4
		return v, nil
	}
	s.pos--
	return 0, s.fail("expected an int")
}

// longBody decodes the long encodings (t already read); ok is false when t
// is not a long tag.
func (s *scanner) longBody(t byte) (int64, bool, error) {
	switch {
	case t >= 0xd8 && t <= 0xef:
		return int64(t) - 0xe0, true, nil
	case t >= 0xf0:
		if err := s.need(1); err != nil {
			return 0, true, err
		}
		v := (int64(t)-0xf8)<<8 | int64(s.b[s.pos])
		s.pos++
		return v, true, nil
	case t >= 0x38 && t <= 0x3f:
		if err := s.need(2); err != nil {
			return 0, true, err
		}
		v := (int64(t)-0x3c)<<16 | int64(s.b[s.pos])<<8 | int64(s.b[s.pos+1])
		s.pos += 2
		return v, true, nil
	case t == tagLongInt:
		if err := s.need(4); err != nil {
			return 0, true, err
		}
		v := int64(int32(binary.BigEndian.Uint32(s.b[s.pos:])))
		s.pos += 4
		return v, true, nil
	case t == tagLong:
		if err := s.need(8); err != nil {
			return 0, true, err
		}
		v := int64(binary.BigEndian.Uint64(s.b[s.pos:]))
		s.pos += 8
		return v, true, nil
	}
	return 0, false, nil
}

// isStringTag reports whether t opens a string (or a string chunk).
func isStringTag(t byte) bool {
	return t <= maxDirectStr || (t >= 0x30 && t <= 0x33) || t == tagString || t == tagChunk
}

// stringChunkLen reads the length (in UTF-16 units) of the chunk opened by
// t, and whether it is the final chunk.
func (s *scanner) stringChunkLen(t byte) (int, bool, error) {
	switch {
	case t <= maxDirectStr:
		return int(t), true, nil
	case t >= 0x30 && t <= 0x33:
		if err := s.need(1); err != nil {
			return 0, false, err
		}
		n := int(t-0x30)<<8 | int(s.b[s.pos])
		s.pos++
		return n, true, nil
	case t == tagString || t == tagChunk:
		if err := s.need(2); err != nil {
			return 0, false, err
		}
		n := int(binary.BigEndian.Uint16(s.b[s.pos:]))
		s.pos += 2
		return n, t == tagString, nil
	}
	return 0, false, s.fail("expected a string")
}

// utf8Units advances over n UTF-16 units of modified UTF-8. A 3-byte
// sequence is one unit (surrogates travel as two). ASCII goes 8 bytes at a
// time: one unit per byte.
func (s *scanner) utf8Units(n int) error {
	for n > 0 {
		if n >= 8 && len(s.b)-s.pos >= 8 && binary.LittleEndian.Uint64(s.b[s.pos:])&0x8080808080808080 == 0 {
			s.pos += 8
			n -= 8
			continue
		}
		if s.pos >= len(s.b) {
			return s.fail("truncated string")
		}
		c := s.b[s.pos]
		n--
		switch {
		case c < 0x80:
			s.pos++
		case c&0xe0 == 0xc0:
			if err := s.advance(2); err != nil {
				return err
			}
		case c&0xf0 == 0xe0:
			if err := s.advance(3); err != nil {
				return err
			}
		default:
			return s.fail("bad utf-8 in string")
		}
	}
	return nil
}

// stringBody walks a string whose first tag t was read; it returns the
// offsets of the character data when the string is a single chunk
// (multi=false) so that callers can convert it without copying twice.
func (s *scanner) stringBody(t byte) (start, end int, multi bool, err error) {
	for first := true; ; first = false {
		n, final, err := s.stringChunkLen(t)
		if err != nil {
			return 0, 0, false, err
		}
		begin := s.pos
		if err := s.utf8Units(n); err != nil {
			return 0, 0, false, err
		}
		if first && final {
			return begin, s.pos, false, nil
		}
		if final {
			return 0, s.pos, true, nil
		}
		if t, err = s.next(); err != nil {
			return 0, 0, false, err
		}
		if !isStringTag(t) {
			s.pos--
			return 0, 0, false, s.fail("string chunk not followed by a string")
		}
	}
}

// readString reads a string or null at the current position; null reports
// null=true.
func (s *scanner) readString() (str string, null bool, err error) {
	t, err := s.next()
	if err != nil {
		return "", false, err
	}
	if t == tagNull {
		return "", true, nil
	}
	if !isStringTag(t) {
		s.pos--
		return "", false, s.fail("expected a string")
	}
	at := s.pos - 1
	start, end, multi, err := s.stringBody(t)
	if err != nil {
		return "", false, err
	}
	if !multi {
		if v, ok := s.interned(s.b[start:end]); ok {
			return v.(string), false, nil
		}
		return javaString(s.b[start:end]), false, nil
	}
	return s.joinChunks(at), false, nil
}

// readStringAny reads the string whose tag is at the current position, as
// an any: an interned string comes already boxed.
func (s *scanner) readStringAny() (any, error) {
	at := s.pos
	t := s.b[at]
	s.pos++
	start, end, multi, err := s.stringBody(t)
	if err != nil {
		return nil, err
	}
	if multi {
		return s.joinChunks(at), nil
	}
	if v, ok := s.interned(s.b[start:end]); ok {
		return v, nil
	}
	return javaString(s.b[start:end]), nil
}

// interned looks raw up in the intern table (no allocation).
func (s *scanner) interned(raw []byte) (any, bool) {
	if s.intern == nil || len(raw) > 64 {
		return nil, false
	}
	v, ok := s.intern[string(raw)]
	return v, ok
}

// joinChunks re-reads an already validated chunked string starting at at.
func (s *scanner) joinChunks(at int) string {
	save := s.pos
	s.pos = at
	var raw []byte
	for {
		t := s.b[s.pos]
		s.pos++
		n, final, _ := s.stringChunkLen(t)
		begin := s.pos
		_ = s.utf8Units(n)
		raw = append(raw, s.b[begin:s.pos]...)
		if final {
			break
		}
	}
	s.pos = save
	return javaString(raw)
}

// skipType walks a list or map type: a type name string, or an int
// reference to an earlier one.
func (s *scanner) skipType() error {
	t, err := s.next()
	if err != nil {
		return err
	}
	if isStringTag(t) {
		if _, _, _, err := s.stringBody(t); err != nil {
			return err
		}
		s.types++
		return nil
	}
	idx, err := s.intBody(t)
	if err != nil {
		return s.fail("bad list or map type")
	}
	if idx < 0 || int(idx) >= s.types {
		return s.fail("type reference out of range")
	}
	return nil
}

// readCount reads a list length and checks that that many values can fit.
func (s *scanner) readCount() (int, error) {
	n, err := s.readInt()
	if err != nil {
		return 0, err
	}
	if n < 0 || int(n) > s.remaining() {
		return 0, s.fail("length larger than the input")
	}
	return int(n), nil
}

// classDef reads a class definition (after 'C').
func (s *scanner) classDef() error {
	name, null, err := s.readString()
	if err != nil {
		return err
	}
	if null || name == "" {
		return s.fail("class definition without a name")
	}
	n, err := s.readCount()
	if err != nil {
		return err
	}
	first := s.pos
	for i := 0; i < n; i++ {
		t, err := s.next()
		if err != nil {
			return err
		}
		if !isStringTag(t) {
			s.pos--
			return s.fail("class field name is not a string")
		}
		if _, _, _, err := s.stringBody(t); err != nil {
			return err
		}
	}
	s.classes = append(s.classes, classDef{name: name, fields: n, first: first})
	return nil
}

// objectClass reads the class index of an object opened by t.
func (s *scanner) objectClass(t byte) (*classDef, error) {
	var idx int
	if t == tagObject {
		n, err := s.readInt()
		if err != nil {
			return nil, err
		}
		idx = int(n)
	} else {
		idx = int(t - 0x60)
	}
	if idx < 0 || idx >= len(s.classes) {
		return nil, s.fail("object of an undefined class")
	}
	return &s.classes[idx], nil
}

// skip walks one complete value (class definitions in front of it included).
func (s *scanner) skip() error {
	t, err := s.next()
	if err != nil {
		return err
	}
	for t == tagClassDef {
		if err := s.classDef(); err != nil {
			return err
		}
		if t, err = s.next(); err != nil {
			return err
		}
	}
	return s.skipTagged(t)
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.maxDepth {
		return s.fail("values nested too deeply")
	}
	s.containers++
	if s.containers > len(s.b)/containerBytes+containerSlack {
		return s.fail("more lists, maps and objects than the input size allows")
	}
	return nil
}

func (s *scanner) skipN(n int) error {
	for i := 0; i < n; i++ {
		if err := s.skip(); err != nil {
			return err
		}
	}
	return nil
}

func (s *scanner) skipUntilEnd(pairs bool) error {
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c == tagEnd {
			s.pos++
			return nil
		}
		if err := s.skip(); err != nil {
			return err
		}
		if pairs {
			if err := s.skip(); err != nil {
				return err
			}
		}
	}
}

func (s *scanner) skipTagged(t byte) error {
	switch {
	case t == tagNull || t == tagTrue || t == tagFalse:
		return nil
	case t >= 0x80 && t <= 0xbf, t >= 0xc0 && t <= 0xd7, t == tagInt:
		_, err := s.intBody(t)
		return err
	case t >= 0xd8, t >= 0x38 && t <= 0x3f, t == tagLongInt, t == tagLong:
		_, _, err := s.longBody(t)
		return err
	case t == tagDouble0 || t == tagDouble1:
		return nil
	case t == tagDoubleB:
		return s.advance(1)
	case t == tagDoubleS:
		return s.advance(2)
	case t == tagDoubleM:
		return s.advance(4)
	case t == tagDouble || t == tagDate:
		return s.advance(8)
	case t == tagDateMin:
		return s.advance(4)
	case isStringTag(t):
		_, _, _, err := s.stringBody(t)
		return err
	case t >= 0x20 && t <= 0x2f:
		return s.advance(int(t - 0x20))
	case t >= 0x34 && t <= 0x37:
		if err := s.need(1); err != nil {
			return err
		}
		n := int(t-0x34)<<8 | int(s.b[s.pos])
		s.pos++
		return s.advance(n)
	case t == tagBinary || t == tagBinChunk:
		for {
			if err := s.need(2); err != nil {
				return err
			}
			n := int(binary.BigEndian.Uint16(s.b[s.pos:]))
			s.pos += 2
			if err := s.advance(n); err != nil {
				return err
			}
			if t == tagBinary {
				return nil
			}
			next, err := s.next()
			if err != nil {
				return err
			}
			switch {
			case next == tagBinChunk:
			case next == tagBinary:
				if err := s.need(2); err != nil {
					return err
				}
				n := int(binary.BigEndian.Uint16(s.b[s.pos:]))
				s.pos += 2
				return s.advance(n)
			case next >= 0x20 && next <= 0x2f, next >= 0x34 && next <= 0x37:
				return s.skipTagged(next) // a short final chunk
			default:
				s.pos--
				return s.fail("binary chunk not followed by binary")
			}
		}
	case t == tagRef:
		n, err := s.readInt()
		if err != nil {
			return err
		}
		if n < 0 {
			return s.fail("negative reference")
		}
		return nil
	}
	// Containers.
	if err := s.enter(); err != nil {
		return err
	}
	err := s.skipContainer(t)
	s.depth-- // not deferred: a defer here costs more than the walk of a small map
	return err
}

// skipContainer walks the list, map or object opened by t, after enter.
func (s *scanner) skipContainer(t byte) error {
	switch {
	case t == tagListV:
		if err := s.skipType(); err != nil {
			return err
		}
		return s.skipUntilEnd(false)
	case t == tagListF:
		if err := s.skipType(); err != nil {
			return err
		}
		n, err := s.readCount()
		if err != nil {
			return err
		}
		return s.skipN(n)
	case t == tagListVU:
		return s.skipUntilEnd(false)
	case t == tagListFU:
		n, err := s.readCount()
		if err != nil {
			return err
		}
		return s.skipN(n)
	case t >= 0x70 && t <= 0x77:
		if err := s.skipType(); err != nil {
			return err
		}
		return s.skipN(int(t - 0x70))
	case t >= 0x78 && t <= 0x7f:
		return s.skipN(int(t - 0x78))
	case t == tagMap:
		if err := s.skipType(); err != nil {
			return err
		}
		return s.skipUntilEnd(true)
	case t == tagMapU:
		return s.skipUntilEnd(true)
	case t == tagObject || (t >= 0x60 && t <= 0x6f):
		cls, err := s.objectClass(t)
		if err != nil {
			return err
		}
		return s.skipN(cls.fields)
	}
	s.pos--
	return s.fail("unexpected tag")
}
