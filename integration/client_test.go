package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

// Scenarios driven through Pulse's client API (package pulse), against Java providers.

// coldCallTimeout bounds calls that may be the first a freshly started JVM
// serves (class loading, first exception) on a loaded machine.
const coldCallTimeout = 15 * time.Second

func newPulseClient(t *testing.T, heartbeat time.Duration) *pulse.Client {
	t.Helper()
	cli, err := pulse.NewClient(pulse.WithHeartbeat(heartbeat),
		pulse.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// TestPulseClientToJavaProvider: one Java provider per Dubbo line, serving:
//   - exception: IllegalArgumentException("no user missing") arrives as a
//     *pulse.Error with Code CodeException, the Java class and the message;
//   - generic: Client.Invoke with no Go stub (Java types named, a map back);
//   - heartbeat: the Pulse client stays idle until the proxy has seen three
//     heartbeat exchanges and no call, then calls on the same connection.
func TestPulseClientToJavaProvider(t *testing.T) {
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			_, addr := startJavaProvider(t, line, "", time.Second)
			t.Run("exception", func(t *testing.T) { clientException(t, addr) })
			t.Run("generic", func(t *testing.T) { clientGeneric(t, addr, "id") })
			t.Run("heartbeat", func(t *testing.T) { clientHeartbeat(t, addr) })
		})
	}
}

// clientException: getUser("missing") arrives as a *pulse.Error with Code
// CodeException, the Java class and the message.
func clientException(t *testing.T, addr string) {
	cli := newPulseClient(t, time.Second)
	var users api.UserService
	if err := cli.Refer(api.UserServiceName, &users, pulse.URL("dubbo://"+addr), pulse.Timeout(coldCallTimeout)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := users.GetUser(ctx, "missing")
	var pe *pulse.Error
	if !errors.As(err, &pe) {
		t.Fatalf("getUser(missing): %v (%T), want a *pulse.Error", err, err)
	}
	t.Logf("getUser(missing): %v", err)
	if pe.Code != pulse.CodeException || pe.JavaClass != "java.lang.IllegalArgumentException" || pe.Message != "no user missing" {
		t.Errorf("getUser(missing) = {Code: %v, JavaClass: %q, Message: %q}, want exception java.lang.IllegalArgumentException \"no user missing\"",
			pe.Code, pe.JavaClass, pe.Message)
	}
	if !errors.Is(err, pulse.ErrException) {
		t.Errorf("errors.Is(err, pulse.ErrException) = false for %v", err)
	}
}

// clientGeneric: Client.Invoke with no Go stub (Java types named, a map back).
// idKey is the map key of User.id in the answer: "id" from Java; dubbo-go
// v1.5.9 names generic map keys after its Go fields (ID -> "iD").
func clientGeneric(t *testing.T, addr, idKey string) {
	cli := newPulseClient(t, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hi, err := cli.Invoke(ctx, api.GreetingsServiceName, "sayHi", []string{"java.lang.String"}, []any{"generic"}, pulse.URL("dubbo://"+addr), pulse.Timeout(coldCallTimeout))
	if err != nil || hi != "hi, generic" {
		t.Fatalf("generic sayHi = %v, %v", hi, err)
	}
	u, err := cli.Invoke(ctx, api.UserServiceName, "getUser", []string{"java.lang.String"}, []any{"u1"}, pulse.URL("dubbo://"+addr), pulse.Timeout(coldCallTimeout))
	if err != nil {
		t.Fatalf("generic getUser: %v", err)
	}
	m := stringMap(u)
	t.Logf("generic getUser(u1) = %v", m)
	if fmt.Sprint(m[idKey]) != "u1" || fmt.Sprint(m["name"]) != "Ada" || fmt.Sprint(m["age"]) != "36" {
		t.Errorf("generic getUser(u1) = %v, want id u1, name Ada, age 36", u)
	}
	if r, ok := m["registered"].(time.Time); !ok || !r.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("generic getUser(u1).registered = %v (%T), want 2020-01-02T03:04:05Z", m["registered"], m["registered"])
	}
	if _, err := cli.Invoke(ctx, api.UserServiceName, "getUser", []string{"java.lang.String"}, []any{"missing"}, pulse.URL("dubbo://"+addr), pulse.Timeout(coldCallTimeout)); pulse.CodeOf(err) != pulse.CodeException {
		t.Errorf("generic getUser(missing): %v, want an exception", err)
	}
}

// clientHeartbeat: the Pulse client stays idle until the proxy has seen three
// heartbeat exchanges and no call, then calls on the same connection.
func clientHeartbeat(t *testing.T, addr string) {
	px := startFrameProxy(t, addr)
	cli := newPulseClient(t, time.Second)
	var greetings api.GreetingsService
	if err := cli.Refer(api.GreetingsServiceName, &greetings, pulse.URL("dubbo://"+px.addr()), pulse.Timeout(coldCallTimeout)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if hi, err := greetings.SayHi(ctx, "before"); err != nil || hi != "hi, before" {
		t.Fatalf("sayHi = %q, %v", hi, err)
	}
	base := px.snapshot()
	start := time.Now()
	eventually(t, 30*time.Second, "three heartbeat exchanges", func() bool {
		return heartbeatExchanges(base, px.snapshot()) >= 3
	})
	idle := px.snapshot()
	t.Logf("after %v idle: to server %+v, to client %+v", time.Since(start).Round(time.Millisecond),
		delta(base[toServer], idle[toServer]), delta(base[toClient], idle[toClient]))
	if d := delta(base[toServer], idle[toServer]); d.Requests != 0 {
		t.Errorf("%d calls during the idle phase", d.Requests)
	}
	if odd := px.oddities(); len(odd) > 0 {
		t.Errorf("unexpected frames:\n%s", strings.Join(odd, "\n"))
	}
	if hi, err := greetings.SayHi(ctx, "after"); err != nil || hi != "hi, after" {
		t.Fatalf("sayHi after the idle phase = %q, %v", hi, err)
	}
	if d := delta(base[toServer], px.snapshot()[toServer]); d.Requests != 1 {
		t.Errorf("%d calls went through the proxy after the idle phase, want 1 (same connection)", d.Requests)
	}
}

// stringMap turns a generic POJO (a map with string or any keys) into map[string]any.
func stringMap(v any) map[string]any {
	out := map[string]any{}
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		for k, x := range m {
			out[fmt.Sprint(k)] = x
		}
	}
	return out
}

// TestJavaProviderFrozenUnderPulseConsumer: a Pulse client (heartbeat
// 1 s) calls two Java providers; one is frozen with SIGSTOP (its socket
// stays open, nothing answers). The client's heartbeat finds it dead and the
// calls go to the other provider.
func TestJavaProviderFrozenUnderPulseConsumer(t *testing.T) {
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) { frozenProvider(t, line) })
	}
}

