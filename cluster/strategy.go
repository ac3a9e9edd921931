package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/cluster/breaker"
	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// Strategy names, as Java Dubbo's `cluster=` parameter spells them.
const (
	Failover  = "failover"
	Failfast  = "failfast"
	Failsafe  = "failsafe"
	Failback  = "failback"
	Forking   = "forking"
	Broadcast = "broadcast"
)

// Defaults as Java Dubbo has them.
const (
	DefaultRetries          = 2
	DefaultForks            = 2
	DefaultFailbackRetries  = 3
	DefaultFailbackInterval = 5 * time.Second
	DefaultFailbackQueue    = 100
)

// Strategy sends calls to a Directory's providers in one of the ways Java
// Dubbo names. Safe for concurrent use.
type Strategy interface {
	// Invoke sends one call. See the package doc for retries and errors.
	Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error)
	// Close stops background work (failback's retries, forking's losing
	// forks) and waits for it; the Directory is the caller's to close.
	// After Close, forking fails calls with ErrClosed and failback drops
	// (and logs) failed calls instead of retrying them.
	Close() error
}

// Option configures a Strategy.
type Option func(*config)

type config struct {
	name       string
	balancer   loadbalance.Balancer
	lbName     string
	retries    int
	forks      int
	idempotent bool
	log        *slog.Logger
	fbRetries  int
	fbInterval time.Duration
	fbQueue    int
	err        error
}

// WithStrategy picks the strategy by name (default failover).
func WithStrategy(name string) Option { return func(c *config) { c.name = name } }

// WithBalancer sets the load balancer (default random, Java's default).
func WithBalancer(b loadbalance.Balancer) Option { return func(c *config) { c.balancer = b } }

// WithRetries sets failover's retries after the first attempt (default 2,
// so 3 attempts), and failback's background retries.
func WithRetries(n int) Option {
	return func(c *config) { c.retries, c.fbRetries = max(n, 0), max(n, 0) }
}

// WithForks sets how many providers forking calls at once (default 2).
func WithForks(n int) Option { return func(c *config) { c.forks = max(n, 1) } }

// WithIdempotent says that calls may run twice without harm, so failover
// also retries after timeouts and connections lost mid-call (default false).
func WithIdempotent(ok bool) Option { return func(c *config) { c.idempotent = ok } }

// WithLogger sets where strategies log (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithFailback sets failback's background retry interval and queue bound
// (defaults 5 s and 100 calls; the oldest waits first, new failures are
// dropped with a log while the queue is full).
func WithFailback(interval time.Duration, queue int) Option {
	return func(c *config) { c.fbInterval, c.fbQueue = interval, max(queue, 1) }
}

// WithParams reads a consumer URL's parameters: cluster, loadbalance,
// retries, forks, idempotent, hash.nodes and hash.arguments (for
// consistenthash). Options given after it override it.
func WithParams(p map[string]string) Option {
	return func(c *config) {
		if v, ok := p["cluster"]; ok && v != "" {
			c.name = v
		}
		if v, ok := p["loadbalance"]; ok && v != "" {
			c.lbName = v
		}
		if n, ok := intParam(p, "retries"); ok {
			WithRetries(n)(c)
		}
		if n, ok := intParam(p, "forks"); ok {
			WithForks(n)(c)
		}
		if v, ok := p["idempotent"]; ok {
			c.idempotent = v == "true"
		}
		if c.lbName != "" {
			var opts []loadbalance.Option
			if n, ok := intParam(p, "hash.nodes"); ok {
				opts = append(opts, loadbalance.WithHashNodes(n))
			}
			if v, ok := p["hash.arguments"]; ok {
				var idx []int
				for _, f := range strings.Split(v, ",") {
					if i, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
						idx = append(idx, i)
					}
				}
				opts = append(opts, loadbalance.WithHashArguments(idx...))
			}
			b, err := loadbalance.New(c.lbName, opts...)
			if err != nil {
				c.err = err
				return
			}
			c.balancer = b
		}
	}
}

