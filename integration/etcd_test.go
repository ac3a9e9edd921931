package integration

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// startEtcd runs a one-member etcd in the test process on loopback (Pulse's
// registry/etcd/embedded) and returns its client endpoint as host:port. It
// stops when the test ends.
func startEtcd(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := embedded.Start(ctx, embedded.WithUnsafeNoFsync(),
		embedded.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatalf("start embedded etcd: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return strings.TrimPrefix(s.Endpoint(), "http://")
}

// waitProviders waits until each interface has a provider key in the etcd
// at endpoint (host:port): a peer's process listens, and so looks started,
// before it has registered every service.
func waitProviders(t *testing.T, endpoint string, ifaces ...string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	defer cli.Close()
	for _, iface := range ifaces {
		eventually(t, 60*time.Second, iface+" provider registered in etcd", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := cli.Get(ctx, "/dubbo/"+iface+"/providers/", clientv3.WithPrefix(), clientv3.WithCountOnly())
			return err == nil && resp.Count > 0
		})
	}
}
