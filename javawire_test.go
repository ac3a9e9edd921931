package pulse_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/samples/api"
)

// TestJavaConsumerFrames replays the request frames a real Java Dubbo 3.3.6
// consumer wrote (protocol/dubbo/testdata/java-live) to a Pulse provider of
// the contract, and checks that Pulse answers what the Java provider
// answered: same result flag, same value, same exception class and message.
func TestJavaConsumerFrames(t *testing.T) {
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register(api.GreetingsServiceName, api.Greetings{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Register(api.UserServiceName, api.Users{}); err != nil {
			t.Fatal(err)
		}
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "dubbo://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dir := filepath.Join("protocol", "dubbo", "testdata", "java-live")
	for _, tc := range []struct{ req, resp string }{
		{"req_sayhi.bin", "resp_string_att.bin"},
		{"req_getuser.bin", "resp_user_att.bin"},
		{"req_getuser_missing.bin", "resp_exception_att.bin"},
	} {
		t.Run(tc.req, func(t *testing.T) {
			req, err := os.ReadFile(filepath.Join(dir, tc.req))
			if err != nil {
				t.Fatal(err)
			}
			javaResp, err := os.ReadFile(filepath.Join(dir, tc.resp))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(req); err != nil {
				t.Fatal(err)
			}
			got := readCallResponse(t, conn)
			if !reflect.DeepEqual(got[4:12], req[4:12]) {
				t.Errorf("response id % x, request id % x", got[4:12], req[4:12])
			}
			if got[2] != javaResp[2] || got[3] != javaResp[3] {
				t.Errorf("flags/status % x, Java % x", got[2:4], javaResp[2:4])
			}
			want, err := dubbo.DecodeResponse(javaResp[exchange.HeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			have, err := dubbo.DecodeResponse(got[exchange.HeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			if have.Kind != want.Kind {
				t.Errorf("result flag %d, Java %d", have.Kind, want.Kind)
			}
			if !reflect.DeepEqual(have.Value, want.Value) {
				t.Errorf("value %#v, Java %#v", have.Value, want.Value)
			}
			if (have.Exception == nil) != (want.Exception == nil) {
				t.Fatalf("exception %v, Java %v", have.Exception, want.Exception)
			}
			if want.Exception != nil {
				h, w := have.Exception.(*dubbo.JavaException), want.Exception.(*dubbo.JavaException)
				if h.JavaClass != w.JavaClass || h.Message != w.Message {
					t.Errorf("exception %s: %s, Java %s: %s", h.JavaClass, h.Message, w.JavaClass, w.Message)
				}
			}
			if have.Attachments["dubbo"] != "2.0.2" {
				t.Errorf("attachments %v lack dubbo=2.0.2", have.Attachments)
			}
		})
	}
}

// readCallResponse reads whole frames, skipping events (heartbeats), and
// returns the first call response.
func readCallResponse(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		head := make([]byte, exchange.HeaderLen)
		if _, err := io.ReadFull(conn, head); err != nil {
			t.Fatal(err)
		}
		body := make([]byte, binary.BigEndian.Uint32(head[12:16]))
		if _, err := io.ReadFull(conn, body); err != nil {
			t.Fatal(err)
		}
		if head[2]&exchange.FlagEvent != 0 {
			continue
		}
		return append(head, body...)
	}
}

// TestJavaProviderFrames: a Pulse consumer calls a stand-in provider that
// answers with the response frames a real Java Dubbo 3.3.6 provider wrote;
// the stub gets the Go values and the Java exception back.
func TestJavaProviderFrames(t *testing.T) {
	dir := filepath.Join("protocol", "dubbo", "testdata", "java-live")
	answers := map[string][]byte{}
	for method, file := range map[string]string{"sayHi": "resp_string_att.bin", "getUser": "resp_user_att.bin",
		"getUser missing": "resp_exception_att.bin"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		answers[method] = b
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan *dubbo.Invocation, 8)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			head := make([]byte, exchange.HeaderLen)
			if _, err := io.ReadFull(conn, head); err != nil {
				return
			}
			body := make([]byte, binary.BigEndian.Uint32(head[12:16]))
			if _, err := io.ReadFull(conn, body); err != nil {
				return
			}
			if head[2]&exchange.FlagEvent != 0 { // heartbeat: answer as Java does
				if head[2]&exchange.FlagTwoWay != 0 {
					ans := append([]byte{0xda, 0xbb, 0x22, 20}, head[4:12]...)
					conn.Write(append(ans, 0, 0, 0, 1, 'N'))
				}
				continue
			}
			inv, err := dubbo.DecodeRequest(body)
			if err != nil {
				return
			}
			seen <- inv
			key := inv.Method
			if len(inv.Arguments) == 1 && inv.Arguments[0] == "missing" {
				key += " missing"
			}
			resp := append([]byte(nil), answers[key]...)
			copy(resp[4:12], head[4:12]) // the caller's request id
			conn.Write(resp)
		}
	}()

	cli := newClient(t)
	var greetings api.GreetingsService
	var users api.UserService
	url := pulse.URL("dubbo://" + ln.Addr().String())
	if err := cli.Refer(api.GreetingsServiceName, &greetings, url, pulse.Timeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := cli.Refer(api.UserServiceName, &users, url, pulse.Timeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if hi, err := greetings.SayHi(ctx, "pulse"); hi != "hi, pulse" || err != nil {
		t.Errorf("sayHi = %q, %v", hi, err)
	}
	inv := <-seen
	if inv.Path != api.GreetingsServiceName || inv.Version != "0.0.0" || inv.Method != "sayHi" ||
		!reflect.DeepEqual(inv.ParameterTypes, []string{"Ljava/lang/String;"}) {
		t.Errorf("request as a Java provider reads it: %+v", inv)
	}
	for _, k := range []string{"path", "interface", "version", "timeout"} {
		if _, ok := inv.Attachments[k].(string); !ok {
			t.Errorf("request attachment %q missing or not a string: %v", k, inv.Attachments)
		}
	}
	u, err := users.GetUser(ctx, "u1")
	ada := api.Ada()
	if err != nil || u.ID != ada.ID || u.Name != ada.Name || u.Age != ada.Age || !u.Registered.Equal(ada.Registered) {
		t.Errorf("getUser = %+v, %v; want %+v", u, err, api.Ada())
	}
	<-seen
	_, err = users.GetUser(ctx, "missing")
	var pe *pulse.Error
	if !errors.As(err, &pe) || pe.JavaClass != "java.lang.IllegalArgumentException" || pe.Message != "no user missing" ||
		!errors.Is(err, pulse.ErrException) {
		t.Errorf("getUser(missing) = %v", err)
	}
}
