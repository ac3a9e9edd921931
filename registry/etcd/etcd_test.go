package etcd

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, embedded.IgnoreEtcd()...)
}

const iface = "org.apache.dubbo.samples.api.GreetingsService"

// eventually is the deadline of every "eventually" assertion: generous, the
// machine is small and shared.
const eventually = 20 * time.Second

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func startEtcd(t *testing.T, opts ...embedded.Option) *embedded.Server {
	t.Helper()
	s, err := embedded.Start(t.Context(), append([]embedded.Option{embedded.WithLogger(quiet()), embedded.WithUnsafeNoFsync()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newRegistry(t *testing.T, endpoints []string, opts ...Option) *Registry {
	t.Helper()
	all := append([]Option{WithEndpoints(endpoints...), WithLogger(quiet()), WithRetryBackoff(50*time.Millisecond, 500*time.Millisecond),
		WithDialTimeout(2 * time.Second), WithRequestTimeout(2 * time.Second)}, opts...)
	r, err := New(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func newClient(t *testing.T, endpoints []string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func provider(port int, opts ...registry.URLOption) registry.URL {
	return registry.NewProviderURL("127.0.0.1", port, iface, append([]registry.URLOption{
		registry.WithApplication("pulse-test"), registry.WithMethods("sayHi"), registry.WithSerialization("hessian2")}, opts...)...)
}

func consumer() registry.URL {
	return registry.NewConsumerURL("127.0.0.1", iface, registry.WithApplication("pulse-test"))
}

// recorder is a Listener that keeps every Update.
type recorder struct {
	mu      sync.Mutex
	updates []registry.Update
}

func (r *recorder) Notify(u registry.Update) {
	r.mu.Lock()
	r.updates = append(r.updates, u)
	r.mu.Unlock()
}

func (r *recorder) all() []registry.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.updates)
}

func (r *recorder) last() (registry.Update, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.updates) == 0 {
		return registry.Update{}, false
	}
	return r.updates[len(r.updates)-1], true
}

// waitProviders waits until the latest Update lists exactly the given ports.
func (r *recorder) waitProviders(t *testing.T, ports ...int) registry.Update {
	t.Helper()
	var got []int
	deadline := time.Now().Add(eventually)
	for time.Now().Before(deadline) {
		if u, ok := r.last(); ok {
			got = got[:0]
			for _, p := range u.Providers {
				got = append(got, p.Port)
			}
			slices.Sort(got)
			if slices.Equal(got, ports) {
				return u
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("providers: got ports %v, want %v", got, ports)
	return registry.Update{}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventually)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keyValue reads a key; ok is false when it is absent or etcd did not answer.
func keyValue(cli *clientv3.Client, key string) (value string, present, answered bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		return "", false, false
	}
	if len(resp.Kvs) == 0 {
		return "", false, true
	}
	return string(resp.Kvs[0].Value), true, true
}

func TestRegisterDiscoverUnregister(t *testing.T) {
	s := startEtcd(t)
	prov := newRegistry(t, s.Endpoints())
	cons := newRegistry(t, s.Endpoints())
	cli := newClient(t, s.Endpoints())
	ctx := t.Context()

	p1 := provider(20001)
	if err := prov.Register(ctx, p1); err != nil {
		t.Fatal(err)
	}
	// Java's layout: the key, and the lease id in decimal as value.
	key := "/dubbo/" + iface + "/providers/" + registry.EncodeComponent(p1.String())
	if prov.Key(p1) != key {
		t.Fatalf("key %s", prov.Key(p1))
	}
	v, ok, _ := keyValue(cli, key)
	if !ok || v != strconv.FormatInt(int64(prov.Lease()), 10) {
		t.Fatalf("value %q present %v, lease %d", v, ok, prov.Lease())
	}
	ttl, err := cli.TimeToLive(ctx, prov.Lease(), clientv3.WithAttachedKeys())
	if err != nil || len(ttl.Keys) != 1 || string(ttl.Keys[0]) != key {
		t.Fatalf("lease keys %v: %v", ttl, err)
	}

	c := consumer()
	if err := cons.Register(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := keyValue(cli, "/dubbo/"+iface+"/consumers/"+registry.EncodeComponent(c.String())); !ok {
		t.Fatal("consumer key missing")
	}

	var rec recorder
	cancel, err := cons.Subscribe(ctx, c, &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	u := rec.waitProviders(t, 20001)
	if !u.Providers[0].Equal(p1) || len(u.Events) != 1 || u.Events[0].Type != registry.EventAdd {
		t.Fatalf("first update %+v", u)
	}

	// Another version and a deeper key are not providers of this consumer.
	if err := prov.Register(ctx, provider(20003, registry.WithVersion("2.0"))); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/dubbo/"+iface+"/providers/x/"+registry.EncodeComponent(provider(20004).String()), ""); err != nil {
		t.Fatal(err)
	}
	p2 := provider(20002)
	if err := prov.Register(ctx, p2); err != nil {
		t.Fatal(err)
	}
	rec.waitProviders(t, 20001, 20002)

	if err := prov.Unregister(ctx, p1); err != nil {
		t.Fatal(err)
	}
	u = rec.waitProviders(t, 20002)
	if len(u.Events) != 1 || u.Events[0].Type != registry.EventDelete || u.Events[0].URL.Port != 20001 {
		t.Fatalf("delete update %+v", u)
	}
	if _, ok, _ := keyValue(cli, key); ok {
		t.Fatal("unregistered key still present")
	}
	// Register of an already registered URL returns at once.
	if err := prov.Register(ctx, p2); err != nil {
		t.Fatal(err)
	}
}

func TestDubbogoKeys(t *testing.T) {
	s := startEtcd(t)
	cons := newRegistry(t, s.Endpoints())
	cli := newClient(t, s.Endpoints())
	// What a dubbo-go v1.5.9 provider writes: QueryEscape'd service and URL,
	// empty value, timestamp in seconds, its own parameters.
	raw := "dubbo://127.0.0.1:20005/" + iface + "?anyhost=true&application=dg&interface=" + iface +
		"&methods=SayHi&pid=1&registry.role=3&release=dubbo-golang-1.5.8&side=provider&timestamp=1669430000&version=1.0~x"
	key := "/dubbo/" + url.QueryEscape(iface) + "/providers/" + url.QueryEscape(raw)
	if _, err := cli.Put(t.Context(), key, ""); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	cancel, err := cons.Subscribe(t.Context(), consumer().With(registry.KeyVersion, "1.0~x"), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	u := rec.waitProviders(t, 20005)
	if u.Providers[0].String() != raw || u.Providers[0].Timestamp().Unix() != 1669430000 {
		t.Fatalf("dubbo-go provider %s", u.Providers[0])
	}
}

func TestCloseRemovesKeysAndLease(t *testing.T) {
	s := startEtcd(t)
	cli := newClient(t, s.Endpoints())
	r := newRegistry(t, s.Endpoints())
	for port := 20010; port < 20013; port++ {
		if err := r.Register(t.Context(), provider(port)); err != nil {
			t.Fatal(err)
		}
	}
	lease := r.Lease()
	var rec recorder
	if _, err := r.Subscribe(t.Context(), consumer(), &rec); err != nil {
		t.Fatal(err)
	}
	rec.waitProviders(t, 20010, 20011, 20012)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(t.Context(), "/dubbo/", clientv3.WithPrefix())
	if err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("keys after Close: %v %v", resp, err)
	}
	ttl, err := cli.TimeToLive(t.Context(), lease)
	if err != nil || ttl.TTL != -1 {
		t.Fatalf("lease after Close: %+v %v", ttl, err)
	}
	if err := r.Register(t.Context(), provider(1)); !errors.Is(err, registry.ErrClosed) {
		t.Fatalf("Register after Close: %v", err)
	}
	if _, err := r.Subscribe(t.Context(), consumer(), &rec); !errors.Is(err, registry.ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// abandon stops a registry the way a killed process stops: no keepalive, no
// unregister, no revoke.
func (r *Registry) abandon() {
	r.mu.Lock()
	r.closed = true
	subs := make([]*subscription, 0, len(r.subs))
	for s := range r.subs {
		subs = append(subs, s)
	}
	r.mu.Unlock()
	for _, s := range subs {
		s.stop()
	}
	r.cancel()
	r.wg.Wait()
	r.cli.Close()
}

func TestLeaseExpiryRemovesKeysOfStoppedProcess(t *testing.T) {
	s := startEtcd(t)
	cons := newRegistry(t, s.Endpoints())
	dead, err := New(WithEndpoints(s.Endpoints()...), WithLogger(quiet()), WithTTL(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.Register(t.Context(), provider(20020)); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	cancel, err := cons.Subscribe(t.Context(), consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	rec.waitProviders(t, 20020)
	stopped := time.Now()
	dead.abandon()
	u := rec.waitProviders(t)
	t.Logf("key gone %v after keepalive stopped (TTL 2 s)", time.Since(stopped).Round(10*time.Millisecond))
	if len(u.Events) != 1 || u.Events[0].Type != registry.EventDelete {
		t.Fatalf("update %+v", u)
	}
}

// S7: the lease is revoked behind the registry's back (as if it expired):
// noticed, a new lease granted, every key put again.
func TestRevokedLeaseReplaced(t *testing.T) {
	s := startEtcd(t)
	cli := newClient(t, s.Endpoints())
	r := newRegistry(t, s.Endpoints(), WithTTL(3*time.Second))
	p1, p2 := provider(20030), provider(20031)
	for _, p := range []registry.URL{p1, p2} {
		if err := r.Register(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	urls := []registry.URL{p1, p2}
	reput := func(old clientv3.LeaseID) func() bool {
		return func() bool {
			lease := r.Lease()
			if lease == 0 || lease == old {
				return false
			}
			for _, p := range urls {
				if v, ok, _ := keyValue(cli, r.Key(p)); !ok || v != strconv.FormatInt(int64(lease), 10) {
					return false
				}
			}
			return true
		}
	}

	// Noticed through the keepalive stream.
	old := r.Lease()
	revoked := time.Now()
	if _, err := cli.Revoke(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "keys put again with a new lease", reput(old))
	t.Logf("revoked lease replaced and keys re-put in %v (TTL 3 s, keepalive every 1 s)", time.Since(revoked).Round(10*time.Millisecond))

	// Noticed by a put that meets "lease not found" (or by the keepalive,
	// whichever is first): the registration succeeds either way.
	old = r.Lease()
	if _, err := cli.Revoke(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	p3 := provider(20032)
	urls = append(urls, p3)
	if err := r.Register(t.Context(), p3); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "keys put again with a new lease after lease not found", reput(old))
	ttl, err := cli.TimeToLive(t.Context(), r.Lease(), clientv3.WithAttachedKeys())
	if err != nil || len(ttl.Keys) != 3 {
		t.Fatalf("new lease %+v %v", ttl, err)
	}
}

// S5: the whole etcd is down for longer than the TTL, then comes back with
// its data: every key is registered again under a new lease without any
// manual step, subscribers see the providers again and never got an empty
// list meanwhile.
//
// The registries reach etcd through a proxy that is cut just before etcd
// stops: etcd's graceful stop otherwise waits 7 s for their open streams.
func TestOutageLongerThanTTL(t *testing.T) {
	s := startEtcd(t, embedded.WithDir(t.TempDir()))
	target := s.Endpoint()[len("http://"):]
	px := startTCPProxy(t, "127.0.0.1:0", target)
	t.Cleanup(func() { px.Close() }) // after the registries' Close, before etcd's
	eps := []string{"http://" + px.addr}
	const ttl = 3 * time.Second
	prov := newRegistry(t, eps, WithTTL(ttl))
	cons := newRegistry(t, eps, WithTTL(ttl))
	p1, p2 := provider(20040), provider(20041)
	for _, p := range []registry.URL{p1, p2} {
		if err := prov.Register(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	c := consumer()
	if err := cons.Register(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	cancel, err := cons.Subscribe(t.Context(), c, &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	rec.waitProviders(t, 20040, 20041)
	oldLease := prov.Lease()

	t0 := time.Now()
	px.Close()
	s.Stop()
	down := time.Now()
	t.Logf("etcd stopped in %v", down.Sub(t0).Round(10*time.Millisecond))
	// Down for longer than the TTL: both registries notice their lease lost.
	waitFor(t, "lease loss noticed", func() bool { return prov.Lease() == 0 && cons.Lease() == 0 })
	t.Logf("lease loss noticed %v after etcd stopped", time.Since(down).Round(10*time.Millisecond))
	t0 = time.Now()
	if err := s.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	px = startTCPProxy(t, px.addr, target)
	up := time.Now()
	t.Logf("etcd restarted in %v", up.Sub(t0).Round(10*time.Millisecond))
	t.Cleanup(func() { t.Logf("cleanup started %v after etcd came back", time.Since(up).Round(10*time.Millisecond)) })
	cli := newClient(t, s.Endpoints())
	waitFor(t, "keys re-registered", func() bool {
		lease := prov.Lease()
		if lease == 0 || lease == oldLease {
			return false
		}
		for _, p := range []registry.URL{p1, p2} {
			if v, ok, _ := keyValue(cli, prov.Key(p)); !ok || v != strconv.FormatInt(int64(lease), 10) {
				return false
			}
		}
		v, ok, _ := keyValue(cli, cons.Key(c))
		return ok && v == strconv.FormatInt(int64(cons.Lease()), 10)
	})
	t.Logf("every key re-put %v after etcd came back", time.Since(up).Round(10*time.Millisecond))
	// The old lease (renewed by etcd on restart) is revoked and holds nothing.
	waitFor(t, "old lease revoked", func() bool {
		r, err := cli.TimeToLive(t.Context(), oldLease)
		return err == nil && r.TTL == -1
	})
	t.Logf("old lease revoked %v after etcd came back", time.Since(up).Round(10*time.Millisecond))
	// The watch works again.
	if err := prov.Register(t.Context(), provider(20042)); err != nil {
		t.Fatal(err)
	}
	rec.waitProviders(t, 20040, 20041, 20042)
	t.Logf("subscriber saw a new provider %v after etcd came back", time.Since(up).Round(10*time.Millisecond))
	for i, u := range rec.all() {
		if len(u.Providers) < 2 {
			t.Fatalf("update %d during/after outage has %d providers: %+v", i, len(u.Providers), u)
		}
		for _, e := range u.Events {
			if e.Type == registry.EventDelete {
				t.Fatalf("delete event %+v", e)
			}
		}
	}
}
