package pulse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/cluster"
	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

// Client calls Dubbo services (Java, dubbo-go, Pulse providers): through
// stubs filled by Refer, or generically with Invoke. It keeps one shared
// connection per provider address, with heartbeats and reconnects, and
// closes them all on Close.
type Client struct {
	cfg  clientConfig
	pool *conns

	regOnce sync.Once
	reg     registry.Registry
	regErr  error

	intercept CallFunc // the interceptors and callProviders; nil without interceptors

	mu     sync.Mutex
	refs   map[string]*reference // by service key + URLs
	shared []*reference          // references sharing the directory of one in refs
	closed bool
}

// reference is one referred service: its directory and call strategies.
type reference struct {
	iface   string
	version string
	group   string
	log     *slog.Logger
	dir     *cluster.Directory
	cancel  func()        // the registry subscription, if any
	synced  chan struct{} // closed at the registry's first answer; nil for direct URLs

	base      sync.Map // timeout ms -> map[string]any, see baseAttachments
	baseCount atomic.Int32
	mu        sync.Mutex
	strats    map[callConfig]cluster.Strategy
}

// NewClient returns a Client. It connects to nothing until a service is
// referred; with WithRegistry, the registry is opened at the first Refer or
// Invoke that needs it.
func NewClient(opts ...ClientOption) (*Client, error) {
	cfg := clientConfig{common: defaultCommon(), connections: 1}
	for _, o := range opts {
		o.applyClient(&cfg)
	}
	if cfg.registry != "" && cfg.registry != "none" {
		if _, err := parseRegistry(cfg.registry); err != nil {
			return nil, err
		}
	}
	pool := &conns{byAddr: map[string]*sharedConn{}, tick: cfg.heartbeat / 3, opts: []exchange.ClientOption{
		exchange.WithHeartbeat(exchange.Heartbeat{Interval: cfg.heartbeat, Timeout: cfg.hbTimeout()}),
		exchange.WithPayloadLimit(cfg.payloadLimit),
		exchange.WithLogger(cfg.logger),
		exchange.WithConnections(cfg.connections),
	}}
	c := &Client{cfg: cfg, pool: pool, refs: map[string]*reference{}}
	c.intercept = chain(cfg.interceptors, c.callIntercepted)
	return c, nil
}

func (c *Client) registry(ctx context.Context) (registry.Registry, error) {
	c.regOnce.Do(func() {
		c.reg, c.regErr = openRegistry(ctx, c.cfg.registry, c.cfg.logger)
	})
	return c.reg, c.regErr
}

// Refer fills stub, a pointer to a struct of func fields, with functions that
// call the Java interface iface. Each exported func field is one method: the
// field name with a lower-case first letter is the Java name unless a
// `pulse:"name"` tag says otherwise, and `pulse:"name,types=int;java.lang.String"`
// gives the Java parameter types where the Go types do not say them. The
// first parameter may be a context.Context; the last result must be an
// error, with at most one value before it.
//
// With URL the calls go to those providers; otherwise the client's registry
// is watched for providers of iface (with the Version and Group given).
func (c *Client) Refer(iface string, stub any, opts ...ServiceOption) error {
	sv, methods, err := parseStub(iface, stub, describe, typeDescriptor)
	if err != nil {
		return err
	}
	for _, m := range methods {
		for _, t := range m.paramTypes {
			registerPOJOs(t)
		}
		if m.result != nil {
			registerPOJOs(m.result)
		}
	}
	ref, cfg, err := c.reference(iface, opts)
	if err != nil {
		return err
	}
	fill(sv, methods, func(ctx context.Context, _ *stubMethod, inv *dubbo.Invocation) (any, error) {
		return c.call(ctx, ref, &cfg, inv)
	})
	return nil
}

// Invoke calls method of iface without any Go type for the service, as
// Java's GenericService does: paramTypes are Java type names
// ("java.lang.String", "int", "org.apache.dubbo.samples.api.User"), args the
// arguments (maps stand for POJOs). The provider answers with plain values,
// maps for POJOs (with their class under "class") and lists. With nil
// paramTypes the Java types are derived from the arguments' Go types (a Go
// string is a java.lang.String, an int32 an int, an int64 a long).
func (c *Client) Invoke(ctx context.Context, iface, method string, paramTypes []string, args []any, opts ...ServiceOption) (any, error) {
	if paramTypes != nil && len(paramTypes) != len(args) {
		return nil, &Error{Code: CodeUnknown, Service: iface, Method: method,
			Message: fmt.Sprintf("%d parameter types for %d arguments", len(paramTypes), len(args))}
	}
	ref, cfg, err := c.reference(iface, opts)
	if err != nil {
		return nil, err
	}
	inv, err := dubbo.GenericInvocation(iface, method, paramTypes, args)
	if err != nil {
		return nil, &Error{Code: CodeUnknown, Service: iface, Method: method, Message: err.Error(), cause: err}
	}
	return c.call(ctx, ref, &cfg, inv)
}

