package cluster

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/cluster/breaker"
	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

// Dialer makes the Invoker of one provider URL. It must not block on the
// network: the Invoker connects in the background and says so in Available.
type Dialer func(u *registry.URL) (Invoker, error)

// Directory is the set of providers of one referenced service. Membership
// comes from Set (a full registry snapshot, or the static URLs of a direct
// reference), Add and Remove (registry events); availability and health are
// read live from each Invoker. Safe for concurrent use; readers never block.
type Directory struct {
	service string
	dial    Dialer
	log     *slog.Logger

	wmu     sync.Mutex // serializes writers
	entries []*entry   // sorted by key; guarded by wmu
	closed  bool       // guarded by wmu
	version uint64     // guarded by wmu

	snap    atomic.Pointer[snapshot]
	changed chan struct{}

	breaker *breaker.Policy // nil: no breakers
	failed  func(*dubbo.Result, error) bool
	now     func() time.Time
}

type entry struct {
	key  string
	url  *registry.URL
	inv  Invoker
	node *loadbalance.Node
	br   *breaker.Breaker // nil without WithBreaker
}

// snapshot is an immutable view of the directory; index i of each slice is
// the same provider.
type snapshot struct {
	version  uint64
	invokers []Invoker
	nodes    []*loadbalance.Node
	urls     []*registry.URL
}

// DirectoryOption configures a Directory.
type DirectoryOption func(*Directory)

// WithDirectoryLogger sets where the directory logs (default slog.Default()).
func WithDirectoryLogger(l *slog.Logger) DirectoryOption {
	return func(d *Directory) { d.log = l }
}

// WithBreaker gives every provider a circuit breaker (see package
// cluster/breaker) that keeps calls away from it while it fails, instead of
// waiting for its connection to die. failed tells a failure from a result;
// nil counts every error except the caller's own cancellation, and not
// business exceptions (Result.Exception). A refused call fails with
// ErrCircuitOpen, which failover retries elsewhere at once.
func WithBreaker(p breaker.Policy, failed func(res *dubbo.Result, err error) bool) DirectoryOption {
	return func(d *Directory) {
		d.breaker = &p
		if failed != nil {
			d.failed = failed
		}
	}
}

// WithClock sets the clock breakers read (tests). Default time.Now.
func WithClock(now func() time.Time) DirectoryOption { return func(d *Directory) { d.now = now } }

// NewDirectory returns an empty directory for service that makes its
// invokers with dial.
func NewDirectory(service string, dial Dialer, opts ...DirectoryOption) *Directory {
	d := &Directory{service: service, dial: dial, log: slog.Default(), changed: make(chan struct{}, 1),
		failed: func(_ *dubbo.Result, err error) bool { return err != nil }, now: time.Now}
	for _, o := range opts {
		o(d)
	}
	d.snap.Store(&snapshot{})
	return d
}

// Service is the service the directory holds providers of.
func (d *Directory) Service() string { return d.service }

// Key is how the directory identifies a provider: Java's URL.getAddress,
// "host:port".
func Key(u *registry.URL) string {
	if u.Port <= 0 {
		return u.Host
	}
	return u.Host + ":" + strconv.Itoa(u.Port)
}

// Set makes the providers exactly urls: new ones are dialled, known ones get
// their new parameters (weights) without reconnecting, missing ones are
// Closed. URLs with protocol "empty" (Java's "no providers" marker) or
// `enabled=false` count as absent.
func (d *Directory) Set(urls []*registry.URL) error {
	want := map[string]*registry.URL{}
	for _, u := range urls {
		if usable(u) {
			want[Key(u)] = u
		}
	}
	return d.change(func() (gone []Invoker) {
		kept := d.entries[:0:0]
		for _, e := range d.entries {
			if _, ok := want[e.key]; ok {
				kept = append(kept, e)
			} else {
				gone = append(gone, e.inv)
			}
		}
		d.entries = kept
		for _, u := range want {
			d.upsert(u)
		}
		return gone
	})
}

