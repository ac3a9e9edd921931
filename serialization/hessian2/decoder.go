package hessian2

import (
	"fmt"
	"math"
	"sync"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
)

// Decoder reads consecutive Hessian 2 values from one byte slice. It is not
// safe for concurrent use. Get one with NewDecoder and Release it when done.
//
// Each value is walked by the bounds-checked scanner before it is decoded.
// Nulls, booleans, numbers, dates, strings and maps of those are decoded
// here; lists, objects, references and the rest by one library decoder per
// stream. The library decoder must see every value of the stream in order,
// because class definitions and references span values: when it first
// starts after values that defined classes or references, it replays the
// stream from the start, and values decoded here while it runs are replayed
// into it (lag) before it decodes the next one. Since most bodies end with
// a map of strings, the replay rarely happens.
type Decoder struct {
	sc   scanner
	h    *hessian.Decoder
	live bool // h is positioned in the stream
	lag  int  // values h must still read (and drop) to reach the scanner
	vals int  // top-level values read so far
}

var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// NewDecoder returns a pooled decoder reading b. Nesting deeper than
// maxDepth (<= 0: DefaultMaxDepth) is refused.
func NewDecoder(b []byte, maxDepth int) *Decoder {
	d := decoderPool.Get().(*Decoder)
	d.sc.maxDepth = maxDepth
	d.sc.reset(b)
	d.live, d.lag, d.vals = false, 0, 0
	return d
}

// Intern makes the decoder return the values of strs, which must map each
// string to itself (boxed once, so that returning it as an any costs no
// allocation), for strings equal to one of its keys. Meant for the handful
// of strings every message repeats (protocol versions, attachment keys).
// strs must not change while the decoder uses it.
func (d *Decoder) Intern(strs map[string]any) { d.sc.intern = strs }

// Release returns the decoder to the pool. Decoded values stay valid (they
// never alias the input). The library decoder keeps a reference to the last
// input until its next use.
func (d *Decoder) Release() {
	d.sc.b, d.sc.intern = nil, nil
	d.live = false
	decoderPool.Put(d)
}

// Offset is the position of the next value in the input.
func (d *Decoder) Offset() int { return d.sc.pos }

// Remaining is the number of input bytes after the last value read.
func (d *Decoder) Remaining() int { return d.sc.remaining() }

// ours records a value decoded (or skipped) here.
func (d *Decoder) ours() {
	d.vals++
	if d.live {
		d.lag++
	}
}

// Skip walks over the next value without decoding it.
func (d *Decoder) Skip() error {
	if err := d.sc.skip(); err != nil {
		return err
	}
	d.ours()
	return nil
}

// Decode reads the next value.
func (d *Decoder) Decode() (any, error) {
	start, before := d.sc.pos, d.sc.mark()
	if start < len(d.sc.b) && isStringTag(d.sc.b[start]) {
		// Walked and read in one pass (the scanner checks it as it goes).
		v, err := d.sc.readStringAny()
		if err != nil {
			return nil, err
		}
		d.ours()
		return v, nil
	}
	if err := d.sc.skip(); err != nil {
		return nil, err
	}
	if v, ok := d.primitive(start); ok {
		d.ours()
		return v, nil
	}
	if !d.live {
		d.start(start, before)
	}
	v, err := d.library(start)
	d.vals++
	return v, err
}

// start positions the library decoder before the value at offset at. If
// earlier values defined classes or references, the library replays them.
func (d *Decoder) start(at int, before mark) {
	from := at
	d.lag = 0
	if before.classes > 0 || before.containers > 0 {
		from, d.lag = 0, d.vals
	}
	if d.h == nil {
		d.h = hessian.NewDecoder(d.sc.b[from:])
	} else {
		d.h.Reset(d.sc.b[from:])
	}
	d.live = true
}

func (d *Decoder) library(start int) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &DecodeError{Offset: start, Reason: "library decoder panic", Err: fmt.Errorf("%v", r)}
		}
	}()
	for ; d.lag > 0; d.lag-- {
		if _, err := d.h.Decode(); err != nil {
			return nil, &DecodeError{Offset: start, Reason: "library decoder (replay)", Err: err}
		}
	}
	v, err = d.h.Decode()
	if err != nil {
		return nil, &DecodeError{Offset: start, Reason: "library decoder", Err: err}
	}
	return v, nil
}

// primitive decodes the scanned value at start when it is a null, bool,
// int, long, double, date or string.
func (d *Decoder) primitive(start int) (any, bool) { return d.sc.primitiveAt(start) }

