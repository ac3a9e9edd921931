package cluster

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/registry"
)

func TestDirectoryMembership(t *testing.T) {
	fl := newFleet(nil)
	d := NewDirectory("org.example.Greeter", fl.dial)
	defer d.Close()
	if err := d.Set([]*registry.URL{provider(1), provider(2), provider(3)}); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Invokers()); got != 3 {
		t.Fatalf("%d invokers, want 3", got)
	}
	// A weight update keeps the connection (no new dial) but takes the weight.
	if err := d.Add(provider(2, "weight", "300")); err != nil {
		t.Fatal(err)
	}
	if fl.dialled.Load() != 3 {
		t.Fatalf("dialled %d times, want 3 (updates must not redial)", fl.dialled.Load())
	}
	if w := d.snap.Load().nodes[1].Weight; w != 300 {
		t.Fatalf("weight after update = %d, want 300", w)
	}
	if d.URLs()[1].Params["weight"] != "300" {
		t.Fatal("URLs() does not show the updated URL")
	}
	// Removal closes the invoker: its reconnect loop ends.
	removed := fl.byKey["10.0.0.1:20880"]
	if err := d.Remove(provider(1)); err != nil {
		t.Fatal(err)
	}
	if !removed.closed.Load() {
		t.Fatal("removed provider's invoker not closed")
	}
	// A full snapshot without provider 3 closes it too; a new one is dialled.
	if err := d.Set([]*registry.URL{provider(2), provider(4)}); err != nil {
		t.Fatal(err)
	}
	if !fl.byKey["10.0.0.3:20880"].closed.Load() {
		t.Fatal("provider missing from snapshot not closed")
	}
	if fl.byKey["10.0.0.2:20880"].closed.Load() {
		t.Fatal("provider kept by snapshot was closed")
	}
	keys := []string{}
	for _, inv := range d.Invokers() {
		keys = append(keys, Key(inv.URL()))
	}
	if len(keys) != 2 || keys[0] != "10.0.0.2:20880" || keys[1] != "10.0.0.4:20880" {
		t.Fatalf("providers %v", keys)
	}
	// Disabled and empty URLs count as absent.
	empty := &registry.URL{Protocol: "empty", Host: "10.0.0.5", Port: 20880}
	if err := d.Add(provider(2, "enabled", "false"), empty); err != nil {
		t.Fatal(err)
	}
	if !fl.byKey["10.0.0.2:20880"].closed.Load() || len(d.Invokers()) != 1 {
		t.Fatal("enabled=false provider still listed")
	}
	// Close closes the rest and refuses changes.
	last := fl.byKey["10.0.0.4:20880"]
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if !last.closed.Load() || len(d.Invokers()) != 0 {
		t.Fatal("Close left an invoker open")
	}
	if err := d.Add(provider(9)); err != ErrClosed {
		t.Fatalf("Add after Close = %v, want ErrClosed", err)
	}
}

func TestDirectoryParams(t *testing.T) {
	d := NewDirectory("s", newFleet(nil).dial)
	defer d.Close()
	d.Add(provider(1, "weight", "50", "warmup", "60000", "timestamp", "1700000000000",
		"methods.sayHi.weight", "7", "sayBye.weight", "9"))
	n := d.snap.Load().nodes[0]
	if n.Weight != 50 || n.Warmup != time.Minute || n.Start.UnixMilli() != 1700000000000 {
		t.Fatalf("node %+v", n)
	}
	if n.MethodWeights["sayHi"] != 7 || n.MethodWeights["sayBye"] != 9 {
		t.Fatalf("method weights %v", n.MethodWeights)
	}
	d.Add(provider(2, "timestamp", "1800000000000", "remote.timestamp", "1700000000000", "weight", "-5"))
	n = d.snap.Load().nodes[1]
	if n.Start.UnixMilli() != 1700000000000 || n.Weight != 0 {
		t.Fatalf("merged URL: start %v weight %d, want the provider's start and weight 0", n.Start, n.Weight)
	}
}

func TestDirectoryListFallsBackToAll(t *testing.T) {
	fl := newFleet(nil)
	d := NewDirectory("s", fl.dial)
	defer d.Close()
	d.Set([]*registry.URL{provider(1), provider(2), provider(3)})
	fl.byKey["10.0.0.1:20880"].down.Store(true)
	if got := d.List(greet); len(got) != 2 {
		t.Fatalf("List = %d invokers, want the 2 available", len(got))
	}
	for _, f := range fl.byKey {
		f.down.Store(true) // e.g. all READONLY
	}
	if got := d.List(greet); len(got) != 3 {
		t.Fatalf("List = %d invokers, want all 3 when none is available", len(got))
	}
}

func TestDirectoryChangedCoalesces(t *testing.T) {
	d := NewDirectory("s", newFleet(nil).dial)
	defer d.Close()
	for i := range 100 {
		d.Add(provider(i))
	}
	if n := len(d.Changed()); n != 1 {
		t.Fatalf("%d pending signals after 100 changes, want 1", n)
	}
	<-d.Changed()
	select {
	case <-d.Changed():
		t.Fatal("second signal without a change")
	default:
	}
}

// Calls run while a registry storm adds, updates and removes providers.
func TestDirectorySnapshotUnderConcurrentList(t *testing.T) {
	var mu sync.Mutex
	fl := newFleet(nil)
	dial := func(u *registry.URL) (Invoker, error) {
		mu.Lock()
		defer mu.Unlock()
		return fl.dial(u)
	}
	d := NewDirectory("s", dial)
	defer d.Close()
	d.Set([]*registry.URL{provider(200), provider(201)})
	s, err := New(d, WithRetries(2), WithIdempotent(true))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed, calls atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, inv := range d.List(greet) {
					_ = inv.Available()
				}
				calls.Add(1)
				if _, err := s.Invoke(t.Context(), greet); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	for round := range 20 {
		for i := range 50 {
			d.Add(provider(i, "weight", string(rune('1'+round%9))))
		}
		for i := range 50 {
			if i%2 == round%2 {
				d.Remove(provider(i))
			}
		}
	}
	close(stop)
	wg.Wait()
	// Providers 200 and 201 never left, so failover always had somewhere to go.
	if failed.Load() != 0 {
		t.Fatalf("%d of %d calls failed during the storm", failed.Load(), calls.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	listed := map[string]bool{}
	for _, inv := range d.Invokers() {
		listed[Key(inv.URL())] = true
	}
	for key, f := range fl.byKey { // the latest invoker dialled per provider
		if listed[key] == f.closed.Load() {
			t.Fatalf("provider %s: listed=%v closed=%v", key, listed[key], f.closed.Load())
		}
	}
}

// dg#2101: a notify goroutine per change leaked thousands. Here a storm of
// changes with calls in between runs at most one Picker rebuild at a time.
func TestStormStartsNoGoroutinePerChange(t *testing.T) {
	d := NewDirectory("s", newFleet(nil).dial)
	defer d.Close()
	d.Add(provider(0))
	s, _ := New(d)
	defer s.Close()
	base := runtime.NumGoroutine()
	most := 0
	for i := range 1000 {
		d.Add(provider(i%200, "weight", strconv.Itoa(1+i%7)))
		if _, err := s.Invoke(t.Context(), greet); err != nil {
			t.Fatal(err)
		}
		most = max(most, runtime.NumGoroutine()-base)
	}
	if most > 2 {
		t.Fatalf("up to %d extra goroutines during the storm, want at most the one rebuilding", most)
	}
}
