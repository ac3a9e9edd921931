package hessian2

import (
	"bytes"
	"math"
	"time"
	"unicode/utf8"
)

// Hessian 2 tags this package writes or reads itself.
const (
	tagNull      = 'N'
	tagTrue      = 'T'
	tagFalse     = 'F'
	tagInt       = 'I'
	tagLong      = 'L'
	tagLongInt   = 0x59
	tagDouble    = 'D'
	tagDouble0   = 0x5b
	tagDouble1   = 0x5c
	tagDoubleB   = 0x5d
	tagDoubleS   = 0x5e
	tagDoubleM   = 0x5f
	tagDate      = 0x4a
	tagDateMin   = 0x4b
	tagString    = 'S'
	tagChunk     = 'R'
	tagBinary    = 'B'
	tagBinChunk  = 'A'
	tagMap       = 'M'
	tagMapU      = 'H'
	tagEnd       = 'Z'
	tagClassDef  = 'C'
	tagObject    = 'O'
	tagRef       = 'Q'
	tagListV     = 'U'  // variable-length typed list
	tagListF     = 'V'  // fixed-length typed list
	tagListVU    = 'W'  // variable-length untyped list
	tagListFU    = 'X'  // fixed-length untyped list
	stringChunk  = 4096 // chars per chunk, as dubbo-go-hessian2 writes
	maxDirectStr = 0x1f
	maxShortStr  = 0x3ff
)

// AppendNull appends the Hessian null, 'N'.
func AppendNull(b []byte) []byte { return append(b, tagNull) }

// AppendBool appends 'T' or 'F'.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, tagTrue)
	}
	return append(b, tagFalse)
}

// AppendInt appends a 32-bit Hessian int in its most compact form.
func AppendInt(b []byte, v int32) []byte {
	switch {
	case -0x10 <= v && v <= 0x2f:
		return append(b, byte(v+0x90))
	case -0x800 <= v && v <= 0x7ff:
		return append(b, byte(0xc8+v>>8), byte(v))
	case -0x40000 <= v && v <= 0x3ffff:
		return append(b, byte(0xd4+v>>16), byte(v>>8), byte(v))
	}
	return append(b, tagInt, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// AppendLong appends a 64-bit Hessian long in its most compact form.
func AppendLong(b []byte, v int64) []byte {
	switch {
	case -0x08 <= v && v <= 0x0f:
		return append(b, byte(v+0xe0))
	case -0x800 <= v && v <= 0x7ff:
		return append(b, byte(0xf8+v>>8), byte(v))
	case -0x40000 <= v && v <= 0x3ffff:
		return append(b, byte(0x3c+v>>16), byte(v>>8), byte(v))
	case math.MinInt32 <= v && v <= math.MaxInt32:
		return append(b, tagLongInt, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, tagLong, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// AppendDouble appends a Hessian double, in the compact forms for small
// whole numbers, exactly as dubbo-go-hessian2 does.
func AppendDouble(b []byte, v float64) []byte {
	if v == math.Trunc(v) && v >= -0x8000 && v < 0x8000 {
		switch iv := int64(v); {
		case iv == 0:
			return append(b, tagDouble0)
		case iv == 1:
			return append(b, tagDouble1)
		case iv >= -0x80 && iv < 0x80:
			return append(b, tagDoubleB, byte(iv))
		default:
			return append(b, tagDoubleS, byte(iv>>8), byte(iv))
		}
	}
	u := math.Float64bits(v)
	return append(b, tagDouble, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

// AppendDate appends a java.util.Date in milliseconds; the zero time.Time is
// written as null, as dubbo-go-hessian2 does. Milliseconds are computed
// without UnixNano, so dates past the year 2262 survive.
func AppendDate(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, tagNull)
	}
	ms := t.UnixMilli()
	return append(b, tagDate, byte(ms>>56), byte(ms>>48), byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms))
}

// AppendString appends a Hessian string. Lengths count UTF-16 code units,
// characters outside the Basic Multilingual Plane go out as a surrogate pair
// of 3-byte sequences (as Java writes them), and strings longer than 4096
// units are chunked in pieces of 4096 units (as dubbo-go-hessian2 does).
func AppendString(b []byte, s string) []byte {
	if isASCII(s) {
		for len(s) > stringChunk {
			b = append(b, tagChunk, stringChunk>>8, stringChunk&0xff)
			b = append(b, s[:stringChunk]...)
			s = s[stringChunk:]
		}
		b = appendStringHeader(b, tagString, len(s))
		return append(b, s...)
	}
	return appendStringSlow(b, s)
}

func appendStringHeader(b []byte, final byte, n int) []byte {
	switch {
	case n <= maxDirectStr && final == tagString:
		return append(b, byte(n))
	case n <= maxShortStr && final == tagString:
		return append(b, byte(0x30+n>>8), byte(n))
	}
	return append(b, final, byte(n>>8), byte(n))
}

func appendStringSlow(b []byte, s string) []byte {
	// Count UTF-16 units per chunk; emit a chunk when it would exceed the limit.
	const limit = stringChunk
	for len(s) > 0 {
		units, i := 0, 0
		for i < len(s) && units < limit {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				units += 2
			} else {
				units++
			}
			i += size
		}
		tag := byte(tagString)
		if i < len(s) {
			tag = tagChunk
		}
		b = appendStringHeader(b, tag, units)
		for _, r := range s[:i] {
			switch {
			case r >= 0x10000:
				t := uint32(r) - 0x10000
				b = appendUCS2(b, t>>10+0xd800)
				b = appendUCS2(b, t&0x3ff+0xdc00)
			default:
				b = appendUCS2(b, uint32(r))
			}
		}
		s = s[i:]
	}
	return b
}

func appendUCS2(b []byte, c uint32) []byte {
	switch {
	case c < 0x80:
		return append(b, byte(c))
	case c < 0x800:
		return append(b, byte(0xc0|c>>6), byte(0x80|c&0x3f))
	}
	return append(b, byte(0xe0|c>>12&0x0f), byte(0x80|c>>6&0x3f), byte(0x80|c&0x3f))
}

// isASCII reports whether s is all ASCII, 8 bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		_ = s[i+7]
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// javaString turns the bytes of one or more string chunks (Java's modified
// UTF-8 with surrogate pairs as two 3-byte sequences) into a Go string.
func javaString(raw []byte) string {
	if bytes.IndexByte(raw, 0xed) >= 0 { // lead byte of every encoded surrogate
		return string(fixSurrogates(raw))
	}
	return string(raw)
}

func fixSurrogates(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == 0xed && i+2 < len(raw) {
			hi := uint32(c&0x0f)<<12 | uint32(raw[i+1]&0x3f)<<6 | uint32(raw[i+2]&0x3f)
			if hi >= 0xd800 && hi <= 0xdbff && i+5 < len(raw) && raw[i+3] == 0xed {
				lo := uint32(raw[i+3]&0x0f)<<12 | uint32(raw[i+4]&0x3f)<<6 | uint32(raw[i+5]&0x3f)
				if lo >= 0xdc00 && lo <= 0xdfff {
					out = utf8.AppendRune(out, rune((hi-0xd800)<<10+(lo-0xdc00)+0x10000))
					i += 6
					continue
				}
			}
			if hi >= 0xd800 && hi <= 0xdfff {
				out = utf8.AppendRune(out, utf8.RuneError)
				i += 3
				continue
			}
		}
		out = append(out, c)
		i++
	}
	return out
}
