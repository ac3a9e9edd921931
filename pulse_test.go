package pulse_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testServer runs a Server on a loopback port for one test.
type testServer struct {
	srv  *pulse.Server
	url  string
	stop func() error
}

func startServer(t *testing.T, register func(*pulse.Server), opts ...pulse.ServerOption) *testServer {
	t.Helper()
	opts = append([]pulse.ServerOption{pulse.WithAddress("127.0.0.1:0"), pulse.WithLogger(quiet()),
		pulse.WithShutdownWait(2 * time.Second)}, opts...)
	srv := pulse.NewServer(opts...)
	register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready")
	}
	var stopped atomic.Bool
	ts := &testServer{srv: srv, url: "dubbo://" + srv.Addr().String()}
	ts.stop = func() error {
		if !stopped.CompareAndSwap(false, true) {
			return nil
		}
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Error("Serve did not return after its context ended")
			return nil
		}
	}
	t.Cleanup(func() { _ = ts.stop() })
	return ts
}

func newClient(t *testing.T, opts ...pulse.ClientOption) *pulse.Client {
	t.Helper()
	cli, err := pulse.NewClient(append([]pulse.ClientOption{pulse.WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

type versioned struct{ v string }

func (s versioned) Which() string { return s.v }

type overloads struct{}

func (overloads) GetUser(id string) (string, error)      { return "by id " + id, nil }
func (overloads) GetUserByAge(age int32) (string, error) { return "by age", nil }

type slow struct {
	started  chan struct{}
	canceled atomic.Bool
}

func (s *slow) Sleep(ctx context.Context, d int64) (string, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	select {
	case <-time.After(time.Duration(d) * time.Millisecond):
		return "slept", nil
	case <-ctx.Done():
		s.canceled.Store(true)
		return "", ctx.Err()
	}
}

func (s *slow) Big(n int32) string { return strings.Repeat("x", int(n)) }

type sleeper struct {
	Sleep func(ctx context.Context, ms int64) (string, error)
	Big   func(ctx context.Context, n int32) (string, error)
}

func TestVersionsAndGroups(t *testing.T) {
	const iface = "org.example.Which"
	ts := startServer(t, func(s *pulse.Server) {
		for _, r := range []struct{ v, g string }{{"1.0.0", ""}, {"2.0.0", ""}, {"1.0.0", "blue"}, {"", ""}} {
			if err := s.Register(iface, versioned{r.v + "/" + r.g}, pulse.Version(r.v), pulse.Group(r.g)); err != nil {
				t.Fatal(err)
			}
		}
	})
	cli := newClient(t)
	tests := []struct {
		v, g, want string
	}{{"1.0.0", "", "1.0.0/"}, {"2.0.0", "", "2.0.0/"}, {"1.0.0", "blue", "1.0.0/blue"}, {"", "", "/"}}
	for _, tt := range tests {
		var stub struct{ Which func() (string, error) }
		if err := cli.Refer(iface, &stub, pulse.URL(ts.url), pulse.Version(tt.v), pulse.Group(tt.g)); err != nil {
			t.Fatal(err)
		}
		if got, err := stub.Which(); got != tt.want || err != nil {
			t.Errorf("version %q group %q: got %q, %v; want %q", tt.v, tt.g, got, err, tt.want)
		}
	}
	var stub struct{ Which func() (string, error) }
	if err := cli.Refer(iface, &stub, pulse.URL(ts.url), pulse.Version("3.0.0")); err != nil {
		t.Fatal(err)
	}
	if _, err := stub.Which(); !errors.Is(err, pulse.ErrUnknownService) {
		t.Errorf("unknown version: got %v, want ErrUnknownService", err)
	}
}

func TestOverloadsOverTheWire(t *testing.T) {
	const iface = "org.example.Users"
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register(iface, overloads{}, pulse.MethodName("GetUserByAge", "getUser")); err != nil {
			t.Fatal(err)
		}
	})
	var stub struct {
		ByID  func(ctx context.Context, id string) (string, error) `pulse:"getUser"`
		ByAge func(ctx context.Context, age int32) (string, error) `pulse:"getUser"`
	}
	cli := newClient(t)
	if err := cli.Refer(iface, &stub, pulse.URL(ts.url)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, err := stub.ByID(ctx, "u1"); got != "by id u1" || err != nil {
		t.Errorf("ByID = %q, %v", got, err)
	}
	if got, err := stub.ByAge(ctx, 36); got != "by age" || err != nil {
		t.Errorf("ByAge = %q, %v", got, err)
	}
	// Generic calls pick the overload by Java type names.
	got, err := cli.Invoke(ctx, iface, "getUser", []string{"int"}, []any{int32(36)}, pulse.URL(ts.url))
	if got != "by age" || err != nil {
		t.Errorf("generic getUser(int) = %v, %v", got, err)
	}
	// $echo, as Java's EchoService.
	var echo struct {
		Echo func(v any) (any, error) `pulse:"$echo"`
	}
	if err := cli.Refer(iface, &echo, pulse.URL(ts.url)); err != nil {
		t.Fatal(err)
	}
	if got, err := echo.Echo("ping"); got != "ping" || err != nil {
		t.Errorf("$echo = %v, %v", got, err)
	}
}

func TestRegisterRefusesBadService(t *testing.T) {
	srv := pulse.NewServer()
	type bad struct{ pulse.Attachments }
	err := srv.Register("org.example.Bad", struct{}{})
	if err == nil || !strings.Contains(err.Error(), "no exported methods") {
		t.Errorf("empty service: %v", err)
	}
	err = srv.Register("org.example.Bad", overloads{}, pulse.MethodName("getUser", "x"))
	if err == nil || !strings.Contains(err.Error(), "unexported") {
		t.Errorf("unexported mapping: %v", err)
	}
	err = srv.Register("org.example.Bad", overloads{}, pulse.ParamTypes("GetUser", "no such[type"))
	if err == nil || !strings.Contains(err.Error(), "GetUser") {
		t.Errorf("bad parameter type: %v", err)
	}
	if err := srv.Serve(context.Background()); err == nil {
		t.Error("Serve with no services succeeded")
	}
}

func TestTimeoutReachesProvider(t *testing.T) {
	impl := &slow{started: make(chan struct{}, 1)}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Slow", impl); err != nil {
			t.Fatal(err)
		}
	})
	var stub sleeper
	cli := newClient(t)
	if err := cli.Refer("org.example.Slow", &stub, pulse.URL(ts.url), pulse.Timeout(5*time.Second),
		pulse.Method("sleep", pulse.Timeout(200*time.Millisecond), pulse.Retries(0))); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := stub.Sleep(context.Background(), 10_000)
	if !errors.Is(err, pulse.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the call took %v with a 200 ms timeout", took)
	}
	// The provider's context carried the caller's timeout.
	deadline := time.Now().Add(10 * time.Second)
	for !impl.canceled.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !impl.canceled.Load() {
		t.Error("the provider's context never ended")
	}
}