func frozenProvider(t *testing.T, line string) {
	a, addrA := startJavaProvider(t, line, "", time.Second)
	_, addrB := startJavaProvider(t, line, "", time.Second)
	// 1 s: the healthy provider's connection must not miss three intervals on
	// a loaded machine; the frozen one is dropped after about 3 s.
	const hb = time.Second
	cli := newPulseClient(t, hb)
	var greetings api.GreetingsService
	if err := cli.Refer(api.GreetingsServiceName, &greetings, pulse.URL("dubbo://"+addrA, "dubbo://"+addrB),
		pulse.Timeout(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	call := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hi, err := greetings.SayHi(ctx, "frozen")
		if err == nil && hi != "hi, frozen" {
			err = fmt.Errorf("sayHi answered %q", hi)
		}
		return err
	}
	// Both connections up and used.
	eventually(t, 30*time.Second, "ready connections to both providers", func() bool {
		if err := call(); err != nil {
			return false
		}
		return connState(cli, addrA) == "ready" && connState(cli, addrB) == "ready"
	})

	a.signal(syscall.SIGSTOP)
	frozen := time.Now()
	var failed int
	eventually(t, 30*time.Second, "the client to drop the frozen provider", func() bool {
		if err := call(); err != nil {
			failed++
		}
		return connState(cli, addrA) != "ready"
	})
	t.Logf("frozen provider's connection %q after %v (%d calls failed meanwhile)",
		connState(cli, addrA), time.Since(frozen).Round(time.Millisecond), failed)
	// A frozen process answers nothing, so every answered call came from B.
	eventually(t, 30*time.Second, "20 calls in a row answered by the other provider", func() bool {
		for i := 0; i < 20; i++ {
			if err := call(); err != nil {
				t.Logf("call failed: %v; connections: %+v", err, cli.Connections())
				return false
			}
		}
		return true
	})
	if st := connState(cli, addrA); st == "ready" {
		t.Errorf("the frozen provider's connection is %q", st)
	}
	a.signal(syscall.SIGCONT)
}

// connState is the state of the client's connection to addr ("" if none).
func connState(cli *pulse.Client, addr string) string {
	for _, c := range cli.Connections() {
		if c.Addr == addr {
			return c.State
		}
	}
	return ""
}

// TestPulseClientToDubbogoProvider: the same three scenarios against a
// dubbo-go v1.5.9 provider (whose heartbeat answers carry an extra null).
func TestPulseClientToDubbogoProvider(t *testing.T) {
	_, addr := startDubbogoProvider(t, "")
	t.Run("exception", func(t *testing.T) { clientException(t, addr) })
	t.Run("generic", func(t *testing.T) {
		// dubbo-go v1.5.9's GenericServiceFilter type-asserts the arguments
		// to []hessian.Object, i.e. the typed list "[object" Java writes for
		// Object[]; an untyped list makes it panic and never answer (Pulse
		// sent one until its generic codec was changed to write "[object").
		cli := newPulseClient(t, time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := cli.Invoke(ctx, api.GreetingsServiceName, "sayHi", []string{"java.lang.String"}, []any{"generic"},
			pulse.URL("dubbo://"+addr), pulse.Timeout(5*time.Second)); err != nil {
			strictf(t, "generic call to dubbo-go v1.5.9 failed (are the $invoke arguments sent as the typed list \"[object\", as Java does?): %v", err)
			return
		}
		clientGeneric(t, addr, "iD")
	})
	t.Run("heartbeat", func(t *testing.T) { clientHeartbeat(t, addr) })
}