// reference returns the reference of a service (shared by every Refer and
// Invoke with the same version, group and URLs) and the options of this use.
func (c *Client) reference(iface string, opts []ServiceOption) (*reference, serviceConfig, error) {
	cfg := newServiceConfig(c.cfg.defaults, opts)
	var urls []string
	for _, u := range cfg.urls {
		for _, part := range strings.Split(u, ",") {
			if part = strings.TrimSpace(part); part != "" {
				urls = append(urls, part)
			}
		}
	}
	sort.Strings(urls)
	key := serviceKey(cfg.group, iface, cfg.version) + "|" + strings.Join(urls, ",")

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, cfg, &Error{Code: CodeConnectionLost, Service: iface, Message: "client closed"}
	}
	if ref, ok := c.refs[key]; ok {
		// Same service, same providers: share the directory, keep the
		// caller's call options.
		return ref, cfg, nil
	}
	dir := cluster.NewDirectory(iface, func(u *registry.URL) (cluster.Invoker, error) {
		return c.pool.dial(*u, c.cfg.payloadLimit)
	}, cluster.WithDirectoryLogger(c.cfg.logger))
	ref := &reference{iface: iface, version: cfg.version, group: cfg.group, log: c.cfg.logger, dir: dir,
		strats: map[callConfig]cluster.Strategy{}}
	var err error
	if len(urls) > 0 {
		err = setProviders(dir, iface, urls)
	} else {
		err = c.subscribe(ref)
	}
	if err != nil {
		dir.Close()
		return nil, cfg, err
	}
	c.refs[key] = ref
	return ref, cfg, nil
}

// setProviders gives a direct reference its fixed providers.
func setProviders(dir *cluster.Directory, iface string, urls []string) error {
	provs := make([]*registry.URL, 0, len(urls))
	for _, s := range urls {
		u, err := parseProviderURL(s, iface)
		if err != nil {
			return err
		}
		provs = append(provs, u)
	}
	return dir.Set(provs)
}

// subscribe feeds a reference's directory from the registry and registers
// the consumer URL there, as Java consumers do.
func (c *Client) subscribe(ref *reference) error {
	if c.cfg.registry == "" || c.cfg.registry == "none" {
		return fmt.Errorf("pulse: %s: no URL given and the client has no registry", ref.iface)
	}
	reg, err := c.registry(context.Background())
	if err != nil {
		return err
	}
	consumer := registry.NewConsumerURL(localIP(), ref.iface, registry.WithApplication(c.cfg.application))
	if ref.version != "" {
		consumer = consumer.With(registry.KeyVersion, ref.version)
	}
	if ref.group != "" {
		consumer = consumer.With(registry.KeyGroup, ref.group)
	}
	ref.synced = make(chan struct{})
	var first sync.Once
	cancel, err := reg.Subscribe(context.Background(), consumer, registry.ListenerFunc(func(u registry.Update) {
		provs := make([]*registry.URL, len(u.Providers))
		for i := range u.Providers {
			provs[i] = &u.Providers[i]
		}
		_ = ref.dir.Set(provs)
		first.Do(func() { close(ref.synced) })
	}))
	if err != nil {
		return fmt.Errorf("pulse: %s: subscribe: %w", ref.iface, err)
	}
	ref.cancel = cancel
	// The registry keeps trying in the background if etcd is slow: do not
	// hold up Refer for it.
	regCtx, done := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer done()
	if err := reg.Register(regCtx, consumer); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		c.cfg.logger.Warn("pulse: consumer registration failed", "service", ref.iface, "err", err)
	}
	return nil
}

// parseProviderURL reads "dubbo://host:port[/path][?params]".
func parseProviderURL(s, iface string) (*registry.URL, error) {
	if !strings.Contains(s, "://") {
		s = "dubbo://" + s
	}
	u, err := registry.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("pulse: bad provider URL %q: %w", s, err)
	}
	if u.Protocol != "dubbo" {
		return nil, fmt.Errorf("pulse: provider URL %q: only dubbo:// is supported", s)
	}
	if u.Port == 0 {
		u.Port = 20880
	}
	if u.Path == "" {
		u.Path = iface
	}
	return &u, nil
}

