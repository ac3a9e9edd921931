package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/cluster/breaker"
	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

var errServer = errors.New("provider: SERVER_ERROR")

// S18: a provider that answers but fails half its calls.
func TestBreakerKeepsCallsAwayFromFailingProvider(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	var sick atomic.Bool
	sick.Store(true)
	var n atomic.Int64
	probeGate := make(chan struct{})
	var gateProbe atomic.Bool
	fakes := map[string]*fakeInvoker{}
	d := NewDirectory("s", func(u *registry.URL) (Invoker, error) {
		f := &fakeInvoker{url: u}
		if u.Host == "10.0.0.1" {
			f.answer = func(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
				if gateProbe.Load() {
					<-probeGate
				}
				if sick.Load() && n.Add(1)%2 == 0 {
					return nil, errServer
				}
				return &dubbo.Result{}, nil
			}
		}
		fakes[Key(u)] = f
		return f, nil
	}, WithBreaker(breaker.Policy{}, nil), WithClock(clock))
	defer d.Close()
	d.Add(provider(1), provider(2))
	s, err := New(d, WithBalancer(loadbalance.NewRoundRobin()), WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sickOne := fakes["10.0.0.1:20880"]

	// Round robin gives the sick provider every other call: after 20 of
	// them, half failed, its breaker opens.
	for range 40 {
		s.Invoke(t.Context(), greet)
	}
	if got := sickOne.calls.Load(); got != 20 {
		t.Fatalf("sick provider got %d calls before opening, want 20", got)
	}
	// Open: not one call reaches it, and no call fails.
	for range 1000 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatalf("call failed while the breaker was open: %v", err)
		}
	}
	if got := sickOne.calls.Load(); got != 20 {
		t.Fatalf("%d calls reached the provider while its breaker was open", got-20)
	}
	// After the cooldown: exactly one probe while it is in flight.
	advance(breaker.DefaultCooldown)
	sick.Store(false)
	gateProbe.Store(true)
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		for sickOne.calls.Load() == 20 {
			s.Invoke(context.Background(), greet)
		}
	}()
	eventually(t, "the probe", func() bool { return sickOne.calls.Load() == 21 })
	for range 200 {
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
	}
	if got := sickOne.calls.Load(); got != 21 {
		t.Fatalf("%d calls reached a half-open provider, want the single probe", got-20)
	}
	gateProbe.Store(false)
	close(probeGate)
	<-probeDone
	// The probe succeeded: closed, the provider takes its share again.
	for range 100 {
		s.Invoke(t.Context(), greet)
	}
	if got := sickOne.calls.Load(); got < 60 {
		t.Fatalf("recovered provider got %d of 100 calls, want about half", got-21)
	}
}

func TestBreakerOpenEverywhereFailsFast(t *testing.T) {
	s, fakes := setupWith(t, 2, []DirectoryOption{WithBreaker(breaker.Policy{MinRequests: 2}, nil)},
		func(_ int, f *fakeInvoker) { f.answer = fails(errServer) }, WithStrategy(Failfast))
	for range 10 {
		s.Invoke(t.Context(), greet)
	}
	before := fakes[0].calls.Load() + fakes[1].calls.Load()
	_, err := s.Invoke(t.Context(), greet)
	if !errors.Is(err, ErrCircuitOpen) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrCircuitOpen", err)
	}
	if after := fakes[0].calls.Load() + fakes[1].calls.Load(); after != before {
		t.Fatal("a call reached a provider whose breaker is open")
	}
}
