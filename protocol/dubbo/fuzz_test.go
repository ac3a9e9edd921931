package dubbo

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// allocBound is the most a decode may allocate for a body of n bytes: a
// constant factor of the input (decoded Go values are larger than their
// bytes) plus the pooled decoder's buffers. An allocation sized by an
// unchecked length from the wire (a 2^31-element list, say) breaks it.
func allocBound(n int) uint64 { return 512*uint64(n) + 4<<20 }

func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func requestSeeds() [][]byte {
	registerCodecTypes()
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	generic, _ := GenericInvocation("org.apache.dubbo.samples.api.UserService", "getUser", nil, []any{"u1"})
	invs := []*Invocation{
		sayHi(),
		{Path: "p", Method: "m"},
		{Path: "p", Method: "m", Arguments: []any{int32(1), int64(2), true, 2.5, []byte{1}, reg, []any{"a", nil}, map[string]any{"k": []any{int32(1)}}}},
		{Path: "p", Method: "m", Arguments: []any{&codecUser{ID: "u1", Registered: reg}, []*codecUser{{ID: "a"}, {ID: "b"}}}},
		generic,
	}
	var out [][]byte
	for _, inv := range invs {
		b, err := EncodeRequest(nil, inv)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func responseSeeds() [][]byte {
	registerCodecTypes()
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var out [][]byte
	for _, peer := range []string{"2.0.2", "2.0.0"} {
		for _, r := range []*Result{
			{Value: "hi, pulse"},
			{},
			{Value: &codecUser{ID: "u1", Name: "Ada", Age: 36, Registered: reg}, Attachments: map[string]any{"k": "v"}},
			{Value: []any{int32(1), map[string]any{"a": nil}}},
			{Exception: &JavaException{JavaClass: "com.example.E", Message: "m", Cause: &JavaException{JavaClass: "java.io.IOException"}}},
		} {
			b, err := EncodeResponse(nil, r, peer)
			if err != nil {
				panic(err)
			}
			out = append(out, b, append(b, 'N'))
		}
	}
	out = append(out, append([]byte{0x90}, exceptionBytes("java.lang.IllegalArgumentException", "no user missing")...))
	return out
}

// FuzzDecodeRequest: any body gives an invocation or a *DecodeError, never a
// panic, and allocates within allocBound.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range requestSeeds() {
		f.Add(s)
	}
	f.Add([]byte{0x48})
	f.Fuzz(func(t *testing.T, body []byte) {
		var err error
		n := allocated(func() { _, err = DecodeRequest(body) })
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
		}
		if n > allocBound(len(body)) {
			t.Fatalf("%d-byte body allocated %d bytes", len(body), n)
		}
	})
}

// FuzzDecodeResponse: same invariants for response and error-message bodies.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range responseSeeds() {
		f.Add(s)
	}
	f.Add([]byte{0x91, 0x48})
	f.Fuzz(func(t *testing.T, body []byte) {
		var err, merr error
		n := allocated(func() {
			_, err = DecodeResponse(body)
			_, merr = DecodeErrorMessage(body)
		})
		var de *DecodeError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("error %T %v is not a *DecodeError", err, err)
		}
		if merr != nil && !errors.As(merr, &de) {
			t.Fatalf("error message: %T %v is not a *DecodeError", merr, merr)
		}
		if n > allocBound(len(body)) {
			t.Fatalf("%d-byte body allocated %d bytes", len(body), n)
		}
	})
}
