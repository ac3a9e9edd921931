package loadbalance

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// fakeState is a provider connection the test drives.
type fakeState struct {
	down   atomic.Bool
	health atomic.Pointer[Health]
}

func (f *fakeState) Available() bool { return !f.down.Load() }
func (f *fakeState) Health() Health {
	if h := f.health.Load(); h != nil {
		return *h
	}
	return Health{}
}

func nodes(weights ...int) ([]*Node, []*fakeState) {
	ns := make([]*Node, len(weights))
	ss := make([]*fakeState, len(weights))
	for i, w := range weights {
		ss[i] = &fakeState{}
		ns[i] = NewNode(fmt.Sprintf("10.0.0.%d:20880", i+1), ss[i])
		ns[i].Weight = w
	}
	return ns, ss
}

// seeded is a deterministic random source for single-goroutine tests.
func seeded(seed uint64) Option {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return WithRand(r.IntN)
}

func fixedClock(t time.Time) Option { return WithClock(func() time.Time { return t }) }

var call = &dubbo.Invocation{Path: "org.example.Greeter", Method: "sayHi", Arguments: []any{"A001"}}

func count(t *testing.T, p Picker, n, draws int, inv *dubbo.Invocation, tried []*Node) []int {
	t.Helper()
	got := make([]int, n)
	for range draws {
		i := p.Pick(inv, tried)
		if i < 0 || i >= n {
			t.Fatalf("Pick = %d, want [0,%d)", i, n)
		}
		got[i]++
	}
	return got
}

// chiSquare checks counts against shares proportional to want. With 3 degrees
// of freedom, 30 is far beyond p=1e-5; the seeds are fixed anyway.
func chiSquare(t *testing.T, got []int, want []int) {
	t.Helper()
	total, wsum := 0, 0
	for i := range got {
		total += got[i]
		wsum += want[i]
	}
	chi := 0.0
	for i := range got {
		exp := float64(total) * float64(want[i]) / float64(wsum)
		if exp == 0 {
			if got[i] != 0 {
				t.Fatalf("node %d picked %d times, want 0 (counts %v)", i, got[i], got)
			}
			continue
		}
		d := float64(got[i]) - exp
		chi += d * d / exp
	}
	if limit := 10.0 + 7*float64(len(got)); chi > limit {
		t.Fatalf("counts %v vs weights %v: chi-square %.1f > %.1f", got, want, chi, limit)
	}
}

func TestDistributionFollowsWeights(t *testing.T) {
	weights := []int{100, 200, 300, 400}
	for _, name := range []string{Random, RoundRobin, LeastActive, ShortestResponse} {
		t.Run(name, func(t *testing.T) {
			b, err := New(name, seeded(7))
			if err != nil {
				t.Fatal(err)
			}
			ns, _ := nodes(weights...)
			got := count(t, b.Picker(ns), len(ns), 100_000, call, nil)
			chiSquare(t, got, weights)
		})
	}
}

func TestMethodWeights(t *testing.T) {
	ns, _ := nodes(100, 100)
	ns[1].MethodWeights = map[string]int{"sayHi": 300}
	got := count(t, NewRandom(seeded(3)).Picker(ns), 2, 50_000, call, nil)
	chiSquare(t, got, []int{100, 300})
	other := &dubbo.Invocation{Method: "other"}
	got = count(t, NewRandom(seeded(3)).Picker(ns), 2, 50_000, other, nil)
	chiSquare(t, got, []int{100, 100})
}

func TestZeroWeightIsNeverPickedAmongPositive(t *testing.T) {
	ns, _ := nodes(0, 100, 100)
	for _, name := range []string{Random, RoundRobin} {
		b, _ := New(name, seeded(1))
		got := count(t, b.Picker(ns), 3, 10_000, call, nil)
		if got[0] != 0 {
			t.Errorf("%s: zero-weight node picked %d times", name, got[0])
		}
	}
}

