package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// startRegistry starts the embedded etcd the providers and the consumer
// share and returns its address for pulse.WithRegistry.
func startRegistry() (string, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := embedded.Start(ctx, embedded.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		embedded.WithUnsafeNoFsync())
	if err != nil {
		return "", nil, fmt.Errorf("embedded etcd: %w", err)
	}
	addr := "etcd://" + strings.TrimPrefix(srv.Endpoint(), "http://")
	fmt.Println("demo: embedded etcd at", addr)
	return addr, func() { srv.Close() }, nil
}
