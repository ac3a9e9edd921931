// Command golden-dubbogo writes golden Dubbo frames with dubbo-go v1.5.9's own
// codec (protocol/dubbo.DubboCodec over protocol/dubbo/impl), the code a
// dubbo-go consumer and provider put on the wire. Pulse's tests read the
// frames; nothing here is built by Pulse's CI.
//
//	cd integration/golden-dubbogo && go run . ../..
//	cd integration/golden-dubbogo && go run . verify ../.. java pulse
//
// It writes protocol/dubbo/testdata/dubbogo/*.bin and
// exchange/testdata/dubbogo/*.bin under -root. See protocol/dubbo/testdata/README.md.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"
	"github.com/apache/dubbo-go/protocol"
	"github.com/apache/dubbo-go/protocol/dubbo"
	"github.com/apache/dubbo-go/protocol/invocation"
	"github.com/apache/dubbo-go/remoting"
)

const (
	greetings = "org.apache.dubbo.samples.api.GreetingsService"
	users     = "org.apache.dubbo.samples.api.UserService"
)

// User is the interop contract's POJO as a dubbo-go program declares it.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

// JavaClassName names the Java class the struct stands for.
func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

func main() {
	// dubbo-go's packages parse the command line in their init functions,
	// so the repository root is a plain argument, not a flag.
	hessian.RegisterPOJO(&User{})
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "verify" {
		// verify ROOT DIR...: read Java's and Pulse's frames with dubbo-go's codec.
		if len(args) < 3 {
			log.Fatal("usage: go run . verify ROOT DIR...")
		}
		if err := verify(args[1], args[2:]); err != nil {
			log.Fatal(err)
		}
		return
	}
	root := "../.."
	if len(args) > 0 {
		root = args[0]
	}
	if err := run(root); err != nil {
		log.Fatal(err)
	}
}

func run(root string) error {
	bodies := filepath.Join(root, "protocol/dubbo/testdata/dubbogo")
	events := filepath.Join(root, "exchange/testdata/dubbogo")
	for _, d := range []string{bodies, events} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	codec := &dubbo.DubboCodec{}
	w := writer{codec: codec}

	// Requests: ids come from dubbo-go's own sequence (2, 4, ...), the
	// attachments are those its DubboInvoker sets for a URL with interface
	// and the default 3 s timeout.
	w.request(bodies, "req_sayhi", "sayHi", greetings, "pulse")
	w.request(bodies, "req_getuser", "getUser", users, "u1")

	ada := &User{ID: "u1", Name: "Ada", Age: 36, Registered: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	noUser := java_exception.NewIllegalArgumentException("no user missing")
	// What dubbo-go's provider sends: no result attachments, so flags 0/1/2.
	w.response(bodies, "resp_string", 1, protocol.RPCResult{Rest: "hi, pulse"})
	w.response(bodies, "resp_user", 2, protocol.RPCResult{Rest: ada})
	w.response(bodies, "resp_null", 3, protocol.RPCResult{})
	w.response(bodies, "resp_exception", 4, protocol.RPCResult{Err: noUser})
	// A plain Go error goes out as java.lang.Throwable.
	w.response(bodies, "resp_go_error", 5, protocol.RPCResult{Err: errors.New("no user missing")})
	// The codec's attachment branch (flags 3/4/5), taken when the result
	// carries dubbo=2.0.2; dubbo-go's own provider never fills it.
	att := func() map[string]any { return map[string]any{"dubbo": "2.0.2"} }
	w.response(bodies, "resp_string_att", 1, protocol.RPCResult{Rest: "hi, pulse", Attrs: att()})
	w.response(bodies, "resp_user_att", 2, protocol.RPCResult{Rest: ada, Attrs: att()})
	w.response(bodies, "resp_null_att", 3, protocol.RPCResult{Attrs: att()})
	w.response(bodies, "resp_exception_att", 4, protocol.RPCResult{Err: noUser, Attrs: att()})

	// Heartbeat request (next sequence id) and the answer dubbo-go gives to
	// any event request, here to the Java heartbeat id 7.
	ping := remoting.NewRequest("2.0.2")
	ping.TwoWay = true
	ping.Event = true
	w.write(events, "heartbeat_req", func() ([]byte, error) { return bytesOf(codec.EncodeRequest(ping)) })
	pong := remoting.NewResponse(7, "2.0.2")
	pong.Status = hessian.Response_OK
	pong.Event = true
	pong.SerialID = 2
	w.write(events, "heartbeat_resp", func() ([]byte, error) { return bytesOf(codec.EncodeResponse(pong)) })
	return w.err
}

type writer struct {
	codec *dubbo.DubboCodec
	err   error
}

func (w *writer) request(dir, name, method, service, arg string) {
	inv := invocation.NewRPCInvocation(method, []any{arg}, map[string]any{})
	inv.SetAttachments("path", service)
	inv.SetAttachments("interface", service)
	inv.SetAttachments("timeout", "3000")
	var pi protocol.Invocation = inv
	req := remoting.NewRequest("2.0.2")
	req.TwoWay = true
	req.Data = &pi
	w.write(dir, name, func() ([]byte, error) { return bytesOf(w.codec.EncodeRequest(req)) })
}

func (w *writer) response(dir, name string, id int64, result protocol.RPCResult) {
	res := remoting.NewResponse(id, "2.0.2")
	res.Status = hessian.Response_OK
	res.SerialID = 2
	res.Result = result
	w.write(dir, name, func() ([]byte, error) { return bytesOf(w.codec.EncodeResponse(res)) })
}

func bytesOf(b *bytes.Buffer, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (w *writer) write(dir, name string, enc func() ([]byte, error)) {
	if w.err != nil {
		return
	}
	b, err := enc()
	if err != nil {
		w.err = fmt.Errorf("%s: %w", name, err)
		return
	}
	fmt.Printf("%-22s %4d bytes\n", name, len(b))
	w.err = os.WriteFile(filepath.Join(dir, name+".bin"), b, 0o644)
}