func TestWarmupWeight(t *testing.T) {
	tests := []struct {
		weight         int
		uptime, warmup time.Duration
		want           int
	}{
		{100, time.Minute, 10 * time.Minute, 10},
		{100, 5 * time.Minute, 10 * time.Minute, 50},
		{100, time.Millisecond, 10 * time.Minute, 1},
		{100, 11 * time.Minute, 10 * time.Minute, 100},
		{100, -time.Second, 10 * time.Minute, 1},
		{0, time.Minute, 10 * time.Minute, 0},
		{100, 0, 10 * time.Minute, 100},
	}
	for _, tt := range tests {
		if got := WarmupWeight(tt.weight, tt.uptime, tt.warmup); got != tt.want {
			t.Errorf("WarmupWeight(%d, %v, %v) = %d, want %d", tt.weight, tt.uptime, tt.warmup, got, tt.want)
		}
	}
}

func TestWarmupRampsTraffic(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ns, _ := nodes(100, 100)
	ns[0].Start = now.Add(-time.Hour)
	ns[1].Start = now.Add(-time.Minute) // 1 of 10 minutes: weight 10
	for _, name := range []string{Random, RoundRobin} {
		b, _ := New(name, seeded(11), fixedClock(now))
		got := count(t, b.Picker(ns), 2, 55_000, call, nil)
		chiSquare(t, got, []int{100, 10})
	}
}

func TestSmoothRoundRobinSequence(t *testing.T) {
	ns, _ := nodes(5, 1, 1)
	p := NewRoundRobin().Picker(ns)
	want := "aabacaa"
	for round := range 3 {
		got := ""
		for range 7 {
			got += string(rune('a' + p.Pick(call, nil)))
		}
		if got != want {
			t.Fatalf("round %d: sequence %q, want %q", round, got, want)
		}
	}
}

func TestRoundRobinPerMethodAndCarriedAcrossSnapshots(t *testing.T) {
	ns, _ := nodes(1, 1, 1)
	b := NewRoundRobin()
	p := b.Picker(ns)
	a, other := &dubbo.Invocation{Method: "a"}, &dubbo.Invocation{Method: "b"}
	if got := []int{p.Pick(a, nil), p.Pick(other, nil), p.Pick(a, nil)}; !slices.Equal(got, []int{0, 0, 1}) {
		t.Fatalf("per-method rotations: got %v, want [0 0 1]", got)
	}
	// A new snapshot with the same providers (and one more) continues.
	ns2 := append(slices.Clone(ns), NewNode("10.0.0.9:20880", nil))
	ns2[3].Weight = 1
	p2 := b.Picker(ns2)
	if got := p2.Pick(a, nil); got != 2 {
		t.Fatalf("after rebuild: got %d, want 2 (rotation carried)", got)
	}
}

func TestLeastActivePrefersIdle(t *testing.T) {
	ns, _ := nodes(100, 100, 100)
	for range 5 {
		ns[0].Stats.Method("sayHi").Begin()
		ns[2].Stats.Method("sayHi").Begin()
	}
	ns[1].Stats.Method("sayHi").Begin()
	p := NewLeastActive(seeded(5)).Picker(ns)
	got := count(t, p, 3, 1000, call, nil)
	if got[1] != 1000 {
		t.Fatalf("counts %v, want all on the least active node 1", got)
	}
	// Another method's actives do not count.
	other := &dubbo.Invocation{Method: "other"}
	got = count(t, p, 3, 30_000, other, nil)
	chiSquare(t, got, []int{1, 1, 1})
}

func TestShortestResponsePrefersFast(t *testing.T) {
	ns, _ := nodes(100, 100)
	for range 20 {
		c := ns[0].Stats.Method("sayHi")
		c.Begin()
		c.End(10*time.Millisecond, true)
		c = ns[1].Stats.Method("sayHi")
		c.Begin()
		c.End(time.Millisecond, true)
	}
	p := NewShortestResponse(seeded(5)).Picker(ns)
	if got := count(t, p, 2, 1000, call, nil); got[1] != 1000 {
		t.Fatalf("counts %v, want all on the fast node", got)
	}
	// Enough calls in flight on the fast one make the slow one shorter.
	for range 20 {
		ns[1].Stats.Method("sayHi").Begin()
	}
	if got := p.Pick(call, nil); got != 0 {
		t.Fatalf("busy fast node still picked")
	}
}

