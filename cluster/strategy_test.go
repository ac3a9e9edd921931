package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

// setup builds a directory of n fake providers, each prepared by prepare
// (which sees its index), and a strategy over it.
func setup(t *testing.T, n int, prepare func(i int, f *fakeInvoker), opts ...Option) (Strategy, []*fakeInvoker) {
	t.Helper()
	return setupWith(t, n, nil, prepare, opts...)
}

func setupWith(t *testing.T, n int, dopts []DirectoryOption, prepare func(i int, f *fakeInvoker), opts ...Option) (Strategy, []*fakeInvoker) {
	t.Helper()
	fakes := make([]*fakeInvoker, 0, n)
	dial := func(u *registry.URL) (Invoker, error) {
		f := &fakeInvoker{url: u}
		if prepare != nil {
			prepare(len(fakes), f)
		}
		fakes = append(fakes, f)
		return f, nil
	}
	d := NewDirectory("org.example.Greeter", dial, dopts...)
	urls := make([]*registry.URL, n)
	for i := range n {
		urls[i] = provider(i + 1)
	}
	for _, u := range urls { // in order, so fakes[i] is provider i+1
		d.Add(u)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	s, err := New(d, append([]Option{WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		d.Close()
	})
	return s, fakes
}

func fails(err error) func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) {
	return func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) { return nil, err }
}

var errBusiness = errors.New("provider said no")

func TestFailoverRetriesOnAnotherProvider(t *testing.T) {
	// dj#1737: with two providers, Java's failover could re-pick the one
	// that just failed. Every balancer must go to the other one.
	for name := range loadbalance.Constructors() {
		t.Run(name, func(t *testing.T) {
			b, _ := loadbalance.New(name)
			s, fakes := setup(t, 2, func(i int, f *fakeInvoker) {
				if i == 0 {
					f.answer = fails(fmt.Errorf("%w: dial refused", ErrUnavailable))
				}
			}, WithBalancer(b), WithRetries(1))
			for i := range 200 {
				inv := &dubbo.Invocation{Path: "org.example.Greeter", Method: "sayHi", Arguments: []any{fmt.Sprint(i)}}
				before := fakes[0].calls.Load()
				res, err := s.Invoke(t.Context(), inv)
				if err != nil {
					t.Fatalf("call %d failed: %v", i, err)
				}
				if res.Value != "ok from 10.0.0.2:20880" {
					t.Fatalf("result %v", res.Value)
				}
				if d := fakes[0].calls.Load() - before; d > 1 {
					t.Fatalf("failing provider tried %d times in one call", d)
				}
			}
		})
	}
}

func TestFailoverOneDeadProviderNeverFailsIdempotentCalls(t *testing.T) {
	for _, errDead := range []error{ErrUnavailable, ErrConnectionLost, ErrTimeout} {
		t.Run(errDead.Error(), func(t *testing.T) {
			s, fakes := setup(t, 3, func(i int, f *fakeInvoker) {
				if i == 1 {
					f.answer = fails(errDead)
				}
			}, WithIdempotent(true))
			var wg sync.WaitGroup
			var failed atomic.Int64
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 250 {
						if _, err := s.Invoke(t.Context(), greet); err != nil {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if failed.Load() != 0 {
				t.Fatalf("%d of 2000 calls failed", failed.Load())
			}
			if fakes[1].calls.Load() == 0 {
				t.Fatal("dead provider never tried; the test proves nothing")
			}
		})
	}
}

func TestFailoverRetryRules(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		idempotent bool
		attempts   int64
	}{
		{"unavailable always retried", ErrUnavailable, false, 3},
		{"timeout not retried by default", ErrTimeout, false, 1},
		{"timeout retried when idempotent", ErrTimeout, true, 3},
		{"lost connection not retried by default", ErrConnectionLost, false, 1},
		{"lost connection retried when idempotent", fmt.Errorf("read: %w", ErrConnectionLost), true, 3},
		{"per-attempt deadline is a timeout", context.DeadlineExceeded, true, 3},
		{"business error final", errBusiness, true, 1},
		{"Retryable() true wins", retryableErr(true), false, 3},
		{"Retryable() false wins", fmt.Errorf("%w %w", retryableErr(false), ErrUnavailable), true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			s, _ := setup(t, 3, func(_ int, f *fakeInvoker) {
				f.answer = func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) {
					calls.Add(1)
					return nil, tt.err
				}
			}, WithIdempotent(tt.idempotent))
			_, err := s.Invoke(t.Context(), greet)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v does not wrap %v", err, tt.err)
			}
			var ce *CallError
			if !errors.As(err, &ce) || len(ce.Tried) != int(tt.attempts) {
				t.Fatalf("err %v: want a CallError with %d providers tried", err, tt.attempts)
			}
			if calls.Load() != tt.attempts {
				t.Fatalf("%d attempts, want %d", calls.Load(), tt.attempts)
			}
			if tt.attempts == 3 && (ce.Tried[0] == ce.Tried[1] || ce.Tried[1] == ce.Tried[2] || ce.Tried[0] == ce.Tried[2]) {
				t.Fatalf("a provider was retried: %v", ce.Tried)
			}
		})
	}
}

