package codecbench

import (
	"os"
	"testing"
	"time"

	"github.com/apache/dubbo-go/protocol/dubbo/impl"

	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

const (
	greetings = "org.apache.dubbo.samples.api.GreetingsService"
	hi        = "hi, pulse"
)

func javaBody(b *testing.B, name string) []byte {
	frame, err := os.ReadFile("../../protocol/dubbo/testdata/java/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return frame[exchange.HeaderLen:]
}

// The attachments a Java consumer sends with sayHi.
func attachments() map[string]any {
	return map[string]any{"path": greetings, "interface": greetings, "version": "0.0.0", "timeout": "3000"}
}

func BenchmarkEncodeRequest(b *testing.B) {
	b.Run("pulse", func(b *testing.B) {
		inv := &dubbo.Invocation{Path: greetings, Version: "0.0.0", Method: "sayHi",
			ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{"pulse"}, Attachments: attachments()}
		buf := make([]byte, 0, 512) // the exchange layer's pooled frame buffer
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			frame := append(buf[:0], make([]byte, exchange.HeaderLen)...)
			frame, err := dubbo.EncodeRequest(frame, inv)
			if err != nil {
				b.Fatal(err)
			}
			h := exchange.NewHeader(exchange.FlagRequest|exchange.FlagTwoWay|2, 0, int64(i), len(frame)-exchange.HeaderLen)
			copy(frame, h[:])
			buf = frame
		}
	})
	b.Run("dubbogo", func(b *testing.B) {
		codec := impl.NewDubboCodec(nil)
		att := attachments()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			pkg := impl.DubboPackage{
				Header:  impl.DubboHeader{SerialID: 2, Type: impl.PackageRequest_TwoWay, ID: int64(i)},
				Service: impl.Service{Path: greetings, Interface: greetings, Version: "0.0.0", Method: "sayHi", Timeout: 3 * time.Second},
				Body:    impl.NewRequestPayload([]any{"pulse"}, att),
			}
			if _, err := codec.Encode(pkg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeRequest(b *testing.B) {
	body := javaBody(b, "req_sayhi.bin")
	b.Run("pulse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			inv, err := dubbo.DecodeRequest(body)
			if err != nil || inv.Arguments[0] != "pulse" {
				b.Fatal(err)
			}
		}
	})
	b.Run("dubbogo", func(b *testing.B) {
		s := impl.HessianSerializer{}
		b.ReportAllocs()
		for b.Loop() {
			pkg := &impl.DubboPackage{Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageRequest_TwoWay}}
			if err := s.Unmarshal(body, pkg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeResponse(b *testing.B) {
	b.Run("pulse", func(b *testing.B) {
		res := &dubbo.Result{Value: hi}
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			frame := append(buf[:0], make([]byte, exchange.HeaderLen)...)
			frame, err := dubbo.EncodeResponse(frame, res, dubbo.DefaultDubboVersion)
			if err != nil {
				b.Fatal(err)
			}
			h := exchange.NewHeader(2, exchange.StatusOK, int64(i), len(frame)-exchange.HeaderLen)
			copy(frame, h[:])
			buf = frame
		}
	})
	b.Run("dubbogo", func(b *testing.B) {
		codec := impl.NewDubboCodec(nil)
		// dubbo-go writes flags 3/4/5 only when the result carries dubbo=2.0.2:
		// set it so both sides write the same body as Java (flag 4 + map).
		att := map[string]any{"dubbo": "2.0.2"}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			pkg := impl.DubboPackage{
				Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageResponse, ID: int64(i), ResponseStatus: impl.Response_OK},
				Body:   impl.NewResponsePayload(hi, nil, att),
			}
			if _, err := codec.Encode(pkg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeResponse(b *testing.B) {
	body := javaBody(b, "resp_string_att.bin")
	b.Run("pulse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := dubbo.DecodeResponse(body)
			if err != nil || res.Value != hi {
				b.Fatal(err)
			}
		}
	})
	b.Run("dubbogo", func(b *testing.B) {
		s := impl.HessianSerializer{}
		b.ReportAllocs()
		for b.Loop() {
			var v string
			pkg := &impl.DubboPackage{Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageResponse},
				Body: &impl.ResponsePayload{RspObj: &v}}
			if err := s.Unmarshal(body, pkg); err != nil || v != hi {
				b.Fatal(err)
			}
		}
	})
}

// The same frames must come out of both codecs where they agree byte for byte.
func TestSameResponseBody(t *testing.T) {
	frame, err := dubbo.EncodeResponse(nil, &dubbo.Result{Value: hi}, dubbo.DefaultDubboVersion)
	if err != nil {
		t.Fatal(err)
	}
	pkg := impl.DubboPackage{
		Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageResponse, ResponseStatus: impl.Response_OK},
		Body:   impl.NewResponsePayload(hi, nil, map[string]any{"dubbo": "2.0.2"}),
	}
	theirs, err := impl.NewDubboCodec(nil).Encode(pkg)
	if err != nil {
		t.Fatal(err)
	}
	body := theirs[exchange.HeaderLen:]
	// dubbo-go appends a trailing null after the body.
	if string(body[:len(body)-1]) != string(frame) || body[len(body)-1] != 'N' {
		t.Fatalf("pulse % x\ndubbo-go % x", frame, body)
	}
}
