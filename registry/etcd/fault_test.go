package etcd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// S4: the leader of a three-member cluster stops while providers are
// registered: the keys stay (checked every 100 ms by a reader), the lease is
// kept alive past its TTL through the other members, the subscriber gets no
// delete and keeps receiving changes.
func TestClusterLeaderLoss(t *testing.T) {
	cl, err := embedded.StartCluster(t.Context(), 3, embedded.WithLogger(quiet()), embedded.WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), eventually)
	defer cancel()
	leader, err := cl.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The registries reach each member through a proxy, cut when its
	// member stops (as a dying process closes its sockets; etcd's graceful
	// stop would otherwise wait for their streams).
	proxies := make([]*tcpProxy, len(cl.Members))
	var eps []string
	for i, m := range cl.Members {
		proxies[i] = startTCPProxy(t, "127.0.0.1:0", m.Endpoint()[len("http://"):])
		t.Cleanup(proxies[i].Close)
		eps = append(eps, "http://"+proxies[i].addr)
	}
	const ttl = 5 * time.Second
	prov := newRegistry(t, eps, WithTTL(ttl))
	cons := newRegistry(t, eps, WithTTL(ttl))
	p1, p2 := provider(20050), provider(20051)
	for _, p := range []registry.URL{p1, p2} {
		if err := prov.Register(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var rec recorder
	unsub, err := cons.Subscribe(ctx, consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	rec.waitProviders(t, 20050, 20051)

	// The reader polls the members that stay up.
	var others []string
	for i, ep := range cl.Endpoints() {
		if i != leader {
			others = append(others, ep)
		}
	}
	reader := newClient(t, others)
	var missing, answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, p := range []registry.URL{p1, p2} {
				if _, ok, ans := keyValue(reader, prov.Key(p)); ans {
					answered.Add(1)
					if !ok {
						missing.Add(1)
					}
				}
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	lease := prov.Lease()
	stopped := time.Now()
	proxies[leader].Close()
	cl.Members[leader].Stop()
	newLeader, err := cl.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leader m%d stopped (%v), new leader m%d after %v", leader, time.Since(stopped).Round(10*time.Millisecond),
		newLeader, time.Since(stopped).Round(10*time.Millisecond))
	// Watches keep delivering.
	if err := prov.Register(ctx, provider(20052)); err != nil {
		t.Fatal(err)
	}
	rec.waitProviders(t, 20050, 20051, 20052)
	// The lease lives on past its TTL: keepalives go to the other members.
	waitFor(t, "a TTL to pass with the reader answering", func() bool {
		return time.Since(stopped) > ttl+time.Second && answered.Load() > 10
	})
	if m := missing.Load(); m != 0 {
		t.Fatalf("keys missing in %d of %d reads", m, answered.Load())
	}
	if got := prov.Lease(); got != lease {
		t.Fatalf("lease changed from %x to %x: it was lost", lease, got)
	}
	for _, u := range rec.all() {
		for _, e := range u.Events {
			if e.Type == registry.EventDelete {
				t.Fatalf("spurious delete %+v", e)
			}
		}
	}
	t.Logf("%d reads during the election, none missing a key", answered.Load())
}

// S6: the subscriber is cut off from etcd while providers change and the
// history is compacted; on reconnect its watch fails with ErrCompacted and
// a full resync brings it to the truth.
func TestCompactionWhileDisconnected(t *testing.T) {
	s := startEtcd(t)
	prov := newRegistry(t, s.Endpoints())
	cli := newClient(t, s.Endpoints())

	target, err := url.Parse(s.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	px := startTCPProxy(t, "127.0.0.1:0", target.Host)
	addr := px.addr
	defer func() { px.Close() }()
	logs := &logRecorder{}
	cons := newRegistry(t, []string{"http://" + addr}, WithLogger(slog.New(logs)))

	p1, p2, p3 := provider(20060), provider(20061), provider(20062)
	for _, p := range []registry.URL{p1, p2} {
		if err := prov.Register(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	var rec recorder
	unsub, err := cons.Subscribe(t.Context(), consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	rec.waitProviders(t, 20060, 20061)

	t0 := time.Now()
	px.Close() // the subscriber is cut off
	t.Logf("proxy closed in %v", time.Since(t0).Round(10*time.Millisecond))
	if err := prov.Unregister(t.Context(), p1); err != nil {
		t.Fatal(err)
	}
	if err := prov.Register(t.Context(), p3); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(t.Context(), "/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(t.Context(), resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	before := len(rec.all())
	px = startTCPProxy(t, addr, target.Host)
	back := time.Now()
	u := rec.waitProviders(t, 20061, 20062)
	t.Logf("converged %v after reconnect", time.Since(back).Round(10*time.Millisecond))
	if len(rec.all()) != before+1 {
		t.Fatalf("expected one resync update, got %d", len(rec.all())-before)
	}
	if !logs.contains("watch ended, resyncing", "compacted") {
		t.Fatalf("no resync after compaction in the logs: %q", logs.all())
	}
	var add, del int
	for _, e := range u.Events {
		switch e.Type {
		case registry.EventAdd:
			add++
		case registry.EventDelete:
			del++
		}
	}
	if add != 1 || del != 1 {
		t.Fatalf("resync events %+v", u.Events)
	}
}

// tcpProxy forwards connections to an etcd member; Close cuts every
// connection at once.
type tcpProxy struct {
	addr   string
	l      net.Listener
	mu     sync.Mutex
	closed bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startTCPProxy(t *testing.T, listen, to string) *tcpProxy {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port of a just closed proxy may take a moment to be free
		if l, err = net.Listen("tcp", listen); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{addr: l.Addr().String(), l: l}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				c.Close()
				u.Close()
				return
			}
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(u, c); u.Close() }()
			go func() { defer p.wg.Done(); io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) Close() {
	p.l.Close()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// logRecorder is a slog.Handler that keeps messages with their attributes.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *logRecorder) contains(parts ...string) bool {
	for _, line := range l.all() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func slogFor(h slog.Handler) *slog.Logger { return slog.New(h) }

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}