type retryableErr bool

func (r retryableErr) Error() string   { return fmt.Sprintf("retryable=%v", bool(r)) }
func (r retryableErr) Retryable() bool { return bool(r) }

func TestBusinessExceptionReturnedAsIs(t *testing.T) {
	exc := &dubbo.Result{Exception: errBusiness}
	s, fakes := setup(t, 2, func(_ int, f *fakeInvoker) {
		f.answer = func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) { return exc, nil }
	})
	res, err := s.Invoke(t.Context(), greet)
	if err != nil || res != exc {
		t.Fatalf("got %v, %v; want the exception result", res, err)
	}
	if fakes[0].calls.Load()+fakes[1].calls.Load() != 1 {
		t.Fatal("business exception was retried")
	}
}

func TestFailoverStopsWhenCallerGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, fakes := setup(t, 3, func(_ int, f *fakeInvoker) {
		f.answer = func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) {
			cancel()
			return nil, ErrUnavailable
		}
	})
	if _, err := s.Invoke(ctx, greet); err == nil {
		t.Fatal("want an error")
	}
	var total int64
	for _, f := range fakes {
		total += f.calls.Load()
	}
	if total != 1 {
		t.Fatalf("%d attempts after the caller canceled, want 1", total)
	}
}

func TestNoProvider(t *testing.T) {
	for _, name := range []string{Failover, Failfast, Forking, Broadcast} {
		s, _ := setup(t, 0, nil, WithStrategy(name))
		if _, err := s.Invoke(t.Context(), greet); !errors.Is(err, ErrNoProvider) {
			t.Errorf("%s: err %v, want ErrNoProvider", name, err)
		}
	}
}

func TestFailfast(t *testing.T) {
	s, fakes := setup(t, 2, func(_ int, f *fakeInvoker) { f.answer = fails(ErrUnavailable) }, WithStrategy(Failfast))
	_, err := s.Invoke(t.Context(), greet)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v", err)
	}
	if fakes[0].calls.Load()+fakes[1].calls.Load() != 1 {
		t.Fatal("failfast retried")
	}
}

func TestFailsafe(t *testing.T) {
	s, _ := setup(t, 1, func(_ int, f *fakeInvoker) { f.answer = fails(errBusiness) }, WithStrategy(Failsafe))
	res, err := s.Invoke(t.Context(), greet)
	if err != nil || res == nil || res.Value != nil || res.Exception != nil {
		t.Fatalf("got %+v, %v; want an empty result", res, err)
	}
}

