package pulse_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/pulse-rpc/pulse"
)

type tagKey struct{}

// tagged echoes its argument with the tag an interceptor put in ctx.
type tagged struct{ calls *sync.Map }

func (s tagged) Echo(ctx context.Context, v string) (string, error) {
	s.calls.Store(v, true)
	tag, _ := ctx.Value(tagKey{}).(string)
	return v + tag, nil
}

type echoStub struct {
	Echo func(ctx context.Context, v string) (string, error)
}

// journal records what interceptors saw, in order.
type journal struct {
	mu    sync.Mutex
	lines []string
	infos []pulse.CallInfo
}

func (j *journal) add(line string, info *pulse.CallInfo) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lines = append(j.lines, line)
	if info != nil {
		j.infos = append(j.infos, *info)
	}
}

func (j *journal) take() ([]string, []pulse.CallInfo) {
	j.mu.Lock()
	defer j.mu.Unlock()
	l, i := j.lines, j.infos
	j.lines, j.infos = nil, nil
	return l, i
}

func named(j *journal, name string) pulse.Interceptor {
	return func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		j.add(name+" in", call)
		v, err := next(ctx, call)
		j.add(name+" out", nil)
		return v, err
	}
}

func TestInterceptors(t *testing.T) {
	const iface = "org.example.Echo"
	var srvLog, cliLog journal
	calls := &sync.Map{}

	// Server: two recorders, then one that denies "secret", passes the
	// client's trace attachment on to the method through ctx, and runs
	// the method with a context of its own.
	gate := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		if call.Arguments[0] == "secret" {
			return nil, &pulse.Error{JavaClass: "java.lang.SecurityException", Message: "denied"}
		}
		trace, _ := pulse.IncomingAttachments(ctx)["trace"].(string)
		return next(context.WithValue(ctx, tagKey{}, " via "+trace), call)
	}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register(iface, tagged{calls}, pulse.Version("1.2.0")); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithServerInterceptors(named(&srvLog, "s1"), named(&srvLog, "s2"), gate))

	// Client: a recorder, then one that adds an attachment through ctx
	// and rewrites the argument, and upper-cases what comes back.
	rewrite := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		if s, ok := call.Arguments[0].(string); ok && call.Method == "echo" && s != "secret" {
			call.Arguments = []any{s + "!"}
		}
		v, err := next(pulse.WithAttachments(ctx, pulse.Attachments{"trace": "t-42"}), call)
		if s, ok := v.(string); ok {
			v = strings.ToUpper(s)
		}
		return v, err
	}
	cli := newClient(t, pulse.WithClientInterceptors(named(&cliLog, "c1"), rewrite))
	var stub echoStub
	if err := cli.Refer(iface, &stub, pulse.URL(ts.url), pulse.Version("1.2.0")); err != nil {
		t.Fatal(err)
	}

	got, err := stub.Echo(context.Background(), "hi")
	if err != nil {
		t.Fatal(err)
	}
	if got != "HI! VIA T-42" {
		t.Fatalf("Echo = %q, want %q (argument rewritten, attachment carried, result changed)", got, "HI! VIA T-42")
	}
	if lines, _ := cliLog.take(); strings.Join(lines, ",") != "c1 in,c1 out" {
		t.Errorf("client interceptors ran as %v", lines)
	}
	lines, infos := srvLog.take()
	if strings.Join(lines, ",") != "s1 in,s2 in,s2 out,s1 out" {
		t.Errorf("server interceptors ran as %v, want the first outermost", lines)
	}
	if len(infos) != 2 {
		t.Fatalf("server interceptors saw %d calls", len(infos))
	}
	si := infos[0]
	if si.Service != iface || si.Version != "1.2.0" || si.Method != "echo" || len(si.Arguments) != 1 || si.Arguments[0] != "hi!" {
		t.Errorf("server CallInfo = %+v", si)
	}
	if host, _, err := net.SplitHostPort(si.Remote); err != nil || host != "127.0.0.1" {
		t.Errorf("server CallInfo.Remote = %q, want the caller's loopback address", si.Remote)
	}

	// A server interceptor that answers itself: the method is not called
	// and the Java exception reaches the caller.
	_, err = stub.Echo(context.Background(), "secret")
	var pe *pulse.Error
	if !errors.As(err, &pe) || pe.JavaClass != "java.lang.SecurityException" || pe.Message != "denied" {
		t.Fatalf("denied call: err = %v, want the interceptor's SecurityException", err)
	}
	if _, called := calls.Load("secret"); called {
		t.Error("the method ran although an interceptor answered the call")
	}

	// Generic calls go through the same interceptors, as $invoke.
	cliLog.take()
	srvLog.take()
	v, err := cli.Invoke(context.Background(), iface, "echo", []string{"java.lang.String"}, []any{"g"}, pulse.URL(ts.url), pulse.Version("1.2.0"))
	if err != nil {
		t.Fatal(err)
	}
	if v != "G VIA T-42" {
		t.Fatalf("Invoke = %v", v)
	}
	_, cinfos := cliLog.take()
	_, sinfos := srvLog.take()
	if len(cinfos) != 1 || cinfos[0].Method != "$invoke" || len(cinfos[0].Arguments) != 3 || cinfos[0].Arguments[0] != "echo" {
		t.Errorf("client CallInfo of a generic call = %+v", cinfos)
	}
	if len(sinfos) != 2 || sinfos[0].Method != "$invoke" {
		t.Errorf("server CallInfo of a generic call = %+v", sinfos)
	}
}

// Without interceptors a Client and a Server take their plain path; with an
// interceptor that never calls next, nothing reaches the providers.
func TestClientInterceptorShortCircuits(t *testing.T) {
	cached := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		return "from cache", nil
	}
	cli := newClient(t, pulse.WithClientInterceptors(cached))
	var stub echoStub
	// No provider listens at this address: only the interceptor answers.
	if err := cli.Refer("org.example.Echo", &stub, pulse.URL("dubbo://127.0.0.1:1")); err != nil {
		t.Fatal(err)
	}
	got, err := stub.Echo(context.Background(), "x")
	if err != nil || got != "from cache" {
		t.Fatalf("Echo = %q, %v; want the interceptor's answer", got, err)
	}
}
