package pulse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/cluster"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

func TestClosedInvokerNeverAvailable(t *testing.T) {
	srv, err := exchange.Listen("127.0.0.1:0", exchange.HandlerFunc(func(ctx context.Context, req *exchange.Request) *exchange.Response {
		return &exchange.Response{Status: exchange.StatusOK}
	}), exchange.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pool := &conns{byAddr: map[string]*sharedConn{}, tick: time.Second,
		opts: []exchange.ClientOption{exchange.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}}
	defer pool.close()
	u, err := registry.Parse("dubbo://" + srv.Addr().String() + "/org.example.Svc")
	if err != nil {
		t.Fatal(err)
	}
	// Two services on one provider share its connection.
	stale, err := pool.dial(u, 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := pool.dial(u, 0)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !stale.Available() {
		if time.Now().After(deadline) {
			t.Fatal("invoker never available")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stale.Close()
	if stale.Available() {
		t.Error("a closed invoker is available")
	}
	if !other.Available() {
		t.Error("closing one invoker made the other, on the same connection, unavailable")
	}
	// Picked anyway (a stale picker): the call never leaves and is retried
	// elsewhere.
	_, err = stale.Invoke(context.Background(), &dubbo.Invocation{Path: "org.example.Svc", Method: "m"})
	if !errors.Is(err, cluster.ErrUnavailable) {
		t.Errorf("call on a closed invoker: %v, want cluster.ErrUnavailable", err)
	}
	other.Close()
	if other.Available() {
		t.Error("the last invoker is available after Close")
	}
}