// primitiveAt decodes the value between start and the current position
// (already walked) when it is a null, bool, int, long, double, date or
// string.
func (sc *scanner) primitiveAt(start int) (any, bool) {
	end := sc.pos
	s := scanner{b: sc.b[:end], pos: start + 1, intern: sc.intern}
	t := sc.b[start]
	switch {
	case t == tagNull:
		return nil, true
	case t == tagTrue:
		return true, true
	case t == tagFalse:
		return false, true
	case t >= 0x80 && t <= 0xd7, t == tagInt:
		v, _ := s.intBody(t)
		return v, true
	case t >= 0xd8, t >= 0x38 && t <= 0x3f, t == tagLongInt, t == tagLong:
		v, _, _ := s.longBody(t)
		return v, true
	case isStringTag(t):
		if t <= maxDirectStr { // short string: maybe interned, already boxed
			if v, ok := s.interned(sc.b[start+1 : end]); ok {
				return v, true
			}
		}
		s.pos = start
		v, _, _ := s.readString()
		return v, true
	case t == tagDate:
		ms := int64(beUint64(sc.b[start+1:]))
		return time.UnixMilli(ms), true
	case t == tagDouble:
		return math.Float64frombits(beUint64(sc.b[start+1:])), true
	case t == tagDouble0:
		return float64(0), true
	case t == tagDouble1:
		return float64(1), true
	case t == tagDoubleB:
		return float64(int8(sc.b[start+1])), true
	case t == tagDoubleS:
		return float64(int16(uint16(sc.b[start+1])<<8 | uint16(sc.b[start+2]))), true
	}
	return nil, false
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// DecodeString reads a string or null (null=true).
func (d *Decoder) DecodeString() (s string, null bool, err error) {
	if !d.live {
		s, null, err = d.sc.readString()
		if err == nil {
			d.vals++
		}
		return s, null, err
	}
	start := d.sc.pos
	v, err := d.Decode()
	if err != nil {
		return "", false, err
	}
	switch x := v.(type) {
	case nil:
		return "", true, nil
	case string:
		return x, false, nil
	}
	return "", false, &DecodeError{Offset: start, Reason: fmt.Sprintf("expected a string, got %T", v)}
}

// DecodeInt reads an int or a long that fits an int32.
func (d *Decoder) DecodeInt() (int32, error) {
	start := d.sc.pos
	v, err := d.Decode()
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case int32:
		return x, nil
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return int32(x), nil
		}
	}
	return 0, &DecodeError{Offset: start, Reason: fmt.Sprintf("expected an int, got %T", v)}
}

// DecodeStringMap reads a map whose keys are strings (Dubbo's attachments):
// null gives a nil map.
func (d *Decoder) DecodeStringMap() (map[string]any, error) {
	start := d.sc.pos
	mk := d.sc.mark()
	if m, ok, err := d.fastStringMap(); ok || err != nil {
		if err == nil {
			d.ours()
		}
		return m, err
	}
	d.sc.restore(mk)
	v, err := d.Decode()
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, &DecodeError{Offset: start, Reason: fmt.Sprintf("map key of type %T, want string", k)}
			}
			m[ks] = val
		}
		return m, nil
	}
	return nil, &DecodeError{Offset: start, Reason: fmt.Sprintf("expected a map, got %T", v)}
}

// fastStringMap decodes an untyped map of string keys and primitive values
// without the library. ok=false (and no error) means: not such a map, let
// the library decode it from the same position.
func (d *Decoder) fastStringMap() (map[string]any, bool, error) {
	s := &d.sc
	t, err := s.peek()
	if err != nil {
		return nil, false, err
	}
	if t == tagNull {
		s.pos++
		return nil, true, nil
	}
	if t != tagMapU {
		return nil, false, nil
	}
	// One pass: keys and values are checked as they are read. Anything
	// else than a string key and a primitive value gives up (the caller
	// rewinds and lets the library decode the map).
	s.pos++
	if err := s.enter(); err != nil { // the map counts as a reference
		return nil, false, err
	}
	m, ok, err := d.stringMapEntries()
	s.depth--
	return m, ok, err
}

// stringMapEntries reads the entries of the map fastStringMap opened.
func (d *Decoder) stringMapEntries() (map[string]any, bool, error) {
	s := &d.sc
	m := make(map[string]any, 8)
	for {
		t, err := s.peek()
		if err != nil {
			return nil, false, err
		}
		if t == tagEnd {
			s.pos++
			return m, true, nil
		}
		if !isStringTag(t) {
			return nil, false, nil
		}
		k, _, err := s.readString()
		if err != nil {
			return nil, false, err
		}
		if t, err = s.peek(); err != nil {
			return nil, false, err
		}
		var v any
		if isStringTag(t) {
			if v, err = s.readStringAny(); err != nil {
				return nil, false, err
			}
		} else {
			vs := s.pos
			if err := s.skip(); err != nil {
				return nil, false, err
			}
			var ok bool
			if v, ok = d.primitive(vs); !ok {
				return nil, false, nil // a list, map or object: the library's
			}
		}
		m[k] = v
	}
}
