package embedded

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, IgnoreEtcd()...)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func put(t *testing.T, endpoints []string, key string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, key, "v"); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get %s: %v %v", key, resp, err)
	}
}

func TestStartRestartClose(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(t.Context(), WithDir(dir), WithLogger(quiet()), WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	put(t, s.Endpoints(), "/a")
	s.Stop()
	if s.Running() {
		t.Fatal("running after Stop")
	}
	if err := s.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	put(t, s.Endpoints(), "/a") // data and port survived
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal("caller's data dir removed")
	}

	tmp, err := Start(t.Context(), WithLogger(quiet()), WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	d := tmp.Dir()
	tmp.Close()
	if _, err := os.Stat(d); !os.IsNotExist(err) {
		t.Fatalf("temporary data dir kept: %v", err)
	}
}

func TestClusterLeaderStop(t *testing.T) {
	c, err := StartCluster(t.Context(), 3, WithLogger(quiet()), WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	l, err := c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put(t, c.Endpoints(), "/x")
	c.Members[l].Stop()
	l2, err := c.WaitLeader(ctx)
	if err != nil || l2 == l {
		t.Fatalf("new leader %d (old %d): %v", l2, l, err)
	}
	put(t, c.Endpoints(), "/y")
	if err := c.Members[l].Restart(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, c.Members[l].Endpoints(), "/z")
}
