package loadbalance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// Balancer names, as Java Dubbo's `loadbalance=` parameter spells them.
const (
	Random           = "random"
	RoundRobin       = "roundrobin"
	LeastActive      = "leastactive"
	ConsistentHash   = "consistenthash"
	ShortestResponse = "shortestresponse"
)

// DefaultRefreshInterval bounds how stale warm-up and health factors may be.
const DefaultRefreshInterval = 100 * time.Millisecond

// ErrUnknown is returned by New for a name no balancer answers to.
var ErrUnknown = errors.New("loadbalance: unknown balancer")

// Balancer builds Pickers over provider snapshots. A Balancer may keep state
// across snapshots (roundrobin carries its rotation) and is safe for
// concurrent use.
type Balancer interface {
	// Picker returns a Picker over nodes, which the caller must not modify
	// afterwards. Building may cost O(len(nodes)) or more (consistenthash);
	// callers build once per snapshot, not per call.
	Picker(nodes []*Node) Picker
}

// Picker chooses a node for a call. Safe for concurrent use.
type Picker interface {
	// Pick returns the index in the Picker's nodes of the provider for inv,
	// or -1 when there are no nodes. It prefers, in order: available nodes
	// not in tried, available nodes, nodes not in tried, any node (so a set
	// of READONLY or reconnecting providers still serves, as in Java).
	// tried holds the nodes this call already used (retries); nodes match by
	// pointer or Key.
	Pick(inv *dubbo.Invocation, tried []*Node) int
}

// Option configures a Balancer.
type Option func(*options)

type options struct {
	now       func() time.Time
	intn      func(int) int
	refresh   time.Duration
	health    bool
	hashNodes int
	hashArgs  []int
}