func TestPayloadTooLarge(t *testing.T) {
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Slow", &slow{started: make(chan struct{}, 1)}); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithPayloadLimit(64<<10))
	cli := newClient(t, pulse.WithPayloadLimit(32<<10))
	var stub sleeper
	if err := cli.Refer("org.example.Slow", &stub, pulse.URL(ts.url), pulse.Timeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The response is over the server's limit: BAD_RESPONSE, at once.
	if _, err := stub.Big(context.Background(), 100<<10); !errors.Is(err, pulse.ErrPayloadTooLarge) {
		t.Errorf("big response: got %v, want ErrPayloadTooLarge", err)
	}
	// The request is over the client's limit: refused before it is sent.
	_, err := cli.Invoke(context.Background(), "org.example.Slow", "sleep", []string{"java.lang.String"},
		[]any{strings.Repeat("y", 40<<10)}, pulse.URL(ts.url))
	if !errors.Is(err, pulse.ErrPayloadTooLarge) {
		t.Errorf("big request: got %v, want ErrPayloadTooLarge", err)
	}
	if got, err := stub.Big(context.Background(), 10); got != "xxxxxxxxxx" || err != nil {
		t.Errorf("small call after: %q, %v", got, err)
	}
}

func TestGracefulShutdownFinishesCallsInFlight(t *testing.T) {
	impl := &slow{started: make(chan struct{}, 1)}
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Slow", impl); err != nil {
			t.Fatal(err)
		}
	})
	cli := newClient(t)
	var stub sleeper
	if err := cli.Refer("org.example.Slow", &stub, pulse.URL(ts.url), pulse.Timeout(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		s   string
		err error
	}
	res := make(chan result, 1)
	go func() {
		s, err := stub.Sleep(context.Background(), 300)
		res <- result{s, err}
	}()
	<-impl.started
	if err := ts.stop(); err != nil {
		t.Errorf("Serve returned %v after a graceful shutdown", err)
	}
	r := <-res
	if r.s != "slept" || r.err != nil {
		t.Errorf("call in flight during shutdown: %q, %v", r.s, r.err)
	}
	// After shutdown nothing answers.
	_, err := stub.Sleep(context.Background(), 1)
	if !errors.Is(err, pulse.ErrConnectionLost) && !errors.Is(err, pulse.ErrTimeout) {
		t.Errorf("call after shutdown: %v", err)
	}
}

