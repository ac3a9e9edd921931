package etcd

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		eps     []string
		user    string
		pass    string
		ttl     time.Duration
		root    string
		wantErr bool
	}{
		{in: "etcd://127.0.0.1:2379", eps: []string{"127.0.0.1:2379"}},
		{in: "etcd://a:1,b:2, c:3", eps: []string{"a:1", "b:2", "c:3"}},
		{in: "a:1,b:2", eps: []string{"a:1", "b:2"}},
		{in: "https://a:1", eps: []string{"https://a:1"}},
		{in: "etcd://root:s3cr@t@a:1?ttl=10s&root=svc", eps: []string{"a:1"}, user: "root", pass: "s3cr@t", ttl: 10 * time.Second, root: "svc"},
		{in: "etcd://a:1?ttl=5000&group=/dubbo/", eps: []string{"a:1"}, ttl: 5 * time.Second, root: "dubbo"},
		{in: "etcd://a:1?dial-timeout=1s&request-timeout=2s", eps: []string{"a:1"}},
		{in: "etcd://", wantErr: true},
		{in: "zookeeper://a:1", wantErr: true},
		{in: "etcd://a:1?ttl=x", wantErr: true},
		{in: "etcd://a:1?ttl=1s", wantErr: true}, // below the minimum TTL
		{in: "etcd://a:1?foo=1", wantErr: true},
		{in: "etcd://a:1?root=/", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			opts, err := parseAddress(tt.in)
			o := defaultOptions()
			if err == nil {
				for _, f := range opts {
					f(&o)
				}
				err = o.check()
			}
			if tt.wantErr {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(o.endpoints, " ") != strings.Join(tt.eps, " ") || o.username != tt.user || o.password != tt.pass {
				t.Fatalf("options %+v", o)
			}
			if tt.ttl != 0 && o.ttl != tt.ttl {
				t.Fatalf("ttl %v", o.ttl)
			}
			if tt.root != "" && o.root != tt.root {
				t.Fatalf("root %q", o.root)
			}
		})
	}
	if _, err := New(); !errors.Is(err, ErrConfig) {
		t.Fatalf("New without endpoints: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "etcd://a:1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with done ctx: %v", err)
	}
}

func TestJavaHashCode(t *testing.T) {
	// Values of String.hashCode printed by a JDK.
	for s, want := range map[string]int32{
		"/dubbo/com.foo.S/providers/x": 1286370650,
		"a\u00e9\u4e2d\U0001F600z":     -651591982,
		"":                             0,
	} {
		if got := javaHashCode(s); got != want {
			t.Errorf("javaHashCode(%q) = %d, want %d", s, got, want)
		}
	}
}

