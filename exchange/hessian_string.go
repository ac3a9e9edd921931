package exchange

import "unicode/utf8"

// Error responses carry a hessian2 string as their body; the health a Pulse
// server reports is one too. These two helpers cover exactly that much of
// hessian2 so that the exchange needs no serializer.

// appendHessianString appends s as a hessian2 string (compact forms for
// lengths < 1024, chunked above). Lengths count UTF-16 units, as Java does.
func appendHessianString(dst []byte, s string) []byte {
	units := 0
	for _, r := range s {
		units++
		if r > 0xffff {
			units++
		}
	}
	// Long strings go out as 'S' chunks of up to 0xffff units; split on runes.
	for units > 0xffff {
		n, i := 0, 0
		for i < len(s) && n < 0xfffe {
			r, size := utf8.DecodeRuneInString(s[i:])
			n++
			if r > 0xffff {
				n++
			}
			i += size
		}
		if n == units {
			break
		}
		dst = append(dst, 'R', byte(n>>8), byte(n))
		dst = append(dst, s[:i]...)
		s, units = s[i:], units-n
	}
	switch {
	case units < 32:
		dst = append(dst, byte(units))
	case units < 1024:
		dst = append(dst, byte(0x30+units>>8), byte(units))
	default:
		dst = append(dst, 'S', byte(units>>8), byte(units))
	}
	return append(dst, s...)
}

// readHessianString reads a hessian2 string from the start of b. It returns
// false for anything else or a truncated value. It never allocates more than
// len(b).
func readHessianString(b []byte) (string, bool) {
	var out []byte
	for {
		if len(b) == 0 {
			return "", false
		}
		var units int
		final := true
		switch c := b[0]; {
		case c < 0x20:
			units, b = int(c), b[1:]
		case c >= 0x30 && c <= 0x33:
			if len(b) < 2 {
				return "", false
			}
			units, b = int(c-0x30)<<8|int(b[1]), b[2:]
		case c == 'S' || c == 'R':
			if len(b) < 3 {
				return "", false
			}
			units, b, final = int(b[1])<<8|int(b[2]), b[3:], c == 'S'
		default:
			return "", false
		}
		i := 0
		for units > 0 {
			if i >= len(b) {
				return "", false
			}
			r, size := utf8.DecodeRune(b[i:])
			units--
			if r > 0xffff {
				units--
			}
			i += size
		}
		out = append(out, b[:i]...)
		b = b[i:]
		if final {
			return string(out), true
		}
	}
}
