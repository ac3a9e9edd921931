// Package breaker owns the circuit breaker state machine that keeps calls
// away from a provider that answers but fails (errors, not death). It is
// pure: callers pass the time, so tests step it without sleeping, and it
// starts no goroutine.
//
// The rule is Hystrix's, with its defaults: over a rolling window (10 s, in
// 10 buckets), once at least MinRequests calls (20) were recorded and the
// failed share reaches FailureRatio (50%), the breaker opens: no call is let
// through for Cooldown (5 s). Then it is half-open: it admits Probes calls
// (1) at a time; as many successes close it, a failure opens it again for
// another Cooldown. Results of calls admitted in an earlier state are
// ignored (each Ticket carries the state's generation), so a slow call that
// started before the breaker opened cannot close it.
package breaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// State is a breaker's position.
type State int32

// States.
const (
	Closed   State = iota // calls flow; results are counted
	Open                  // calls are refused until the cooldown ends
	HalfOpen              // a few probe calls decide
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// Policy is when a breaker opens and how it recovers. Zero fields take the
// defaults.
type Policy struct {
	Window       time.Duration // rolling window (default 10 s)
	Buckets      int           // window buckets (default 10)
	MinRequests  int           // calls in the window before it may open (default 20)
	FailureRatio float64       // failed share that opens it (default 0.5)
	Cooldown     time.Duration // time open before probing (default 5 s)
	Probes       int           // concurrent probes in half-open, and successes to close (default 1)
}

// Defaults, as Hystrix has them.
const (
	DefaultWindow       = 10 * time.Second
	DefaultBuckets      = 10
	DefaultMinRequests  = 20
	DefaultFailureRatio = 0.5
	DefaultCooldown     = 5 * time.Second
	DefaultProbes       = 1
)

func (p Policy) withDefaults() Policy {
	if p.Window <= 0 {
		p.Window = DefaultWindow
	}
	if p.Buckets <= 0 {
		p.Buckets = DefaultBuckets
	}
	if p.MinRequests <= 0 {
		p.MinRequests = DefaultMinRequests
	}
	if p.FailureRatio <= 0 {
		p.FailureRatio = DefaultFailureRatio
	}
	if p.Cooldown <= 0 {
		p.Cooldown = DefaultCooldown
	}
	if p.Probes <= 0 {
		p.Probes = DefaultProbes
	}
	return p
}

// Breaker is one provider's breaker. Safe for concurrent use; Ready is
// lock-free.
type Breaker struct {
	p      Policy
	width  int64 // bucket width in nanoseconds
	state  atomic.Int32
	until  atomic.Int64 // unix nanos the open state lasts until
	probes atomic.Int32 // probes in flight (half-open)

	gen atomic.Uint64 // written under mu

	mu      sync.Mutex
	buckets []bucket
	passed  int // probe successes in this half-open state
}

type bucket struct {
	index         int64 // which window slot this bucket counts, by time
	total, failed int
}

// Ticket is the permission for one call; give it back to Record.
type Ticket struct {
	gen   uint64
	probe bool
}

// New returns a closed breaker.
func New(p Policy) *Breaker {
	p = p.withDefaults()
	width := max(int64(p.Window)/int64(p.Buckets), 1)
	return &Breaker{p: p, width: width, buckets: make([]bucket, p.Buckets)}
}

// State is the breaker's position at now (an open breaker whose cooldown
// has ended reports HalfOpen).
func (b *Breaker) State(now time.Time) State {
	s := State(b.state.Load())
	if s == Open && now.UnixNano() >= b.until.Load() {
		return HalfOpen
	}
	return s
}

// Ready reports, without taking a permission, whether Allow would let a call
// through now. Cheap enough to ask on every routing decision.
func (b *Breaker) Ready(now time.Time) bool {
	switch State(b.state.Load()) {
	case Closed:
		return true
	case Open:
		return now.UnixNano() >= b.until.Load()
	default:
		return b.probes.Load() < int32(b.p.Probes)
	}
}

// Allow asks to send one call at now. When ok, the caller must Record the
// outcome with the ticket.
func (b *Breaker) Allow(now time.Time) (t Ticket, ok bool) {
	if State(b.state.Load()) == Closed { // the common case takes no lock
		return Ticket{gen: b.gen.Load()}, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch State(b.state.Load()) {
	case Closed:
		return Ticket{gen: b.gen.Load()}, true
	case Open:
		if now.UnixNano() < b.until.Load() {
			return Ticket{}, false
		}
		b.to(HalfOpen)
	}
	if b.probes.Load() >= int32(b.p.Probes) {
		return Ticket{}, false
	}
	b.probes.Add(1)
	return Ticket{gen: b.gen.Load(), probe: true}, true
}

// Record counts the outcome of a call Allow let through.
func (b *Breaker) Record(t Ticket, now time.Time, failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.gen != b.gen.Load() {
		return // admitted in an earlier state
	}
	switch State(b.state.Load()) {
	case Closed:
		b.count(now, failed)
		if b.tripped(now) {
			b.open(now)
		}
	case HalfOpen:
		if !t.probe {
			return
		}
		b.probes.Add(-1)
		if failed {
			b.open(now)
			return
		}
		if b.passed++; b.passed >= b.p.Probes {
			b.to(Closed)
		}
	}
}

// Cancel returns a ticket whose call ended with no verdict (the caller gave
// up): a probe slot is freed, nothing is counted.
func (b *Breaker) Cancel(t Ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.gen == b.gen.Load() && t.probe && State(b.state.Load()) == HalfOpen {
		b.probes.Add(-1)
	}
}

func (b *Breaker) open(now time.Time) {
	b.to(Open)
	b.until.Store(now.Add(b.p.Cooldown).UnixNano())
}

// to moves to s, starting a new generation with empty counts; mu held.
func (b *Breaker) to(s State) {
	b.gen.Add(1)
	b.passed = 0
	b.probes.Store(0)
	clear(b.buckets)
	b.state.Store(int32(s))
}

func (b *Breaker) count(now time.Time, failed bool) {
	idx := now.UnixNano() / b.width
	bk := &b.buckets[idx%int64(len(b.buckets))]
	if bk.index != idx {
		*bk = bucket{index: idx}
	}
	bk.total++
	if failed {
		bk.failed++
	}
}

func (b *Breaker) tripped(now time.Time) bool {
	idx := now.UnixNano() / b.width
	total, failed := 0, 0
	for _, bk := range b.buckets {
		if bk.total > 0 && bk.index > idx-int64(len(b.buckets)) && bk.index <= idx {
			total += bk.total
			failed += bk.failed
		}
	}
	return total >= b.p.MinRequests && float64(failed) >= b.p.FailureRatio*float64(total)
}
