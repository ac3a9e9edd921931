package hessian2

import (
	"errors"
	"strings"
	"testing"

	hessian "github.com/apache/dubbo-go-hessian2"
)

// stringCases put non-ASCII characters (2- and 3-byte, surrogate pairs) at
// every offset around the 8-byte ASCII steps of the scanner, in single and
// chunked strings (over 32768 units).
func stringCases() []string {
	cases := []string{"", "a", "héllo", "日本語", "a😀b", "\u07ff\u0800\uffff", "\ud7ff\ue000"}
	for _, odd := range []string{"é", "語", "😀"} {
		for pre := 0; pre <= 17; pre++ {
			cases = append(cases, strings.Repeat("x", pre)+odd+strings.Repeat("y", 17-pre))
		}
	}
	return append(cases, strings.Repeat("x", 4096), strings.Repeat("x", 32768), strings.Repeat("x", 32767)+"é",
		strings.Repeat("ab", 70000)+"😀", strings.Repeat("é", 40000))
}

// TestStringsDecodeAsLibrary: the one-pass string reading (Decode,
// DecodeString, values and keys of a string map) gives what the library
// decoder gives for the same bytes, and every truncation is a typed error.
func TestStringsDecodeAsLibrary(t *testing.T) {
	for _, s := range stringCases() {
		b := encodeOne(t, s)
		want, err := hessian.NewDecoder(b).Decode()
		if err != nil || want != s {
			t.Fatalf("library: %.40q: %v %.40q", s, err, want)
		}
		if got := decodeOne(t, b); got != want {
			t.Errorf("Decode %.40q: got %.40q", s, got)
		}
		d := NewDecoder(b, 0)
		if got, null, err := d.DecodeString(); err != nil || null || got != want {
			t.Errorf("DecodeString %.40q: got %.40q %v %v", s, got, null, err)
		}
		d.Release()
		m := encodeOne(t, map[string]any{s: s, "k": s})
		d = NewDecoder(m, 0)
		got, err := d.DecodeStringMap()
		d.Release()
		if err != nil || len(got) != 2 || got[s] != s || got["k"] != s {
			t.Errorf("DecodeStringMap with %.40q: %v", s, err)
		}
		if len(b) > 200 {
			continue // the cuts of the short ones cover every path
		}
		for cut := 1; cut < len(b); cut++ {
			d := NewDecoder(b[:cut], 0)
			_, err := d.Decode()
			d.Release()
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%q cut at %d: %v, want a *DecodeError", s, cut, err)
			}
		}
	}
}

// TestBadUTF8InString: a byte that cannot start a UTF-8 sequence, and a
// sequence cut by the end of the input, are refused however long the ASCII
// run in front of them.
func TestBadUTF8InString(t *testing.T) {
	for pre := 0; pre <= 17; pre++ {
		body := []byte(strings.Repeat("x", pre) + "\xff" + strings.Repeat("y", 17-pre))
		in := append([]byte{0x30, byte(len(body))}, body...)
		d := NewDecoder(in, 0)
		if _, err := d.Decode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("0xff after %d ASCII bytes: %v", pre, err)
		}
		d.Release()
		// Claims one more unit than there are bytes.
		n := pre + 18
		d = NewDecoder(append([]byte{0x30, byte(n)}, strings.Repeat("x", n-1)...), 0)
		if _, err := d.Decode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("truncated after %d ASCII bytes: %v", pre, err)
		}
		d.Release()
	}
}

// TestIsASCII: a non-ASCII byte is found at every offset around the 8-byte
// steps.
func TestIsASCII(t *testing.T) {
	for n := 0; n <= 20; n++ {
		s := strings.Repeat("a", n)
		if !isASCII(s) {
			t.Fatalf("%q: not ASCII", s)
		}
		for i := 0; i < n; i++ {
			b := []byte(s)
			b[i] = 0x80
			if isASCII(string(b)) {
				t.Fatalf("%q: ASCII", b)
			}
		}
	}
}