// Add adds providers, or updates the parameters of known ones.
func (d *Directory) Add(urls ...*registry.URL) error {
	return d.change(func() (gone []Invoker) {
		for _, u := range urls {
			if usable(u) {
				d.upsert(u)
			} else if inv := d.remove(Key(u)); inv != nil {
				gone = append(gone, inv)
			}
		}
		return gone
	})
}

// Remove removes providers by address and Closes their invokers.
func (d *Directory) Remove(urls ...*registry.URL) error {
	return d.change(func() (gone []Invoker) {
		for _, u := range urls {
			if inv := d.remove(Key(u)); inv != nil {
				gone = append(gone, inv)
			}
		}
		return gone
	})
}

// change runs edit on the entries under the write lock, publishes the new
// snapshot and then, outside the lock, closes the invokers edit dropped.
func (d *Directory) change(edit func() []Invoker) error {
	d.wmu.Lock()
	if d.closed {
		d.wmu.Unlock()
		return ErrClosed
	}
	gone := edit()
	d.publish()
	d.wmu.Unlock()
	d.closeAll(gone)
	return nil
}

// Close closes every invoker; the directory is then empty for good.
func (d *Directory) Close() error {
	d.wmu.Lock()
	if d.closed {
		d.wmu.Unlock()
		return nil
	}
	d.closed = true
	gone := make([]Invoker, 0, len(d.entries))
	for _, e := range d.entries {
		gone = append(gone, e.inv)
	}
	d.entries = nil
	d.publish()
	d.wmu.Unlock()
	d.closeAll(gone)
	return nil
}

// List returns the available invokers, or all of them when none is
// available (a set of READONLY or reconnecting providers still serves, as
// in Java). The slice is shared: callers must not modify it. inv is unused
// today; it is where per-call routing rules would apply.
func (d *Directory) List(inv *dubbo.Invocation) []Invoker {
	all := d.snap.Load().invokers
	n := 0
	for _, i := range all {
		if i.Available() {
			n++
		}
	}
	if n == len(all) || n == 0 {
		return all
	}
	out := make([]Invoker, 0, n)
	for _, i := range all {
		if i.Available() {
			out = append(out, i)
		}
	}
	return out
}

// Invokers returns every provider's invoker, available or not, sorted by
// address. The slice is shared: callers must not modify it.
func (d *Directory) Invokers() []Invoker { return d.snap.Load().invokers }

// URLs returns every provider's latest URL, sorted by address.
func (d *Directory) URLs() []*registry.URL { return d.snap.Load().urls }

// Changed signals after membership or parameters changed. Signals coalesce:
// one pending signal stands for any number of changes, and the receiver
// reads the current state (Invokers, URLs) rather than counting them. The
// channel has room for one signal and is meant for one receiver; the
// directory never blocks on it and starts no goroutine to send.
func (d *Directory) Changed() <-chan struct{} { return d.changed }

func usable(u *registry.URL) bool {
	return u != nil && u.Protocol != "empty" && u.Params["enabled"] != "false"
}

// upsert adds or updates one provider; wmu held.
func (d *Directory) upsert(u *registry.URL) {
	key := Key(u)
	i, found := slices.BinarySearchFunc(d.entries, key, func(e *entry, k string) int { return strings.Compare(e.key, k) })
	if found {
		old := d.entries[i]
		e := &entry{key: key, url: u, inv: old.inv, br: old.br}
		e.node = nodeFor(key, u, d.state(e))
		e.node.Stats = old.node.Stats
		d.entries[i] = e
		return
	}
	inv, err := d.dial(u)
	if err != nil || inv == nil {
		d.log.Warn("cluster: cannot dial provider", "service", d.service, "provider", key, "err", err)
		return
	}
	e := &entry{key: key, url: u, inv: inv}
	if d.breaker != nil {
		e.br = breaker.New(*d.breaker)
	}
	e.node = nodeFor(key, u, d.state(e))
	d.entries = slices.Insert(d.entries, i, e)
}

