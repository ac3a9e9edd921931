package loadbalance

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults as Java Dubbo's AbstractLoadBalance has them.
const (
	DefaultWeight = 100
	DefaultWarmup = 10 * time.Minute
)

// State is the live view of one provider's connection.
type State interface {
	// Available reports whether calls may be sent now: false while the
	// connection is down or connecting, or after the provider sent READONLY.
	Available() bool
}

// HealthReporter is implemented by States that know heartbeat health.
type HealthReporter interface {
	Health() Health
}

// Status is what a Pulse provider says about itself in its heartbeat answers.
type Status uint8

// Statuses, from best to worst. Java providers never report one (Unknown).
const (
	StatusUnknown  Status = iota
	StatusOK              // serving normally
	StatusDegraded        // serving, but something it depends on is slow or failing
	StatusFailing         // most calls are expected to fail
)

// Health is the latest heartbeat view of a provider. The zero value means
// "nothing known" and leaves the weight alone.
type Health struct {
	// RTT is the latest heartbeat round trip or, while a heartbeat is still
	// unanswered, how long it has waited if that is longer: a late answer
	// counts as soon as it is late.
	RTT time.Duration
	// Load is a figure in [0, 1] the provider reports (0: idle or unknown).
	Load float64
	// Status is what the provider reports about itself.
	Status Status
	// LastAnswer is when the provider last answered anything (informational).
	LastAnswer time.Time
}

// Node is one provider as balancers see it. The cluster directory builds
// Nodes from provider URLs; a Node is immutable once handed to a Balancer,
// except for what State and Stats report.
type Node struct {
	// Key identifies the provider, "host:port" as Java's URL.getAddress; it
	// is what consistenthash hashes and what retries compare.
	Key string
	// Weight is the provider's `weight` (DefaultWeight when absent).
	Weight int
	// MethodWeights holds `methods.<m>.weight` values, nil when none.
	MethodWeights map[string]int
	// Start is the provider's start `timestamp`; zero disables warm-up.
	Start time.Time
	// Warmup is the provider's `warmup` (DefaultWarmup when absent).
	Warmup time.Duration
	// State reports availability and, optionally, health. Nil: always available.
	State State
	// Stats holds call statistics; NewNode sets it. Reuse it across rebuilds.
	Stats *Stats
}

// NewNode returns a Node with the defaults and fresh Stats.
func NewNode(key string, state State) *Node {
	return &Node{Key: key, Weight: DefaultWeight, Warmup: DefaultWarmup, State: state, Stats: new(Stats)}
}

func (n *Node) available() bool { return n.State == nil || n.State.Available() }

func (n *Node) health() Health {
	if h, ok := n.State.(HealthReporter); ok {
		return h.Health()
	}
	return Health{}
}

// Stats are a provider's call statistics per method. Safe for concurrent use;
// Method allocates only the first time a method is seen.
type Stats struct {
	mu      sync.Mutex
	methods atomic.Pointer[map[string]*Counter]
}

// Method returns the counter of one method, creating it on first use.
func (s *Stats) Method(name string) *Counter {
	if m := s.methods.Load(); m != nil {
		if c, ok := (*m)[name]; ok {
			return c
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.methods.Load()
	if old != nil {
		if c, ok := (*old)[name]; ok {
			return c
		}
	}
	next := map[string]*Counter{}
	if old != nil {
		next = maps.Clone(*old)
	}
	c := new(Counter)
	next[name] = c
	s.methods.Store(&next)
	return c
}

// ewmaShift sets the EWMA's weight of a new sample to 1/2^ewmaShift.
const ewmaShift = 3

// Counter counts one method's calls on one provider.
type Counter struct {
	active    atomic.Int64
	ewma      atomic.Int64 // nanoseconds; 0 until the first success
	succeeded atomic.Int64
	failed    atomic.Int64
}

// Begin records a call sent.
func (c *Counter) Begin() { c.active.Add(1) }

// End records a call finished after elapsed; only successes feed the
// response time average, as Java's RpcStatus.getSucceededAverageElapsed.
func (c *Counter) End(elapsed time.Duration, ok bool) {
	c.active.Add(-1)
	if !ok {
		c.failed.Add(1)
		return
	}
	c.succeeded.Add(1)
	sample := max(int64(elapsed), 1)
	for {
		old := c.ewma.Load()
		next := sample
		if old != 0 {
			next = old + (sample-old)>>ewmaShift
			if next < 1 {
				next = 1
			}
		}
		if c.ewma.CompareAndSwap(old, next) {
			return
		}
	}
}

// Active is the number of calls in flight.
func (c *Counter) Active() int64 { return c.active.Load() }

// Elapsed is the moving average of successful calls' response times.
func (c *Counter) Elapsed() time.Duration { return time.Duration(c.ewma.Load()) }

// Succeeded and Failed count finished calls.
func (c *Counter) Succeeded() int64 { return c.succeeded.Load() }

// Failed counts calls that ended in error.
func (c *Counter) Failed() int64 { return c.failed.Load() }
