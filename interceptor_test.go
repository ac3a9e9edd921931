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

// A client interceptor that never calls next answers the call itself:
// nothing reaches the providers (none listens at the address).
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

// attachmentLog is a provider that records the attachments of every call
// and sends one back.
type attachmentLog struct {
	mu   sync.Mutex
	seen []pulse.Attachments
}

func (a *attachmentLog) Echo(ctx context.Context, v string) (string, error) {
	a.mu.Lock()
	a.seen = append(a.seen, pulse.IncomingAttachments(ctx))
	a.mu.Unlock()
	pulse.SetReplyAttachment(ctx, "served", v)
	return v, nil
}

func (a *attachmentLog) calls() []pulse.Attachments {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]pulse.Attachments(nil), a.seen...)
}

func referEcho(t *testing.T, url string, opts ...pulse.ClientOption) *echoStub {
	t.Helper()
	var stub echoStub
	if err := newClient(t, opts...).Refer("org.example.Echo", &stub, pulse.URL(url)); err != nil {
		t.Fatal(err)
	}
	return &stub
}

// Interceptors as users of gRPC interceptors and Dubbo filters use them:
// each case is one way of calling next, and what the caller and the
// provider must see.
func TestClientInterceptorUses(t *testing.T) {
	prov := &attachmentLog{}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Echo", prov); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("its error is a *pulse.Error naming the call", func(t *testing.T) {
		expired := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
			return nil, context.DeadlineExceeded
		}
		_, err := referEcho(t, ts.url, pulse.WithClientInterceptors(expired)).Echo(context.Background(), "x")
		var pe *pulse.Error
		if !errors.As(err, &pe) || pe.Code != pulse.CodeTimeout || pe.Service != "org.example.Echo" || pe.Method != "echo" ||
			!errors.Is(err, pulse.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %#v, want a *pulse.Error with CodeTimeout for org.example.Echo.echo", err)
		}
	})

	t.Run("reply attachments reach the interceptor and the caller", func(t *testing.T) {
		var seen pulse.Attachments
		span := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
			ctx, reply := pulse.ReplyAttachments(ctx)
			v, err := next(ctx, call)
			seen = reply()
			return v, err
		}
		ctx, reply := pulse.ReplyAttachments(context.Background())
		if _, err := referEcho(t, ts.url, pulse.WithClientInterceptors(span)).Echo(ctx, "r"); err != nil {
			t.Fatal(err)
		}
		if seen["served"] != "r" || reply()["served"] != "r" {
			t.Fatalf("reply attachments: interceptor %v, caller %v; want served=r in both", seen, reply())
		}
	})

	t.Run("next twice sends each call's own attachments", func(t *testing.T) {
		twice := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
			if _, err := next(pulse.WithAttachments(ctx, pulse.Attachments{"try": "first"}), call); err != nil {
				return nil, err
			}
			return next(ctx, call)
		}
		before := len(prov.calls())
		if _, err := referEcho(t, ts.url, pulse.WithClientInterceptors(twice)).Echo(context.Background(), "t"); err != nil {
			t.Fatal(err)
		}
		calls := prov.calls()[before:]
		if len(calls) != 2 || calls[0]["try"] != "first" || calls[1]["try"] != nil {
			t.Fatalf("attachments of the two calls: %v; want try=first only in the first", calls)
		}
	})

	t.Run("next from two goroutines at once", func(t *testing.T) {
		hedge := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
			type out struct {
				v   any
				err error
			}
			ch := make(chan out, 2)
			for range 2 {
				go func() {
					v, err := next(ctx, call)
					ch <- out{v, err}
				}()
			}
			a, b := <-ch, <-ch
			if a.err != nil {
				return b.v, b.err
			}
			return a.v, a.err
		}
		if v, err := referEcho(t, ts.url, pulse.WithClientInterceptors(hedge)).Echo(context.Background(), "h"); err != nil || v != "h" {
			t.Fatalf("Echo = %q, %v", v, err)
		}
	})
}

type echoProbe struct {
	Echo func(ctx context.Context, v any) (any, error) `pulse:"$echo,types=java.lang.Object"`
}

func TestServerInterceptorEdges(t *testing.T) {
	var versions sync.Map
	guard := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		versions.Store(call.Version, true)
		if call.Arguments[0] == "boom" {
			panic("interceptor bug")
		}
		return nil, &pulse.Error{JavaClass: "java.lang.SecurityException", Message: "no"}
	}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Echo", &attachmentLog{}); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithServerInterceptors(guard))

	// $echo, the liveness probe, is answered before any interceptor.
	var probe echoProbe
	cli := newClient(t)
	if err := cli.Refer("org.example.Echo", &probe, pulse.URL(ts.url)); err != nil {
		t.Fatal(err)
	}
	if v, err := probe.Echo(context.Background(), "ping"); err != nil || v != "ping" {
		t.Fatalf("$echo = %v, %v; want ping, answered before the interceptors", v, err)
	}

	stub := referEcho(t, ts.url)
	if _, err := stub.Echo(context.Background(), "x"); pulse.CodeOf(err) != pulse.CodeException {
		t.Fatalf("err = %v, want the interceptor's exception", err)
	}
	if _, ok := versions.Load(""); !ok {
		t.Errorf("CallInfo.Version of an unversioned service: saw %v, want \"\" (not Java's 0.0.0)", keys(&versions))
	}

	// A panicking interceptor is answered as a panicking method.
	_, err := stub.Echo(context.Background(), "boom")
	var pe *pulse.Error
	if !errors.As(err, &pe) || pe.Code != pulse.CodeException || pe.JavaClass != "java.lang.RuntimeException" ||
		!strings.Contains(pe.Message, "interceptor bug") {
		t.Fatalf("err = %#v, want a RuntimeException naming the panic", err)
	}
}

func keys(m *sync.Map) []any {
	var out []any
	m.Range(func(k, _ any) bool { out = append(out, k); return true })
	return out
}