func TestFailbackRetriesInBackgroundAndStops(t *testing.T) {
	var failures atomic.Int64
	failures.Store(2) // the call and the first background retry fail
	var done atomic.Int64
	s, _ := setup(t, 2, func(_ int, f *fakeInvoker) {
		f.answer = func(_ context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
			if failures.Add(-1) >= 0 {
				return nil, ErrUnavailable
			}
			done.Add(1)
			return &dubbo.Result{}, nil
		}
	}, WithStrategy(Failback), WithFailback(time.Millisecond, 10))
	res, err := s.Invoke(t.Context(), greet)
	if err != nil || res == nil {
		t.Fatalf("failback answered %v, %v; want an empty result", res, err)
	}
	eventually(t, "the background retry to succeed", func() bool { return done.Load() == 1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFailbackGivesUpAndCloseInterruptsWaits(t *testing.T) {
	var calls atomic.Int64
	s, _ := setup(t, 1, func(_ int, f *fakeInvoker) {
		f.answer = func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) {
			calls.Add(1)
			return nil, ErrUnavailable
		}
	}, WithStrategy(Failback), WithFailback(time.Millisecond, 2), WithRetries(3))
	s.Invoke(t.Context(), greet)
	eventually(t, "1 call + 3 retries", func() bool { return calls.Load() == 4 })
	s.Close() // waits for the background goroutine: no retry can follow
	if n := calls.Load(); n != 4 {
		t.Fatalf("%d calls, want exactly 4 (gave up after 3 retries)", n)
	}
	// A long interval: Close must not wait for it. Overflowing the queue drops.
	s2, _ := setup(t, 1, func(_ int, f *fakeInvoker) { f.answer = fails(ErrUnavailable) },
		WithStrategy(Failback), WithFailback(time.Hour, 2))
	for range 5 {
		s2.Invoke(t.Context(), greet)
	}
	closed := make(chan struct{})
	go func() { s2.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the retry interval")
	}
}

func TestForkingFirstSuccessWins(t *testing.T) {
	var canceled atomic.Int64
	s, fakes := setup(t, 3, func(i int, f *fakeInvoker) {
		f.answer = func(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
			if i == 0 || i == 2 { // two slow providers wait for cancellation
				<-ctx.Done()
				canceled.Add(1)
				return nil, ctx.Err()
			}
			return &dubbo.Result{Value: "fast"}, nil
		}
	}, WithStrategy(Forking), WithForks(3))
	res, err := s.Invoke(t.Context(), greet)
	if err != nil || res.Value != "fast" {
		t.Fatalf("got %v, %v", res, err)
	}
	eventually(t, "slow forks canceled", func() bool { return canceled.Load() == 2 })
	for i, f := range fakes {
		if f.calls.Load() != 1 {
			t.Fatalf("provider %d called %d times", i, f.calls.Load())
		}
	}
}

func TestForkingCallsForksDistinctProviders(t *testing.T) {
	s, fakes := setup(t, 5, nil, WithStrategy(Forking))
	for range 50 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "all forks done", func() bool {
		var total int64
		for _, f := range fakes {
			total += f.calls.Load()
		}
		return total == 100
	})
	s2, _ := setup(t, 2, func(_ int, f *fakeInvoker) { f.answer = fails(errBusiness) }, WithStrategy(Forking))
	if _, err := s2.Invoke(t.Context(), greet); !errors.Is(err, errBusiness) {
		t.Fatalf("all forks failed: err %v", err)
	}
}

func TestBroadcast(t *testing.T) {
	s, fakes := setup(t, 3, nil, WithStrategy(Broadcast))
	if _, err := s.Invoke(t.Context(), greet); err != nil {
		t.Fatal(err)
	}
	for i, f := range fakes {
		if f.calls.Load() != 1 {
			t.Fatalf("provider %d called %d times", i, f.calls.Load())
		}
	}
	fakes[1].answer = fails(errBusiness)
	_, err := s.Invoke(t.Context(), greet)
	if !errors.Is(err, errBusiness) {
		t.Fatalf("err %v, want the provider's error", err)
	}
	if fakes[2].calls.Load() != 2 {
		t.Fatal("broadcast stopped at the first error")
	}
}

func TestNewFromParams(t *testing.T) {
	d := NewDirectory("s", newFleet(nil).dial)
	defer d.Close()
	tests := []struct {
		params map[string]string
		want   error
	}{
		{map[string]string{"cluster": "failfast", "loadbalance": "roundrobin"}, nil},
		{map[string]string{"loadbalance": "consistenthash", "hash.nodes": "320", "hash.arguments": "0,1"}, nil},
		{map[string]string{"cluster": "forking", "forks": "3", "retries": "0"}, nil},
		{map[string]string{"loadbalance": "fastest"}, loadbalance.ErrUnknown},
		{map[string]string{"cluster": "mergeable"}, ErrUnknown},
	}
	for _, tt := range tests {
		s, err := New(d, WithParams(tt.params))
		if !errors.Is(err, tt.want) {
			t.Errorf("New(%v) err = %v, want %v", tt.params, err, tt.want)
		}
		if s != nil {
			s.Close()
		}
	}
}

func TestStatsFeedLeastActive(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int64
	s, fakes := setup(t, 2, func(i int, f *fakeInvoker) {
		if i == 0 {
			f.answer = func(context.Context, *dubbo.Invocation) (*dubbo.Result, error) {
				started.Add(1)
				<-release
				return &dubbo.Result{}, nil
			}
		}
	}, WithBalancer(loadbalance.NewLeastActive()))
	// Pin one call on provider 0, then every other call must avoid it.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for started.Load() == 0 {
			s.Invoke(t.Context(), greet)
		}
	}()
	eventually(t, "a call held by provider 0", func() bool { return started.Load() >= 1 })
	before := fakes[0].calls.Load()
	for range 100 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
	}
	if fakes[0].calls.Load() != before {
		t.Fatal("leastactive sent calls to the busy provider")
	}
	close(release)
	wg.Wait()
}

// healthyFake reports heartbeat health, as the root package's invokers do.
type healthyFake struct {
	*fakeInvoker
	health Health
}

func (h *healthyFake) Health() Health { return h.health }