// baseAttachments returns the attachments Pulse itself sends (path,
// interface, version, group, timeout) as Java's DubboInvoker writes them.
// The map is shared: callers must not modify it.
func (r *reference) baseAttachments(timeout time.Duration) map[string]any {
	ms := max(timeout.Milliseconds(), 1)
	if m, ok := r.base.Load(ms); ok {
		return m.(map[string]any)
	}
	version := r.version
	if version == "" {
		version = "0.0.0"
	}
	m := map[string]any{"path": r.iface, "interface": r.iface, "version": version,
		"timeout": strconv.FormatInt(ms, 10)}
	if r.group != "" {
		m["group"] = r.group
	}
	if r.baseCount.Add(1) <= 64 { // bounded: deadlines make many distinct values
		r.base.Store(ms, m)
	}
	return m
}

// close stops the reference's strategies and closes its directory.
func (r *reference) close() {
	r.mu.Lock()
	strats := r.strats
	r.strats = map[callConfig]cluster.Strategy{}
	r.mu.Unlock()
	for _, s := range strats {
		s.Close()
	}
	r.dir.Close()
}

// strategy returns the cluster strategy for a call configuration.
func (r *reference) strategy(cc callConfig) (cluster.Strategy, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.strats[cc]; ok {
		return s, nil
	}
	lb, err := loadbalance.New(cc.loadBalance)
	if err != nil {
		return nil, err
	}
	opts := []cluster.Option{cluster.WithStrategy(cc.cluster), cluster.WithBalancer(lb),
		cluster.WithIdempotent(cc.idempotent), cluster.WithLogger(r.log)}
	if n, ok := cc.clusterRetries(); ok {
		opts = append(opts, cluster.WithRetries(n))
	}
	s, err := cluster.New(r.dir, opts...)
	if err != nil {
		return nil, err
	}
	r.strats[cc] = s
	return s, nil
}

// call makes one call of a stub or Invoke: through the client's
// interceptors, if any, then callProviders.
func (c *Client) call(ctx context.Context, ref *reference, cfg *serviceConfig, inv *dubbo.Invocation) (any, error) {
	if c.intercept == nil {
		return c.callProviders(ctx, ref, cfg, inv)
	}
	v, err := c.intercept(ctx, &CallInfo{Service: ref.iface, Version: ref.version, Group: ref.group, Method: inv.Method,
		Arguments: inv.Arguments, ref: ref, cfg: cfg, inv: inv})
	if err != nil {
		// As every call's error, an interceptor's is a *Error naming the
		// call (a context error becomes CodeTimeout or CodeCanceled).
		var pe *Error
		if !errors.As(err, &pe) || pe.Service == "" {
			err = callError(ref.iface, calledMethod(inv), err)
		}
	}
	return v, err
}

// callIntercepted is the end of the interceptor chain: the call with the
// context and arguments the interceptors pass on. Each call of next sends
// its own copy of the invocation, so an interceptor may call it again (a
// retry of its own) or from several goroutines at once (hedging).
func (c *Client) callIntercepted(ctx context.Context, ci *CallInfo) (any, error) {
	inv := *ci.inv
	inv.Arguments = ci.Arguments
	return c.callProviders(ctx, ci.ref, ci.cfg, &inv)
}

