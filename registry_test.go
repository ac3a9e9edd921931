package pulse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// TestRegistryDiscovery: a provider registers in an embedded etcd with the
// URL Java Dubbo writes, a consumer finds it there, and the key goes away on
// graceful shutdown.
func TestRegistryDiscovery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	etcd, err := embedded.Start(ctx, embedded.WithLogger(quiet()), embedded.WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { etcd.Close() }) // after the client's and server's cleanups
	reg := "etcd://" + strings.TrimPrefix(etcd.Endpoint(), "http://")

	const iface = "org.example.Which"
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register(iface, versioned{"registered"}, pulse.Version("1.0.0")); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithRegistry(reg), pulse.WithApplication("pulse-test"))

	kv, err := clientv3.New(clientv3.Config{Endpoints: etcd.Endpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	resp, err := kv.Get(ctx, "/dubbo/"+iface+"/providers/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("%d provider keys, want 1", len(resp.Kvs))
	}
	k, err := registry.ParseKey(string(resp.Kvs[0].Key))
	if err != nil {
		t.Fatal(err)
	}
	u := k.URL
	want := map[string]string{"interface": iface, "methods": "which", "side": "provider", "version": "1.0.0",
		"application": "pulse-test", "dubbo": "2.0.2", "serialization": "hessian2", "dynamic": "true"}
	for key, v := range want {
		if got := u.Param(key); got != v {
			t.Errorf("provider URL %s=%q, want %q (%s)", key, got, v, u)
		}
	}
	if u.Address() != strings.TrimPrefix(ts.url, "dubbo://") {
		t.Errorf("registered address %s, serving at %s", u.Address(), ts.url)
	}

	cli := newClient(t, pulse.WithRegistry(reg))
	var stub struct {
		Which func(context.Context) (string, error)
	}
	if err := cli.Refer(iface, &stub, pulse.Version("1.0.0"), pulse.Timeout(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The first call waits for the registry's first answer: no retry loop.
	got, err := stub.Which(ctx)
	if got != "registered" {
		t.Fatalf("call through the registry: %q, %v", got, err)
	}

	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	resp, err = kv.Get(ctx, "/dubbo/"+iface+"/providers/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 0 {
		t.Errorf("%d provider keys left after a graceful shutdown", len(resp.Kvs))
	}
}