func TestRetriesExcludeTried(t *testing.T) {
	// dj#1737: with two providers, a retry must go to the other one.
	for name := range Constructors() {
		t.Run(name, func(t *testing.T) {
			ns, _ := nodes(100, 100)
			b, _ := New(name, seeded(9))
			p := b.Picker(ns)
			for i := range 200 {
				inv := &dubbo.Invocation{Method: "sayHi", Arguments: []any{fmt.Sprint(i)}}
				first := p.Pick(inv, nil)
				second := p.Pick(inv, []*Node{ns[first]})
				if second == first {
					t.Fatalf("retry re-picked node %d", first)
				}
				// All tried: any node is fine, but it must still pick.
				if third := p.Pick(inv, ns); third < 0 {
					t.Fatal("no pick with every node tried")
				}
			}
		})
	}
}

func TestTriedMatchesByKey(t *testing.T) {
	ns, _ := nodes(100, 100)
	stale := NewNode(ns[0].Key, nil) // same provider from an older snapshot
	p := NewRandom(seeded(1)).Picker(ns)
	for range 100 {
		if p.Pick(call, []*Node{stale}) == 0 {
			t.Fatal("node tried in an older snapshot picked again")
		}
	}
}

func TestUnavailableSkippedUnlessAllAre(t *testing.T) {
	for name := range Constructors() {
		t.Run(name, func(t *testing.T) {
			ns, ss := nodes(100, 100, 100)
			ss[0].down.Store(true)
			ss[2].down.Store(true)
			b, _ := New(name, seeded(2))
			p := b.Picker(ns)
			for i := range 500 {
				inv := &dubbo.Invocation{Method: "sayHi", Arguments: []any{i}}
				if got := p.Pick(inv, nil); got != 1 {
					t.Fatalf("picked unavailable node %d", got)
				}
			}
			ss[1].down.Store(true) // e.g. every provider READONLY: still serve
			if got := p.Pick(call, nil); got < 0 {
				t.Fatalf("no pick when none is available")
			}
		})
	}
}

