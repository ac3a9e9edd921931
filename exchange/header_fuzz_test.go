package exchange

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeHeader checks the header codec on arbitrary bytes: no panic, a
// typed error (ErrShortHeader or a *FrameError matching ErrBadFrame), a body
// length within the limit, FrameLen agreeing with DecodeHeader, a byte-exact
// re-encoding of accepted headers, and no allocation on the accepted path.
func FuzzDecodeHeader(f *testing.F) {
	seeds := []Header{
		NewHeader(FlagRequest|FlagTwoWay|2, 0, 1, 300),
		NewHeader(FlagRequest|FlagTwoWay|FlagEvent|2, 0, 7, 1),
		NewHeader(FlagEvent|2, StatusOK, 7, 1),
		NewHeader(FlagRequest|FlagEvent|2, 0, 3, 2),
		NewHeader(2, StatusServiceError, -5, DefaultPayloadLimit),
		NewHeader(2, StatusOK, 9, DefaultPayloadLimit+1),
		NewHeader(FlagRequest, 0, 1, 1),
		NewHeader(2, StatusOK, 1, -1),
	}
	for _, h := range seeds {
		f.Add(append(h[:], 'N'), 0)
		f.Add(h[:], DefaultPayloadLimit)
	}
	f.Add([]byte{0xda, 0xbb, 0xc2}, DefaultPayloadLimit)
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), DefaultPayloadLimit)
	f.Fuzz(func(t *testing.T, buf []byte, limit int) {
		h, err := DecodeHeader(buf, limit)
		n, ferr := FrameLen(buf, limit)
		if len(buf) < HeaderLen {
			if err != ErrShortHeader || n != 0 || ferr != nil {
				t.Fatalf("short input: %v / %d %v", err, n, ferr)
			}
			return
		}
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %T %v is not a *FrameError", err, err)
			}
			if fe.Reason == ReasonPayloadTooLarge && !errors.Is(err, ErrPayloadTooLarge) {
				t.Fatalf("oversized frame error does not match ErrPayloadTooLarge")
			}
			if ferr == nil || n != 0 {
				t.Fatalf("FrameLen accepted what DecodeHeader refused: %d", n)
			}
			_ = err.Error()
			return
		}
		if ferr != nil || n != HeaderLen+h.BodyLen() {
			t.Fatalf("FrameLen = %d %v, header says %d", n, ferr, h.BodyLen())
		}
		if h.BodyLen() < 0 || (limit > 0 && h.BodyLen() > limit) || h.SerializationID() == 0 {
			t.Fatalf("accepted a bad header: %s", h.String())
		}
		again := NewHeader(h.Flags(), h.Status(), h.ID(), h.BodyLen())
		if !bytes.Equal(again[:], buf[:HeaderLen]) {
			t.Fatalf("re-encoded % x, read % x", again[:], buf[:HeaderLen])
		}
		if allocs := testing.AllocsPerRun(1, func() { _, _ = DecodeHeader(buf, limit) }); allocs != 0 {
			t.Fatalf("DecodeHeader allocated %v times", allocs)
		}
		_ = ClassifyEvent(h.SerializationID(), buf[HeaderLen:])
	})
}