func buildOptions(opts []Option) *options {
	o := &options{now: time.Now, intn: rand.IntN, refresh: DefaultRefreshInterval, health: true,
		hashNodes: DefaultHashNodes, hashArgs: []int{0}}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// WithClock sets the wall clock used for warm-up and refreshes (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRand sets the random source: intn(n) returns a number in [0, n). It
// must be safe for concurrent use if Pickers are. Default: math/rand/v2.IntN.
func WithRand(intn func(n int) int) Option { return func(o *options) { o.intn = intn } }

// WithRefreshInterval sets how often warm-up and health factors are
// recomputed (default DefaultRefreshInterval). Zero recomputes on every Pick.
func WithRefreshInterval(d time.Duration) Option { return func(o *options) { o.refresh = d } }

// WithoutHealth ignores reported health: weights come from URLs and warm-up only.
func WithoutHealth() Option { return func(o *options) { o.health = false } }

// WithHashNodes sets consistenthash's virtual nodes per provider (Java's
// `hash.nodes`, default 160). Values below 4 become 4, values above
// MaxHashNodes become MaxHashNodes.
func WithHashNodes(n int) Option {
	return func(o *options) { o.hashNodes = min(max(n, 4), MaxHashNodes) }
}

// WithHashArguments sets the argument indexes consistenthash keys on (Java's
// `hash.arguments`, default 0).
func WithHashArguments(idx ...int) Option {
	return func(o *options) { o.hashArgs = append([]int(nil), idx...) }
}

// Constructors returns the balancers by name. The map is new on each call.
func Constructors() map[string]func(...Option) Balancer {
	return map[string]func(...Option) Balancer{
		Random:           NewRandom,
		RoundRobin:       NewRoundRobin,
		LeastActive:      NewLeastActive,
		ConsistentHash:   NewConsistentHash,
		ShortestResponse: NewShortestResponse,
	}
}

// New returns the balancer called name; "" means random, Java's default.
func New(name string, opts ...Option) (Balancer, error) {
	if name == "" {
		name = Random
	}
	c, ok := Constructors()[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	return c(opts...), nil
}

// WarmupWeight is Java's warm-up rule: a provider up for uptime out of
// warmup gets weight*uptime/warmup, at least 1 and at most weight. A negative
// uptime (clock skew) gives 1.
func WarmupWeight(weight int, uptime, warmup time.Duration) int {
	if weight <= 0 {
		return 0
	}
	if uptime < 0 {
		return 1
	}
	if uptime == 0 || warmup <= 0 || uptime >= warmup {
		return weight
	}
	ww := int(float64(uptime) / (float64(warmup) / float64(weight)))
	return min(max(ww, 1), weight)
}

// Health scaling constants; see HealthFactor.
const (
	rttFloor      = 5 * time.Millisecond
	rttTolerance  = 2.0
	minFactor     = 0.01
	degradedScale = 0.5
	failingScale  = 0.1
	loadScale     = 0.75
)

// HealthFactor is the share of its weight a provider keeps given its health
// and the median heartbeat RTT of its peers (0 when unknown):
//   - RTT more than twice the peers' median (the median taken as at least
//     5 ms, so microsecond noise on a LAN changes nothing) scales by
//     2*median/RTT: an answer 10x later than its peers' keeps a fifth;
//   - a reported load L in [0, 1] scales by 1 - 0.75*L;
//   - StatusDegraded scales by 0.5, StatusFailing by 0.1.
//
// The result is never below 0.01: a sick provider is weighted down, not
// removed; removal is the connection's business (heartbeat timeout).
func HealthFactor(h Health, medianRTT time.Duration) float64 {
	f := 1.0
	if h.RTT > 0 {
		ref := max(medianRTT, rttFloor)
		if ratio := float64(h.RTT) / float64(ref); ratio > rttTolerance {
			f *= rttTolerance / ratio
		}
	}
	if h.Load > 0 {
		f *= 1 - loadScale*min(h.Load, 1)
	}
	switch h.Status {
	case StatusDegraded:
		f *= degradedScale
	case StatusFailing:
		f *= failingScale
	}
	return max(f, minFactor)
}

// base holds what every picker shares: the nodes, the options and the table
// of weight factors, refreshed lazily.
type base struct {
	nodes []*Node
	o     *options
	tab   refreshed[table]
}

// table is an immutable set of per-node weight figures computed at one time.
type table struct {
	at      int64     // unix nanos of the computation
	weight  []int     // effective weight for methods without a method weight
	factor  []float64 // warm-up x health share, for method weights
	prefix  []int     // running sums of weight
	same    bool      // every effective weight equal
	methods bool      // some node has method weights
}

// refreshed is a value recomputed by one caller at a time.
type refreshed[T any] struct {
	p    atomic.Pointer[T]
	busy atomic.Bool
}

func (b *base) init(nodes []*Node, o *options) {
	b.nodes, b.o = nodes, o
	b.tab.p.Store(b.compute(o.now()))
}

// table returns the current factors, recomputing them when stale. Only one
// caller recomputes; the others use the previous table meanwhile.
func (b *base) table() *table {
	t := b.tab.p.Load()
	now := b.o.now()
	if now.UnixNano()-t.at < int64(b.o.refresh) {
		return t
	}
	if !b.tab.busy.CompareAndSwap(false, true) {
		return t
	}
	t = b.compute(now)
	b.tab.p.Store(t)
	b.tab.busy.Store(false)
	return t
}

func (b *base) compute(now time.Time) *table {
	n := len(b.nodes)
	t := &table{at: now.UnixNano(), weight: make([]int, n), factor: make([]float64, n), prefix: make([]int, n), same: true}
	var healths []Health
	var median time.Duration
	if b.o.health {
		healths = make([]Health, n)
		rtts := make([]time.Duration, 0, n)
		for i, nd := range b.nodes {
			healths[i] = nd.health()
			if healths[i].RTT > 0 {
				rtts = append(rtts, healths[i].RTT)
			}
		}
		if len(rtts) > 0 {
			sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
			median = rtts[len(rtts)/2]
		}
	}
	for i, nd := range b.nodes {
		f := 1.0
		if !nd.Start.IsZero() && nd.Weight > 0 {
			up := now.Sub(nd.Start)
			if up < 0 {
				f = 1 / float64(nd.Weight)
			} else if up < nd.Warmup {
				f = float64(up) / float64(nd.Warmup)
			}
		}
		if healths != nil {
			f *= HealthFactor(healths[i], median)
		}
		t.factor[i] = f
		t.weight[i] = scale(nd.Weight, f)
		if t.weight[i] != t.weight[0] {
			t.same = false
		}
		if nd.MethodWeights != nil {
			t.methods = true
		}
		t.prefix[i] = t.weight[i]
		if i > 0 {
			t.prefix[i] += t.prefix[i-1]
		}
	}
	return t
}

// scale applies a factor to a weight, keeping a positive weight at least 1.
func scale(w int, f float64) int {
	if w <= 0 {
		return 0
	}
	if f >= 1 {
		return w
	}
	return max(int(float64(w)*f), 1)
}

// weightOf is node i's effective weight for method.
func (b *base) weightOf(t *table, i int, method string) int {
	nd := b.nodes[i]
	if nd.MethodWeights != nil {
		if w, ok := nd.MethodWeights[method]; ok {
			return scale(w, t.factor[i])
		}
	}
	return t.weight[i]
}

// Eligibility levels, tried in order until one has a node.
const (
	levelAvailableUntried = iota
	levelAvailable
	levelUntried
	levelAny
	levels
)

func eligible(level int, n *Node, tried []*Node) bool {
	switch level {
	case levelAvailableUntried:
		return !contains(tried, n) && n.available()
	case levelAvailable:
		return n.available()
	case levelUntried:
		return !contains(tried, n)
	default:
		return true
	}
}

func contains(tried []*Node, n *Node) bool {
	for _, t := range tried {
		if t == n || t.Key == n.Key {
			return true
		}
	}
	return false
}

func methodOf(inv *dubbo.Invocation) string {
	if inv == nil {
		return ""
	}
	return inv.Method
}