// callProviders runs one invocation through the reference's cluster
// strategy and turns the outcome into a value or a *Error.
func (c *Client) callProviders(ctx context.Context, ref *reference, cfg *serviceConfig, inv *dubbo.Invocation) (any, error) {
	method := calledMethod(inv)
	cc := cfg.callFor(method)
	inv.DubboVersion = dubbo.DefaultDubboVersion
	inv.Path = ref.iface
	inv.Version = ref.version
	if inv.Version == "" {
		inv.Version = "0.0.0"
	}
	timeout := cc.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = left
		}
	}
	out := OutgoingAttachments(ctx)
	if len(out) == 0 && len(inv.Attachments) == 0 && timeout == cc.timeout {
		// The common case: Dubbo's own attachments only, shared read-only
		// by every call with this timeout.
		inv.Attachments = ref.baseAttachments(timeout)
	} else {
		att := make(map[string]any, len(out)+len(inv.Attachments)+5)
		for k, v := range out {
			att[k] = v
		}
		for k, v := range inv.Attachments {
			att[k] = v
		}
		for k, v := range ref.baseAttachments(timeout) {
			att[k] = v
		}
		inv.Attachments = att
	}

	if ref.synced != nil {
		// The first calls after Refer wait for the registry's first answer.
		select {
		case <-ref.synced:
		default:
			wait, cancel := context.WithTimeout(ctx, timeout)
			select {
			case <-ref.synced:
			case <-wait.Done():
			}
			cancel()
		}
	}
	strat, err := ref.strategy(cc)
	if err != nil {
		return nil, &Error{Code: CodeUnknown, Service: ref.iface, Method: method, Message: err.Error(), cause: err}
	}
	res, err := strat.Invoke(ctx, inv)
	if err != nil {
		return nil, callError(ref.iface, method, err)
	}
	if b := replyBoxOf(ctx); b != nil {
		for k, v := range res.Attachments {
			b.set(k, v)
		}
	}
	if res.Exception != nil {
		return nil, exceptionError(ref.iface, method, res.Exception)
	}
	return res.Value, nil
}

// callError turns a strategy's failure into a *Error naming the call.
func callError(iface, method string, err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		out := *pe
		out.Service, out.Method = iface, method
		out.cause = err // the strategy's error, which unwraps to pe
		return &out
	}
	e := &Error{Service: iface, Method: method, Message: err.Error(), cause: err}
	switch {
	case errors.Is(err, cluster.ErrNoProvider):
		e.Code = CodeNoProvider
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, cluster.ErrTimeout):
		e.Code = CodeTimeout
	case errors.Is(err, context.Canceled):
		e.Code = CodeCanceled
	case errors.Is(err, cluster.ErrConnectionLost), errors.Is(err, cluster.ErrUnavailable):
		e.Code = CodeConnectionLost
	}
	return e
}

// exceptionError turns a provider's exception into a *Error that keeps the
// Java class name and message.
func exceptionError(iface, method string, ex error) error {
	e := &Error{Code: CodeException, Service: iface, Method: method, Message: ex.Error(), cause: ex}
	var je *dubbo.JavaException
	if errors.As(ex, &je) {
		e.JavaClass, e.Message = je.JavaClass, je.Message
		if je.JavaClass == "java.lang.NoSuchMethodException" {
			e.Code = CodeUnknownMethod
		}
	}
	return e
}

// Connection is the heartbeat view of one provider connection.
type Connection struct {
	Addr  string
	State string        // connecting, ready, readonly, closed
	RTT   time.Duration // latest heartbeat round trip (0: none yet)
	// What a Pulse provider reported in its latest heartbeat answer (Java
	// and dubbo-go providers report nothing: Status is then "").
	Status   string // SERVING, DRAINING, or what the provider's application says
	InFlight int    // calls the provider was running
}

// Connections lists the client's provider connections, sorted by address.
func (c *Client) Connections() []Connection {
	var out []Connection
	for _, ex := range c.pool.all() {
		for _, ci := range ex.Conns() {
			c := Connection{Addr: ex.Addr(), State: ci.State.String(), RTT: ci.RTT}
			if ci.HasHealth {
				c.Status, c.InFlight = ci.Health.Status, ci.Health.InFlight
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

// Close stops every reference and closes every connection and the registry.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	refs := c.refs
	c.refs = map[string]*reference{}
	c.mu.Unlock()
	for _, r := range refs {
		if r.cancel != nil {
			r.cancel()
		}
		r.close()
	}
	c.pool.close()
	if c.reg != nil {
		return c.reg.Close()
	}
	return nil
}

// parseRegistry reads "etcd://h:p[,h:p]" into endpoints.
func parseRegistry(spec string) ([]string, error) {
	rest, ok := strings.CutPrefix(spec, "etcd://")
	if !ok {
		return nil, fmt.Errorf("pulse: registry %q: want etcd://host:port[,host:port] or none", spec)
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	var eps []string
	for _, hp := range strings.Split(rest, ",") {
		hp = strings.TrimSpace(hp)
		if hp == "" {
			continue
		}
		if _, err := url.Parse("http://" + hp); err != nil {
			return nil, fmt.Errorf("pulse: registry %q: bad endpoint %q", spec, hp)
		}
		eps = append(eps, hp)
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("pulse: registry %q: no endpoints", spec)
	}
	return eps, nil
}
