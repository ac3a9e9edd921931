package exchange

import (
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		flags byte
		st    Status
		id    int64
		n     int
		want  string
	}{
		{"two-way request", FlagRequest | FlagTwoWay | 2, 0, 7, 300, "da bb c2 00 00 00 00 00 00 00 00 07 00 00 01 2c"},
		{"heartbeat request", FlagRequest | FlagTwoWay | FlagEvent | 2, 0, 1, 1, "da bb e2 00 00 00 00 00 00 00 00 01 00 00 00 01"},
		{"heartbeat answer", FlagEvent | 2, StatusOK, 1, 1, "da bb 22 14 00 00 00 00 00 00 00 01 00 00 00 01"},
		{"negative id", FlagRequest | 2, 0, -2, 0, "da bb 82 00 ff ff ff ff ff ff ff fe 00 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHeader(tt.flags, tt.st, tt.id, tt.n)
			if got := hexBytes(h[:]); got != tt.want {
				t.Fatalf("bytes = %s, want %s", got, tt.want)
			}
			back, err := DecodeHeader(h[:], DefaultPayloadLimit)
			if err != nil {
				t.Fatal(err)
			}
			if back.ID() != tt.id || back.BodyLen() != tt.n || back.Status() != tt.st || back.Flags() != tt.flags {
				t.Fatalf("decoded %s", back.String())
			}
		})
	}
}

func TestDecodeHeaderRejects(t *testing.T) {
	ok := NewHeader(FlagRequest|FlagTwoWay|2, 0, 1, 10)
	badMagic := ok
	badMagic[0] = 0xdb
	negative := NewHeader(FlagRequest|2, 0, 1, -1)
	big := NewHeader(FlagRequest|2, 0, 1, DefaultPayloadLimit+1)
	noSer := NewHeader(FlagRequest, 0, 1, 1)
	tests := []struct {
		name string
		buf  []byte
		want Reason
	}{
		{"bad magic", badMagic[:], ReasonBadMagic},
		{"negative length", negative[:], ReasonNegativeLength},
		{"over payload", big[:], ReasonPayloadTooLarge},
		{"no serialization", noSer[:], ReasonNoSerialization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeHeader(tt.buf, DefaultPayloadLimit)
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Reason != tt.want || !errors.Is(err, ErrBadFrame) {
				t.Fatalf("err = %v, want reason %v", err, tt.want)
			}
		})
	}
	if _, err := DecodeHeader(big[:], 0); err != nil {
		t.Fatalf("limit 0 means no limit, got %v", err)
	}
}

func TestFrameLenNeedsMore(t *testing.T) {
	h := NewHeader(FlagRequest|FlagTwoWay|2, 0, 1, 5)
	for i := 0; i < HeaderLen; i++ {
		if n, err := FrameLen(h[:i], DefaultPayloadLimit); n != 0 || err != nil {
			t.Fatalf("FrameLen(%d bytes) = %d, %v; want need-more", i, n, err)
		}
	}
	if n, err := FrameLen(h[:], DefaultPayloadLimit); n != HeaderLen+5 || err != nil {
		t.Fatalf("FrameLen = %d, %v", n, err)
	}
}

func hexBytes(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
