package dubbo

import (
	"strings"
	"testing"
)

// Codec benchmarks for a sayHi call. integration/codecbench runs the same
// operations beside dubbo-go v1.5.9's codec.

func benchAttachments() map[string]any {
	return map[string]any{"path": greetings, "interface": greetings, "version": "0.0.0", "timeout": "3000"}
}

func BenchmarkEncodeRequest(b *testing.B) {
	inv := &Invocation{Path: greetings, Version: "0.0.0", Method: "sayHi",
		ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{"pulse"}, Attachments: benchAttachments()}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		out, err := EncodeRequest(buf[:16], inv)
		if err != nil {
			b.Fatal(err)
		}
		buf = out[:0]
	}
}

func BenchmarkDecodeRequest(b *testing.B) {
	inv := &Invocation{Path: greetings, Version: "0.0.0", Method: "sayHi",
		ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{"pulse"}, Attachments: benchAttachments()}
	body, err := EncodeRequest(nil, inv)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeResponse(b *testing.B) {
	res := &Result{Value: "hi, pulse"}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		out, err := EncodeResponse(buf[:16], res, DefaultDubboVersion)
		if err != nil {
			b.Fatal(err)
		}
		buf = out[:0]
	}
}

func BenchmarkDecodeResponse(b *testing.B) {
	body, err := EncodeResponse(nil, &Result{Value: "hi, pulse"}, DefaultDubboVersion)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRequest4K: sayHi with a 4 KiB argument (the bench
// harness's hi4k call).
func BenchmarkDecodeRequest4K(b *testing.B) {
	inv := &Invocation{Path: greetings, Version: "0.0.0", Method: "sayHi",
		ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{strings.Repeat("p", 4096)},
		Attachments: benchAttachments()}
	body, err := EncodeRequest(nil, inv)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}