func TestInvokerHealthReachesBalancer(t *testing.T) {
	var fakes []*fakeInvoker
	d := NewDirectory("s", func(u *registry.URL) (Invoker, error) {
		f := &fakeInvoker{url: u}
		fakes = append(fakes, f)
		h := &healthyFake{fakeInvoker: f, health: Health{RTT: 2 * time.Millisecond}}
		if len(fakes) == 3 {
			h.health = Health{RTT: 2 * time.Millisecond, Status: loadbalance.StatusFailing}
		}
		return h, nil
	})
	defer d.Close()
	d.Add(provider(1), provider(2), provider(3))
	s, _ := New(d)
	defer s.Close()
	for range 21_000 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
	}
	// Weights 100:100:10 expect ~1,000 calls on the failing one.
	if n := fakes[2].calls.Load(); n > 2000 || n == 0 {
		t.Fatalf("provider reporting trouble got %d of 21000 calls, want ~1000", n)
	}
}

func TestNewProvidersReachedAfterRebuild(t *testing.T) {
	fl := newFleet(nil)
	var mu sync.Mutex
	d := NewDirectory("s", func(u *registry.URL) (Invoker, error) {
		mu.Lock()
		defer mu.Unlock()
		return fl.dial(u)
	})
	defer d.Close()
	d.Add(provider(1))
	s, _ := New(d, WithStrategy(Failfast))
	defer s.Close()
	if _, err := s.Invoke(t.Context(), greet); err != nil {
		t.Fatal(err)
	}
	d.Add(provider(2))
	mu.Lock()
	second := fl.byKey["10.0.0.2:20880"]
	mu.Unlock()
	eventually(t, "a call on the new provider", func() bool {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
		return second.calls.Load() > 0
	})
	// A removed provider is closed, hence skipped even by a stale Picker.
	d.Remove(provider(1))
	for range 100 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatalf("failfast call after a removal: %v", err)
		}
	}
}

// dg#2864: weights written in provider URLs must reach the balancer.
func TestURLWeightsHonoured(t *testing.T) {
	weights := []int{100, 200, 300}
	for _, name := range []string{loadbalance.Random, loadbalance.RoundRobin, loadbalance.LeastActive} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			b, _ := loadbalance.New(name, loadbalance.WithRand(rng.IntN))
			fl := newFleet(nil)
			d := NewDirectory("s", fl.dial)
			defer d.Close()
			for i, w := range weights {
				d.Add(provider(i+1, "weight", strconv.Itoa(w)))
			}
			s, _ := New(d, WithBalancer(b))
			defer s.Close()
			const calls = 30_000
			for range calls {
				if _, err := s.Invoke(t.Context(), greet); err != nil {
					t.Fatal(err)
				}
			}
			chi := 0.0
			for i, w := range weights {
				got := float64(fl.byKey[Key(provider(i+1))].calls.Load())
				want := calls * float64(w) / 600
				chi += (got - want) * (got - want) / want
			}
			if chi > 30 { // chi-square, 2 degrees of freedom: p < 1e-6
				t.Fatalf("calls per provider do not follow URL weights %v: chi-square %.1f", weights, chi)
			}
		})
	}
}

// TestFailbackRetriesWhatWasCalled: the caller may reuse its invocation
// once Invoke returned; the background retry sends what was called.
func TestFailbackRetriesWhatWasCalled(t *testing.T) {
	var failed atomic.Bool
	got := make(chan string, 1)
	s, _ := setup(t, 1, func(_ int, f *fakeInvoker) {
		f.answer = func(_ context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
			if failed.CompareAndSwap(false, true) {
				return nil, ErrUnavailable
			}
			got <- fmt.Sprint(inv.Arguments[0], " ", inv.Attachments["k"])
			return &dubbo.Result{}, nil
		}
	}, WithStrategy(Failback), WithFailback(50*time.Millisecond, 10))
	defer s.Close()
	inv := &dubbo.Invocation{Path: "org.example.Greeter", Method: "sayHi",
		Arguments: []any{"first"}, Attachments: map[string]any{"k": "first"}}
	if _, err := s.Invoke(t.Context(), inv); err != nil {
		t.Fatal(err)
	}
	inv.Arguments[0], inv.Attachments["k"] = "reused", "reused"
	select {
	case g := <-got:
		if g != "first first" {
			t.Fatalf("retry sent %q, want the original call", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no background retry")
	}
}

// TestForkingAfterClose: a call after Close sends nothing (Close's wait
// must not race with forks starting).
func TestForkingAfterClose(t *testing.T) {
	s, fakes := setup(t, 2, nil, WithStrategy(Forking))
	s.Close()
	if _, err := s.Invoke(t.Context(), greet); !errors.Is(err, ErrClosed) {
		t.Fatalf("Invoke after Close = %v, want ErrClosed", err)
	}
	for i, f := range fakes {
		if n := f.calls.Load(); n != 0 {
			t.Errorf("provider %d called %d times after Close", i, n)
		}
	}
}