// state is what balancers see of a provider: its invoker, or the invoker
// behind its breaker.
func (d *Directory) state(e *entry) loadbalance.State {
	if e.br == nil {
		return e.inv
	}
	return &guarded{Invoker: e.inv, br: e.br, now: d.now, failed: d.failed}
}

// guarded is a provider with a breaker: unavailable to balancers while the
// breaker refuses calls.
type guarded struct {
	Invoker
	br     *breaker.Breaker
	now    func() time.Time
	failed func(*dubbo.Result, error) bool
}

func (g *guarded) Available() bool { return g.Invoker.Available() && g.br.Ready(g.now()) }

func (g *guarded) Health() Health {
	if h, ok := g.Invoker.(HealthReporter); ok {
		return h.Health()
	}
	return Health{}
}

// remove drops one provider and returns its invoker to close; wmu held.
func (d *Directory) remove(key string) Invoker {
	i, found := slices.BinarySearchFunc(d.entries, key, func(e *entry, k string) int { return strings.Compare(e.key, k) })
	if !found {
		return nil
	}
	inv := d.entries[i].inv
	d.entries = slices.Delete(d.entries, i, i+1)
	return inv
}

// publish stores a new snapshot and signals; wmu held.
func (d *Directory) publish() {
	d.version++
	s := &snapshot{
		version:  d.version,
		invokers: make([]Invoker, len(d.entries)),
		nodes:    make([]*loadbalance.Node, len(d.entries)),
		urls:     make([]*registry.URL, len(d.entries)),
	}
	for i, e := range d.entries {
		s.invokers[i], s.nodes[i], s.urls[i] = e.inv, e.node, e.url
	}
	d.snap.Store(s)
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *Directory) closeAll(invs []Invoker) {
	for _, inv := range invs {
		if err := inv.Close(); err != nil {
			d.log.Debug("cluster: closing removed provider", "service", d.service, "err", err)
		}
	}
}

// nodeFor reads the balancing parameters of a provider URL: weight,
// methods.<m>.weight (or Dubbo 2.7's <m>.weight), timestamp or
// remote.timestamp (ms since the epoch) and warmup (ms).
func nodeFor(key string, u *registry.URL, st loadbalance.State) *loadbalance.Node {
	n := loadbalance.NewNode(key, st)
	if w, ok := intParam(u.Params, "weight"); ok {
		n.Weight = max(w, 0)
	}
	if ms, ok := intParam(u.Params, "warmup"); ok && ms >= 0 {
		n.Warmup = time.Duration(ms) * time.Millisecond
	}
	// A URL merged with consumer parameters keeps the provider's start in
	// remote.timestamp, as Java's ClusterUtils.mergeUrl does.
	if ms, ok := intParam(u.Params, "remote.timestamp"); ok && ms > 0 {
		n.Start = time.UnixMilli(int64(ms))
	} else if ms, ok := intParam(u.Params, "timestamp"); ok && ms > 0 {
		n.Start = time.UnixMilli(int64(ms))
	}
	for k, v := range u.Params {
		m, ok := strings.CutSuffix(k, ".weight")
		if !ok {
			continue
		}
		m = strings.TrimPrefix(m, "methods.")
		w, err := strconv.Atoi(v)
		if err != nil || m == "" {
			continue
		}
		if n.MethodWeights == nil {
			n.MethodWeights = map[string]int{}
		}
		n.MethodWeights[m] = max(w, 0)
	}
	return n
}

func intParam(p map[string]string, k string) (int, bool) {
	v, ok := p[k]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func (d *Directory) String() string {
	return fmt.Sprintf("cluster.Directory(%s, %d providers)", d.service, len(d.Invokers()))
}
