package cluster

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeInvoker is a provider the test scripts: the input of the unit under
// test, not a stand-in for a dependency.
type fakeInvoker struct {
	url    *registry.URL
	down   atomic.Bool
	closed atomic.Bool
	calls  atomic.Int64
	// answer decides each call; nil answers "ok from <key>".
	answer func(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error)
}

func (f *fakeInvoker) URL() *registry.URL { return f.url }
func (f *fakeInvoker) Available() bool    { return !f.down.Load() && !f.closed.Load() }
func (f *fakeInvoker) Close() error       { f.closed.Store(true); return nil }
func (f *fakeInvoker) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	f.calls.Add(1)
	if f.closed.Load() {
		return nil, fmt.Errorf("%w: closed", ErrUnavailable)
	}
	if f.answer != nil {
		return f.answer(ctx, inv)
	}
	return &dubbo.Result{Value: "ok from " + Key(f.url)}, nil
}

func (f *fakeInvoker) key() string { return Key(f.url) }

// provider returns a provider URL on 10.0.0.<i>:20880.
func provider(i int, params ...string) *registry.URL {
	p := map[string]string{"interface": "org.example.Greeter", "side": "provider"}
	for j := 0; j+1 < len(params); j += 2 {
		p[params[j]] = params[j+1]
	}
	return &registry.URL{Protocol: "dubbo", Host: fmt.Sprintf("10.0.0.%d", i), Port: 20880,
		Path: "org.example.Greeter", Params: p}
}

// fleet dials fakeInvokers and remembers every one it made.
type fleet struct {
	dialled atomic.Int64
	byKey   map[string]*fakeInvoker // the latest invoker dialled per provider key
	prepare func(f *fakeInvoker)
}

func newFleet(prepare func(f *fakeInvoker)) *fleet {
	return &fleet{byKey: map[string]*fakeInvoker{}, prepare: prepare}
}

func (fl *fleet) dial(u *registry.URL) (Invoker, error) {
	fl.dialled.Add(1)
	f := &fakeInvoker{url: u}
	if fl.prepare != nil {
		fl.prepare(f)
	}
	fl.byKey[Key(u)] = f
	return f, nil
}

var greet = &dubbo.Invocation{Path: "org.example.Greeter", Method: "sayHi", Arguments: []any{"A001"}}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
