package hessian2

import (
	"errors"
	"strings"
	"testing"

	hessian "github.com/apache/dubbo-go-hessian2"
)

func TestMalformedInputIsTypedError(t *testing.T) {
	deep := strings.Repeat("\x58\x91", 200) + "N" // 200 nested one-element lists
	cases := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"lone untyped map tag 0x48", "\x48"},
		{"map without end", "\x48\x01k\x01v"},
		{"truncated short string", "\x05abc"},
		{"truncated int", "\x49\x00\x01"},
		{"truncated long", "\x4c\x00"},
		{"truncated date", "\x4a\x00\x00"},
		{"bad utf-8 lead", "\x01\xff"},
		{"string chunk then int", "\x52\x00\x01a\x90"},
		{"huge fixed list", "\x58\x49\x7f\xff\xff\xffN"},
		{"negative list length", "\x58\x49\xff\xff\xff\xffN"},
		{"huge typed list", "\x56\x04[int\x49\x10\x00\x00\x00"},
		{"object of undefined class", "\x60\x90"},
		{"object index out of range", "\x4f\x49\x7f\xff\xff\xff"},
		{"class def with huge field count", "\x43\x01A\x49\x7f\xff\xff\xff"},
		{"class def without name", "\x43\x4e\x90\x60"},
		{"type ref out of range", "\x55\x95Z"},
		{"negative ref", "\x51\x8f"},
		{"reserved tag", "\x40"},
		{"stray end", "\x5a"},
		{"nesting too deep", deep},
		{"binary chunk then string", "\x41\x00\x01\x00\x01a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder([]byte(c.in), 0)
			defer d.Release()
			v, err := d.Decode()
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(%q) = %#v, %v; want *DecodeError", c.in, v, err)
			}
		})
	}
}

// Row 28: the library decoder panics on some inputs; ours returns errors.
func TestLibraryPanicsAreContained(t *testing.T) {
	inputs := [][]byte{
		{0x48},
		// a typed list of int holding a string: structurally valid, the
		// library fails while setting the element.
		append([]byte("\x72\x04[int"), "\x01a\x90"...),
		// typed map whose type is a registered POJO but whose keys are ints
		append(append([]byte{'M'}, AppendString(nil, "org.apache.dubbo.samples.api.User")...), 0x90, 0x90, 'Z'),
	}
	for _, in := range inputs {
		d := NewDecoder(in, 0)
		_, err := d.Decode()
		d.Release()
		t.Logf("% x: %v", in, err)
		if err == nil {
			continue // accepted is fine too, as long as nothing panicked
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("Decode(% x) = %v, want *DecodeError", in, err)
		}
	}
	// The raw library on the same 1-byte input, for the record.
	func() {
		defer func() { _ = recover() }()
		_, _ = hessian.NewDecoder([]byte{0x48}).Decode()
	}()
}

func TestDepthLimitOption(t *testing.T) {
	in := []byte(strings.Repeat("\x58\x91", 10) + "N")
	d := NewDecoder(in, 5)
	_, err := d.Decode()
	d.Release()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("depth 10 with limit 5: %v", err)
	}
	d = NewDecoder(in, 20)
	_, err = d.Decode()
	d.Release()
	if err != nil {
		t.Fatalf("depth 10 with limit 20: %v", err)
	}
}

func TestDecodeStringErrors(t *testing.T) {
	d := NewDecoder([]byte{0x90}, 0)
	defer d.Release()
	if _, _, err := d.DecodeString(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("int as string: %v", err)
	}
	d2 := NewDecoder([]byte{'N'}, 0)
	defer d2.Release()
	if s, null, err := d2.DecodeString(); err != nil || !null || s != "" {
		t.Fatalf("null string: %q %v %v", s, null, err)
	}
}

// Lists, maps and objects are bounded by the input size, so that a body of
// one-byte empty lists cannot make the decoder allocate hundreds of times
// its size.
func TestContainerBudget(t *testing.T) {
	list := func(n int, elem string) []byte {
		b := AppendInt([]byte{'X'}, int32(n))
		return append(b, strings.Repeat(elem, n)...)
	}
	d := NewDecoder(list(100000, "\x78"), 0)
	_, err := d.Decode()
	d.Release()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("100000 empty lists: %v", err)
	}
	// Three bytes per list (two small ints each) is within budget.
	d = NewDecoder(list(100000, "\x7a\x90\x90"), 0)
	_, err = d.Decode()
	d.Release()
	if err != nil {
		t.Fatalf("100000 two-element lists: %v", err)
	}
}