// Registrations and subscriptions made before etcd answers take effect when
// it does, and nothing (no empty list) is delivered before.
func TestRegisterBeforeEtcdStarts(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(t.Context(), "etcd://127.0.0.1:"+port, WithLogger(quiet()), WithRetryBackoff(50*time.Millisecond, 300*time.Millisecond),
		WithRequestTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rec recorder
	unsub, err := r.Subscribe(t.Context(), consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	if _, err := r.Subscribe(t.Context(), registry.NewConsumerURL("h", "*"), &rec); !errors.Is(err, registry.ErrInvalidURL) {
		t.Fatalf("subscribe to *: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	p := provider(20070)
	if err := r.Register(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Register with etcd down: %v", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("%d updates before etcd answered", n)
	}
	p2, _ := strconv.Atoi(port)
	s := startEtcd(t, embedded.WithClientPort(p2))
	rec.waitProviders(t, 20070)
	cli := newClient(t, s.Endpoints())
	if _, ok, _ := keyValue(cli, r.Key(p)); !ok {
		t.Fatal("key missing")
	}
}

// dynamic=false: a persistent key as Java writes it, kept after Close.
func TestPersistentRegistration(t *testing.T) {
	s := startEtcd(t)
	cli := newClient(t, s.Endpoints())
	r := newRegistry(t, s.Endpoints())
	p := provider(20080, registry.WithParam(registry.KeyDynamic, "false"))
	if err := r.Register(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	key := r.Key(p)
	resp, err := cli.Get(t.Context(), key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get: %v %v", resp, err)
	}
	kv := resp.Kvs[0]
	if kv.Lease != 0 || string(kv.Value) != strconv.Itoa(int(javaHashCode(key))) {
		t.Fatalf("persistent key: lease %x value %q", kv.Lease, kv.Value)
	}
	if r.Lease() != 0 {
		t.Fatal("a lease was granted for a persistent registration only")
	}
	r.Close()
	if _, ok, _ := keyValue(cli, key); !ok {
		t.Fatal("persistent key deleted on Close")
	}
	r2 := newRegistry(t, s.Endpoints())
	if err := r2.Unregister(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := keyValue(cli, key); ok {
		t.Fatal("persistent key kept after Unregister")
	}
}

// S7: every keepalive response is read: the lease stays alive with the same
// id, and the client never warns that its keepalive queue is full.
func TestKeepAliveDrained(t *testing.T) {
	s := startEtcd(t)
	cli := newClient(t, s.Endpoints())
	logs := &logRecorder{}
	const ttl = 3 * time.Second
	r := newRegistry(t, s.Endpoints(), WithTTL(ttl), WithLogger(slogFor(logs)))
	if err := r.Register(t.Context(), provider(20090)); err != nil {
		t.Fatal(err)
	}
	lease := r.Lease()
	minTTL := int64(1 << 62)
	end := time.Now().Add(ttl)
	for time.Now().Before(end) {
		resp, err := cli.TimeToLive(t.Context(), lease)
		if err != nil {
			t.Fatal(err)
		}
		if resp.TTL <= 0 {
			t.Fatalf("lease expired: %+v", resp)
		}
		minTTL = min(minTTL, resp.TTL)
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("lowest remaining TTL seen: %d s of %v", minTTL, ttl)
	if r.Lease() != lease {
		t.Fatal("lease replaced while etcd was healthy")
	}
	if logs.contains("queue is full") {
		t.Fatalf("keepalive queue warnings: %q", logs.all())
	}
	if _, err := cli.Get(t.Context(), r.Key(provider(20090)), clientv3.WithCountOnly()); err != nil {
		t.Fatal(err)
	}
}

// A storm of 1,000 provider keys, written in batches of 100 by another
// client, then half of them deleted: the subscriber converges to each truth.
func TestWatchStorm(t *testing.T) {
	s := startEtcd(t)
	cli := newClient(t, s.Endpoints())
	r := newRegistry(t, s.Endpoints())
	var rec recorder
	unsub, err := r.Subscribe(t.Context(), consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	rec.waitProviders(t)
	const n = 1000
	keys := make([]string, n)
	ports := make([]int, n)
	for i := range keys {
		ports[i] = 30000 + i
		keys[i] = registry.EncodeKey("", provider(ports[i]))
	}
	start := time.Now()
	for i := 0; i < n; i += 100 {
		ops := make([]clientv3.Op, 0, 100)
		for _, k := range keys[i : i+100] {
			ops = append(ops, clientv3.OpPut(k, ""))
		}
		if _, err := cli.Txn(t.Context()).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitProviders(t, ports...)
	t.Logf("%d adds seen in %v, %d updates", n, time.Since(start).Round(time.Millisecond), len(rec.all()))
	start = time.Now()
	for i := 0; i < n/2; i += 10 {
		ops := make([]clientv3.Op, 0, 10)
		for _, k := range keys[i : i+10] {
			ops = append(ops, clientv3.OpDelete(k))
		}
		if _, err := cli.Txn(t.Context()).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitProviders(t, ports[n/2:]...)
	t.Logf("%d deletes (50 transactions) seen in %v", n/2, time.Since(start).Round(time.Millisecond))
}
