package integration

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

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
