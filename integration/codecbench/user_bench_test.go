package codecbench

import (
	"testing"
	"time"

	"github.com/apache/dubbo-go/protocol/dubbo/impl"

	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/serialization/hessian2"
)

// User is the interop contract's POJO. Both codecs share dubbo-go-hessian2's
// registry in this process, so one registration serves both.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

func ada() *User {
	return &User{ID: "u1", Name: "Ada", Age: 36, Registered: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// getUser's answer: a POJO, which both codecs write through the library.
func BenchmarkEncodeUserResponse(b *testing.B) {
	hessian2.Register(&User{})
	b.Run("pulse", func(b *testing.B) {
		res := &dubbo.Result{Value: ada()}
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
		att := map[string]any{"dubbo": "2.0.2"}
		u := ada()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			pkg := impl.DubboPackage{
				Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageResponse, ID: int64(i), ResponseStatus: impl.Response_OK},
				Body:   impl.NewResponsePayload(u, nil, att),
			}
			if _, err := codec.Encode(pkg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeUserResponse(b *testing.B) {
	hessian2.Register(&User{})
	body := javaBody(b, "resp_user_att.bin")
	b.Run("pulse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := dubbo.DecodeResponse(body)
			if err != nil || res.Value.(*User).Age != 36 {
				b.Fatal(err)
			}
		}
	})
	b.Run("dubbogo", func(b *testing.B) {
		s := impl.HessianSerializer{}
		b.ReportAllocs()
		for b.Loop() {
			var u User
			pkg := &impl.DubboPackage{Header: impl.DubboHeader{SerialID: 2, Type: impl.PackageResponse},
				Body: &impl.ResponsePayload{RspObj: &u}}
			if err := s.Unmarshal(body, pkg); err != nil || u.Age != 36 {
				b.Fatal(err)
			}
		}
	})
}