func TestFailoverToTheOtherProvider(t *testing.T) {
	reg := func(name string) func(*pulse.Server) {
		return func(s *pulse.Server) {
			if err := s.Register("org.example.Which", versioned{name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := startServer(t, reg("a"))
	b := startServer(t, reg("b"))
	cli := newClient(t, pulse.WithHeartbeat(200*time.Millisecond))
	var stub struct {
		Which func(context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Which", &stub, pulse.URL(a.url, b.url), pulse.Timeout(2*time.Second),
		pulse.LoadBalance("roundrobin")); err != nil {
		t.Fatal(err)
	}
	// A connection is "connecting" until its first heartbeat is answered,
	// and calls prefer ready ones: wait for both before counting.
	aAddr, bAddr := strings.TrimPrefix(a.url, "dubbo://"), strings.TrimPrefix(b.url, "dubbo://")
	eventually(t, "both connections ready", func() bool {
		return connState(cli, aAddr) == "ready" && connState(cli, bAddr) == "ready"
	})
	seen := map[string]bool{}
	for i := 0; i < 20 && len(seen) < 2; i++ {
		v, err := stub.Which(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		seen[v] = true
	}
	if len(seen) != 2 {
		t.Fatalf("calls went only to %v", seen)
	}
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	// The client hears READONLY, then the close; from then on every call
	// goes to b.
	deadline := time.Now().Add(10 * time.Second)
	for connState(cli, aAddr) == "ready" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 20; i++ {
		v, err := stub.Which(context.Background())
		if err != nil || v != "b" {
			t.Fatalf("call %d after a stopped: %q, %v", i, v, err)
		}
	}
}

func TestNoProvider(t *testing.T) {
	cli := newClient(t)
	var stub struct {
		Which func(context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Which", &stub); err == nil {
		t.Error("Refer with neither URL nor registry succeeded")
	}
	if err := cli.Refer("org.example.Which", &stub, pulse.URL("dubbo://127.0.0.1:1"), pulse.Timeout(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := stub.Which(context.Background())
	if !errors.Is(err, pulse.ErrConnectionLost) && !errors.Is(err, pulse.ErrTimeout) {
		t.Errorf("call to a closed port: %v", err)
	}
	var pe *pulse.Error
	if !errors.As(err, &pe) || pe.Service != "org.example.Which" || pe.Method != "which" {
		t.Errorf("error does not name the call: %#v", err)
	}
}

func connState(cli *pulse.Client, addr string) string {
	for _, c := range cli.Connections() {
		if c.Addr == addr {
			return c.State
		}
	}
	return ""
}

type registrar struct{}

func (registrar) Save(ctx context.Context, u *User) (string, error) {
	return u.Name + " is " + strconv.Itoa(int(u.Age)), nil
}

func (registrar) Rename(u User, name string) (*User, error) {
	u.Name = name
	return &u, nil
}

// A generic caller sends POJOs as maps (as Java's GenericService does); the
// provider realizes them into the Go parameter types and sends results back
// as maps.
func TestGenericCallWithPOJOs(t *testing.T) {
	const iface = "org.example.Registrar"
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register(iface, registrar{}); err != nil {
			t.Fatal(err)
		}
	})
	cli := newClient(t)
	ada := map[string]any{"class": "org.apache.dubbo.samples.api.User", "id": "u1", "name": "Ada", "age": int32(36)}
	got, err := cli.Invoke(context.Background(), iface, "save", []string{"org.apache.dubbo.samples.api.User"},
		[]any{ada}, pulse.URL(ts.url))
	if got != "Ada is 36" || err != nil {
		t.Errorf("save = %v, %v", got, err)
	}
	got, err = cli.Invoke(context.Background(), iface, "rename",
		[]string{"org.apache.dubbo.samples.api.User", "java.lang.String"}, []any{ada, "Grace"}, pulse.URL(ts.url))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := got.(map[any]any)
	if !ok || m["name"] != "Grace" || m["id"] != "u1" || m["class"] != "org.apache.dubbo.samples.api.User" {
		t.Errorf("rename = %#v", got)
	}
	// Unknown methods and services, generically.
	_, err = cli.Invoke(context.Background(), iface, "nope", nil, nil, pulse.URL(ts.url))
	if !errors.Is(err, pulse.ErrUnknownMethod) {
		t.Errorf("unknown generic method: %v", err)
	}
	_, err = cli.Invoke(context.Background(), "org.example.Nope", "save", nil, nil, pulse.URL(ts.url))
	if !errors.Is(err, pulse.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
}

// A provider's reported health reaches the client's view of its connection.
func TestHealthReachesClient(t *testing.T) {
	var status atomic.Value
	status.Store("SERVING")
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Which", versioned{"a"}); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithHealth(func() string { return status.Load().(string) }), pulse.WithHeartbeat(100*time.Millisecond))
	cli := newClient(t, pulse.WithHeartbeat(100*time.Millisecond))
	var stub struct {
		Which func(context.Context) (string, error)
	}
	if err := cli.Refer("org.example.Which", &stub, pulse.URL(ts.url)); err != nil {
		t.Fatal(err)
	}
	if _, err := stub.Which(context.Background()); err != nil {
		t.Fatal(err)
	}
	status.Store("DEGRADED")
	addr := strings.TrimPrefix(ts.url, "dubbo://")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range cli.Connections() {
			if c.Addr == addr && c.Status == "DEGRADED" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the client never saw DEGRADED: %+v", cli.Connections())
}