func TestHealthFactor(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		h      Health
		median time.Duration
		want   float64
	}{
		{"unknown", Health{}, 0, 1},
		{"on par", Health{RTT: 2 * ms}, 2 * ms, 1},
		{"lan noise below floor", Health{RTT: 4 * ms}, 100 * time.Microsecond, 1},
		{"10x late", Health{RTT: 100 * ms}, 10 * ms, 0.2},
		{"very late", Health{RTT: 10 * time.Second}, 10 * ms, minFactor},
		{"degraded", Health{Status: StatusDegraded}, 0, 0.5},
		{"failing", Health{Status: StatusFailing}, 0, 0.1},
		{"full load", Health{Load: 1}, 0, 0.25},
		{"half load", Health{Load: 0.5}, 0, 0.625},
	}
	for _, tt := range tests {
		if got := HealthFactor(tt.h, tt.median); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: HealthFactor = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLateHeartbeatsWeighDown(t *testing.T) {
	ns, ss := nodes(100, 100, 100)
	for i, rtt := range []time.Duration{10, 10, 100} {
		ss[i].health.Store(&Health{RTT: rtt * time.Millisecond})
	}
	for _, name := range []string{Random, RoundRobin} {
		b, _ := New(name, seeded(4))
		got := count(t, b.Picker(ns), 3, 50_000, call, nil)
		chiSquare(t, got, []int{100, 100, 20})
	}
	// Health is re-read after the refresh interval, without a new snapshot.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := NewRandom(seeded(4), WithClock(clock), WithRefreshInterval(time.Second)).Picker(ns)
	ss[2].health.Store(&Health{Status: StatusFailing})
	now = now.Add(2 * time.Second)
	got := count(t, p, 3, 50_000, call, nil)
	chiSquare(t, got, []int{100, 100, 10})
}

func TestConsistentHashStableAndMinimalMovement(t *testing.T) {
	ns, _ := nodes(100, 100, 100, 100, 100, 100, 100, 100, 100, 100)
	b := NewConsistentHash()
	p := b.Picker(ns)
	const keys = 20_000
	before := make([]string, keys)
	perNode := map[string]int{}
	for k := range keys {
		inv := &dubbo.Invocation{Method: "get", Arguments: []any{fmt.Sprintf("user-%d", k), k}}
		before[k] = ns[p.Pick(inv, nil)].Key
		perNode[before[k]]++
		if again := ns[p.Pick(inv, nil)].Key; again != before[k] {
			t.Fatalf("key %d moved without a change", k)
		}
	}
	for key, n := range perNode { // 160 virtual nodes: shares within a factor ~1.5
		if n < keys/10*6/10 || n > keys/10*16/10 {
			t.Errorf("node %s holds %d of %d keys", key, n, keys)
		}
	}
	// Remove node 3: only its keys move; method does not matter.
	removed := ns[3].Key
	rest := slices.Delete(slices.Clone(ns), 3, 4)
	p2 := b.Picker(rest)
	moved := 0
	for k := range keys {
		inv := &dubbo.Invocation{Method: "other", Arguments: []any{fmt.Sprintf("user-%d", k)}}
		after := rest[p2.Pick(inv, nil)].Key
		if after != before[k] {
			if before[k] != removed {
				t.Fatalf("key %d moved from %s (still present) to %s", k, before[k], after)
			}
			moved++
		}
	}
	if moved != perNode[removed] {
		t.Fatalf("moved %d keys, want %d (those of the removed node)", moved, perNode[removed])
	}
}

func TestConsistentHashJavaKey(t *testing.T) {
	inv := &dubbo.Invocation{Arguments: []any{"a", nil, 7, int64(-2), true}}
	if got := HashKey(inv, []int{0, 1, 2, 3, 4, 9}); got != "anull7-2true" {
		t.Fatalf("HashKey = %q", got)
	}
	// md5("") = d41d8cd98f00b204e9800998ecf8427e; first 4 bytes little-endian.
	if got := Hash(""); got != 0xd98c1dd4 {
		t.Fatalf("Hash(\"\") = %#x, want 0xd98c1dd4", got)
	}
}

func TestNew(t *testing.T) {
	for _, name := range []string{"", Random, RoundRobin, LeastActive, ConsistentHash, ShortestResponse} {
		if _, err := New(name); err != nil {
			t.Errorf("New(%q): %v", name, err)
		}
	}
	if _, err := New("nope"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("New(nope) = %v, want ErrUnknown", err)
	}
}

func TestEmptyAndSingle(t *testing.T) {
	for name, c := range Constructors() {
		if got := c().Picker(nil).Pick(call, nil); got != -1 {
			t.Errorf("%s: empty Pick = %d, want -1", name, got)
		}
		ns, ss := nodes(100)
		ss[0].down.Store(true)
		if got := c().Picker(ns).Pick(call, ns); got != 0 {
			t.Errorf("%s: single Pick = %d, want 0", name, got)
		}
	}
}

func TestStatsConcurrent(t *testing.T) {
	var s Stats
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				c := s.Method(fmt.Sprint("m", (g+i)%3))
				c.Begin()
				c.End(time.Millisecond, i%2 == 0)
			}
		}()
	}
	for range 4 {
		<-done
	}
	var total int64
	for m := range 3 {
		c := s.Method(fmt.Sprint("m", m))
		if c.Active() != 0 {
			t.Fatalf("active %d after all calls ended", c.Active())
		}
		total += c.Succeeded() + c.Failed()
	}
	if total != 4000 {
		t.Fatalf("counted %d calls, want 4000", total)
	}
}

func TestHashNodesBounded(t *testing.T) {
	ns, _ := nodes(100, 100)
	tests := []struct {
		name  string
		nodes int
		want  int // ring points per provider
	}{
		{"default", 0, DefaultHashNodes},
		{"below the floor", 1, 4},
		{"as asked", 320, 320},
		// Large enough to show the bound, small enough that an unbounded
		// ring is still built and the test fails instead of running out of memory.
		{"far over the bound, from a URL", 4 * MaxHashNodes, MaxHashNodes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.nodes != 0 {
				opts = append(opts, WithHashNodes(tt.nodes))
			}
			p := NewConsistentHash(opts...).Picker(ns).(*hashPicker)
			// Points of different providers may collide and be merged: allow a few.
			if got := len(p.ring); got > 2*tt.want || got < 2*tt.want-4 {
				t.Errorf("ring of 2 providers has %d points, want about %d", got, 2*tt.want)
			}
		})
	}
}
