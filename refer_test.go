package pulse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pulse-rpc/pulse/cluster"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

func testDescribe(t reflect.Type) (string, error) {
	switch t.Kind() {
	case reflect.String:
		return "Ljava/lang/String;", nil
	case reflect.Int32:
		return "I", nil
	case reflect.Int64, reflect.Int:
		return "J", nil
	}
	return "", fmt.Errorf("no Java type for %s", t)
}

func testTypeDesc(name string) (string, error) {
	switch name {
	case "int":
		return "I", nil
	case "java.lang.String":
		return "Ljava/lang/String;", nil
	}
	return "", fmt.Errorf("unknown Java type %q", name)
}

func TestParseStub(t *testing.T) {
	var good struct {
		SayHi   func(ctx context.Context, name string) (string, error)
		Ping    func() error
		Renamed func(n int64) (int32, error) `pulse:"getAge,types=int"`
		skipped func()
		Other   string
	}
	_, methods, err := parseStub("org.example.S", &good, testDescribe, testTypeDesc)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		field, java string
		ctx         bool
		descs       []string
	}
	var got []row
	for _, m := range methods {
		got = append(got, row{m.field, m.javaName, m.hasCtx, m.descs})
	}
	want := []row{
		{"SayHi", "sayHi", true, []string{"Ljava/lang/String;"}},
		{"Ping", "ping", false, nil},
		{"Renamed", "getAge", false, []string{"I"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	bad := []struct {
		name string
		stub any
		want string
	}{
		{"not a pointer", struct{ F func() error }{}, "non-nil pointer"},
		{"no funcs", &struct{ A int }{}, "no exported func fields"},
		{"no error result", &struct{ F func() string }{}, "field F"},
		{"three results", &struct{ F func() (int, int, error) }{}, "results must be"},
		{"bad type", &struct{ F func(float32) error }{}, "parameter 1"},
		{"bad tag", &struct {
			F func() error `pulse:"f,oops"`
		}{}, "bad pulse tag"},
		{"tag type count", &struct {
			F func(a, b string) error `pulse:"f,types=int"`
		}{}, "1 Java types in the tag for 2"},
		{"variadic", &struct{ F func(...string) error }{}, "variadic"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseStub("org.example.S", tt.stub, testDescribe, testTypeDesc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFill(t *testing.T) {
	type user struct{ Name string }
	var stub struct {
		SayHi   func(ctx context.Context, name string) (string, error)
		Ping    func() error
		GetUser func(id string) (*user, error)
		Bad     func() (int32, error)
	}
	sv, methods, err := parseStub("org.example.S", &stub, testDescribe, testTypeDesc)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	fill(sv, methods, func(ctx context.Context, m *stubMethod, inv *dubbo.Invocation) (any, error) {
		if inv.Method != m.javaName || len(inv.ParameterTypes) != len(inv.Arguments) {
			t.Errorf("invocation %+v for %s", inv, m.javaName)
		}
		args := inv.Arguments
		switch m.javaName {
		case "sayHi":
			return "hi, " + args[0].(string), nil
		case "ping":
			return nil, boom
		case "getUser":
			return map[any]any{"name": args[0]}, nil
		}
		return "not a number", nil
	})
	if got, err := stub.SayHi(context.Background(), "pulse"); got != "hi, pulse" || err != nil {
		t.Errorf("SayHi = %q, %v", got, err)
	}
	if err := stub.Ping(); err != boom {
		t.Errorf("Ping = %v", err)
	}
	if u, err := stub.GetUser("Ada"); err != nil || u.Name != "Ada" {
		t.Errorf("GetUser = %+v, %v", u, err)
	}
	if _, err := stub.Bad(); err == nil || !strings.Contains(err.Error(), "cannot read the result") {
		t.Errorf("Bad = %v", err)
	}
}

func TestErrors(t *testing.T) {
	sentinels := map[Code]error{
		CodeTimeout: ErrTimeout, CodeConnectionLost: ErrConnectionLost, CodeUnknownService: ErrUnknownService,
		CodeUnknownMethod: ErrUnknownMethod, CodePayloadTooLarge: ErrPayloadTooLarge, CodeException: ErrException,
		CodeNoProvider: ErrNoProvider, CodeCanceled: ErrCanceled,
	}
	for code, sentinel := range sentinels {
		err := fmt.Errorf("wrapped: %w", &Error{Code: code, Service: "s", Method: "m"})
		if !errors.Is(err, sentinel) {
			t.Errorf("%s does not match its sentinel", code)
		}
		for other, s := range sentinels {
			if other != code && errors.Is(err, s) {
				t.Errorf("%s matches %s", code, other)
			}
		}
		if CodeOf(err) != code {
			t.Errorf("CodeOf = %s, want %s", CodeOf(err), code)
		}
	}
	ex := Exception("java.lang.IllegalArgumentException", "no user missing")
	if got := ex.Error(); got != "pulse: java.lang.IllegalArgumentException: no user missing" {
		t.Errorf("Error() = %q", got)
	}
}

func TestAttachments(t *testing.T) {
	ctx := WithAttachments(context.Background(), Attachments{"a": "1", "b": "2"})
	ctx = WithAttachments(ctx, Attachments{"b": "3"})
	if got := OutgoingAttachments(ctx); !reflect.DeepEqual(got, Attachments{"a": "1", "b": "3"}) {
		t.Errorf("outgoing = %v", got)
	}
	// Provider side: the method's context carries the caller's attachments
	// and collects the reply's.
	sctx, call := withServerCall(context.Background(), Attachments{"trace": "t1"})
	if got := IncomingAttachments(sctx)["trace"]; got != "t1" {
		t.Errorf("incoming = %v", got)
	}
	SetReplyAttachment(sctx, "k", "v")
	// A call the method makes with its own context captures its own reply
	// and does not leak into the method's.
	nested, reply := ReplyAttachments(sctx)
	replyBoxOf(nested).set("downstream", "x")
	if got := call.reply.take(); !reflect.DeepEqual(got, Attachments{"k": "v"}) {
		t.Errorf("method's reply = %v", got)
	}
	if got := reply(); !reflect.DeepEqual(got, Attachments{"downstream": "x"}) {
		t.Errorf("nested capture = %v", got)
	}
	SetReplyAttachment(context.Background(), "k", "v") // no call: ignored
}

func TestStatusErrorMapping(t *testing.T) {
	tests := []struct {
		status exchange.Status
		msg    string
		want   Code
	}{
		{exchange.StatusServiceNotFound, "anything", CodeUnknownService},
		{exchange.StatusServiceError, "Not found exported service: g/x.Y:1.0 in [...]", CodeUnknownService},
		{exchange.StatusBadRequest, "Service not found:org.x.Y, sayHo", CodeUnknownMethod},
		{exchange.StatusBadResponse, "Data length too large: 9000000, max payload: 8388608", CodePayloadTooLarge},
		{exchange.StatusServerTimeout, "slow", CodeTimeout},
		{exchange.StatusServerError, exchange.ShuttingDownMessage, CodeConnectionLost},
		{exchange.StatusServerError, "disk is shutting down", CodeUnknown},
		{exchange.StatusServiceError, "NullPointerException", CodeUnknown},
	}
	for _, tt := range tests {
		err := statusError(tt.status, tt.msg, errors.New("cause"))
		if CodeOf(err) != tt.want {
			t.Errorf("%s %q: code %s, want %s", tt.status, tt.msg, CodeOf(err), tt.want)
		}
	}
	// A draining provider's refusal is retried elsewhere by failover.
	if err := statusError(exchange.StatusServerError, exchange.ShuttingDownMessage, nil); !cluster.Retryable(err, false) {
		t.Error("a shutting-down answer is not retryable")
	}
	if err := statusError(exchange.StatusServerThreadpoolExhausted, "Thread pool is EXHAUSTED!", nil); !cluster.Retryable(err, false) {
		t.Error("a thread-pool-exhausted answer (the call never ran) is not retryable")
	}

	ex := []struct {
		err       error
		want      Code
		retryable bool // for a non-idempotent call
	}{
		{exchange.NotSentError("connection closed before the call was written", nil), CodeConnectionLost, true},
		{exchange.NotSentError("any words", errors.New("broken pipe")), CodeConnectionLost, true},
		{&exchange.StatusError{Status: exchange.StatusChannelInactive, Message: "connection closed before the call was written"}, CodeConnectionLost, false},
		{&exchange.StatusError{Status: exchange.StatusChannelInactive, Message: "connection to x closed, request 3 failed without waiting for its timeout"}, CodeConnectionLost, false},
		{&exchange.StatusError{Status: exchange.StatusClientTimeout}, CodeTimeout, false},
		{exchange.ErrNotReady, CodeConnectionLost, true},
		{&exchange.StatusError{Status: exchange.StatusClientError, Message: "Data length too large: 9000000, max payload: 8388608"}, CodePayloadTooLarge, false},
		{fmt.Errorf("w: %w", &exchange.FrameError{Reason: exchange.ReasonPayloadTooLarge}), CodePayloadTooLarge, false},
		{fmt.Errorf("w: %w", context.Canceled), CodeCanceled, false},
	}
	for _, tt := range ex {
		err := exchangeError(tt.err)
		if CodeOf(err) != tt.want || cluster.Retryable(err, false) != tt.retryable {
			t.Errorf("%v: code %s retryable %v, want %s %v", tt.err, CodeOf(err), cluster.Retryable(err, false), tt.want, tt.retryable)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%v: the exchange error is not in the chain", tt.err)
		}
	}
}

func TestClusterRetriesDefaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []ServiceOption
		n      int
		passed bool
	}{
		{"failover default", nil, DefaultRetries, true},
		{"failover set", []ServiceOption{Retries(0)}, 0, true},
		{"failback keeps Java's default", []ServiceOption{Cluster("failback")}, 0, false},
		{"failback set", []ServiceOption{Cluster("failback"), Retries(5)}, 5, true},
		{"failback set to Pulse's default", []ServiceOption{Cluster("failback"), Retries(2)}, 2, true},
		{"failback by method", []ServiceOption{Method("m", Cluster("failback"))}, 0, false},
		{"failback by method with retries", []ServiceOption{Cluster("failback"), Method("m", Retries(1))}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := newServiceConfig(nil, tc.opts)
			n, passed := cfg.callFor("m").clusterRetries()
			if n != tc.n || passed != tc.passed {
				t.Errorf("clusterRetries() = %d, %v; want %d, %v", n, passed, tc.n, tc.passed)
			}
		})
	}
}