// New returns the strategy the options name over dir.
func New(dir *Directory, opts ...Option) (Strategy, error) {
	c := config{name: Failover, retries: DefaultRetries, forks: DefaultForks, log: slog.Default(),
		fbRetries: DefaultFailbackRetries, fbInterval: DefaultFailbackInterval, fbQueue: DefaultFailbackQueue}
	for _, o := range opts {
		o(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.balancer == nil {
		c.balancer = loadbalance.NewRandom()
	}
	b := &caller{dir: dir, cfg: c}
	switch c.name {
	case Failover:
		return &failover{b}, nil
	case Failfast:
		return &failfast{b}, nil
	case Failsafe:
		return &failsafe{b}, nil
	case Failback:
		return newFailback(b), nil
	case Forking:
		return &forking{caller: b}, nil
	case Broadcast:
		return &broadcast{b}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknown, c.name)
}

// caller is what every strategy shares: the directory, the balancer and the
// Picker of the latest snapshot it saw.
type caller struct {
	dir      *Directory
	cfg      config
	cache    atomic.Pointer[pickerFor]
	first    sync.Mutex  // serializes the first build
	building atomic.Bool // a rebuild goroutine is running
	stopMu   sync.Mutex  // guards stopped against starting a rebuild
	stopped  bool
	builders sync.WaitGroup
}

type pickerFor struct {
	snap   *snapshot
	picker loadbalance.Picker
}

// current returns a snapshot with its Picker. Only the first call builds a
// Picker itself. Afterwards a call that finds the Picker stale starts one
// goroutine to rebuild it (unless one is running) and goes on with the
// previous pair: calls never wait for a rebuild, and a storm of changes
// costs one rebuild at a time, each for the latest snapshot. A stale Picker
// still skips removed providers, whose invokers are Closed and so
// unavailable; it only sees new providers and weights a rebuild later.
func (c *caller) current() *pickerFor {
	snap := c.dir.snap.Load()
	pf := c.cache.Load()
	if pf != nil && pf.snap.version >= snap.version {
		return pf
	}
	if pf == nil {
		c.first.Lock()
		defer c.first.Unlock()
		if pf = c.cache.Load(); pf == nil {
			pf = c.build()
		}
		return pf
	}
	if c.building.CompareAndSwap(false, true) {
		c.stopMu.Lock()
		if c.stopped {
			c.building.Store(false)
		} else {
			c.builders.Add(1)
			go c.rebuild()
		}
		c.stopMu.Unlock()
	}
	return pf
}

func (c *caller) build() *pickerFor {
	snap := c.dir.snap.Load()
	pf := &pickerFor{snap: snap, picker: c.cfg.balancer.Picker(snap.nodes)}
	c.cache.Store(pf)
	return pf
}

// rebuild builds Pickers until the latest snapshot has one.
func (c *caller) rebuild() {
	defer c.builders.Done()
	for {
		pf := c.build()
		c.building.Store(false)
		if c.dir.snap.Load().version == pf.snap.version || !c.building.CompareAndSwap(false, true) {
			return
		}
	}
}

// Close waits for a rebuild in progress.
func (c *caller) Close() error {
	c.stopMu.Lock()
	c.stopped = true
	c.stopMu.Unlock()
	c.builders.Wait()
	return nil
}

// pick chooses a provider not in tried if it can.
func (c *caller) pick(inv *dubbo.Invocation, tried []*loadbalance.Node) (Invoker, *loadbalance.Node, error) {
	pf := c.current()
	i := pf.picker.Pick(inv, tried)
	if i < 0 {
		return nil, nil, ErrNoProvider
	}
	return pf.snap.invokers[i], pf.snap.nodes[i], nil
}

// call sends inv to one provider, keeping its call statistics and breaker.
func (c *caller) call(ctx context.Context, to Invoker, node *loadbalance.Node, inv *dubbo.Invocation) (*dubbo.Result, error) {
	g, _ := node.State.(*guarded)
	var ticket breaker.Ticket
	if g != nil {
		var ok bool
		if ticket, ok = g.br.Allow(g.now()); !ok {
			return nil, ErrCircuitOpen
		}
	}
	ctr := node.Stats.Method(inv.Method)
	ctr.Begin()
	start := time.Now()
	res, err := to.Invoke(ctx, inv)
	ctr.End(time.Since(start), err == nil)
	if g != nil {
		if err != nil && ctx.Err() != nil {
			g.br.Cancel(ticket) // the caller gave up: no verdict on the provider
		} else {
			g.br.Record(ticket, g.now(), g.failed(res, err))
		}
	}
	if err == nil && res == nil {
		res = &dubbo.Result{}
	}
	return res, err
}

func (c *caller) fail(inv *dubbo.Invocation, tried []string, err error) error {
	return &CallError{Strategy: c.cfg.name, Service: inv.Path, Method: inv.Method, Tried: tried, Err: err}
}

// failover tries providers one after another, never one it already tried
// while untried ones remain, as long as errors are retryable.
type failover struct{ *caller }

func (f *failover) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	// The first attempt needs no list of tried providers: allocate it only
	// for retries, so that a call that succeeds at once allocates nothing.
	to, node, err := f.pick(inv, nil)
	if err != nil {
		return nil, f.fail(inv, nil, err)
	}
	res, err := f.call(ctx, to, node, inv)
	if err == nil {
		return res, nil
	}
	tried := []*loadbalance.Node{node}
	last := err
	for range f.cfg.retries {
		if ctx.Err() != nil || !Retryable(last, f.cfg.idempotent) {
			break
		}
		to, node, err := f.pick(inv, tried)
		if err != nil {
			last = err
			break
		}
		tried = append(tried, node)
		res, err := f.call(ctx, to, node, inv)
		if err == nil {
			return res, nil
		}
		last = err
	}
	return nil, f.fail(inv, keysOf(tried), last)
}

func keysOf(nodes []*loadbalance.Node) []string {
	keys := make([]string, len(nodes))
	for i, n := range nodes {
		keys[i] = n.Key
	}
	return keys
}

// failfast makes one attempt.
type failfast struct{ *caller }

func (f *failfast) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	to, node, err := f.pick(inv, nil)
	if err != nil {
		return nil, f.fail(inv, nil, err)
	}
	res, err := f.call(ctx, to, node, inv)
	if err != nil {
		return nil, f.fail(inv, []string{node.Key}, err)
	}
	return res, nil
}

// failsafe makes one attempt and turns a failure into an empty result,
// logged: for calls whose outcome does not matter (audit logs).
type failsafe struct{ *caller }

func (f *failsafe) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	to, node, err := f.pick(inv, nil)
	if err == nil {
		var res *dubbo.Result
		if res, err = f.call(ctx, to, node, inv); err == nil {
			return res, nil
		}
	}
	f.cfg.log.Warn("cluster: failsafe call failed, ignored", "service", inv.Path, "method", inv.Method, "err", err)
	return &dubbo.Result{}, nil
}
