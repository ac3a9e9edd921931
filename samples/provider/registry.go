package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// openRegistry turns the --registry flag into a pulse.WithRegistry string.
// For "embedded" it starts an etcd inside the process first and prints
// "etcd etcd://127.0.0.1:<port>" on stdout, for consumers to use; the
// returned func stops it.
func openRegistry(spec, dataDir string, log *slog.Logger) (string, func(), error) {
	switch spec {
	case "", "none":
		return "", func() {}, nil
	case "embedded":
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		opts := []embedded.Option{embedded.WithLogger(log)}
		if dataDir != "" {
			opts = append(opts, embedded.WithDir(dataDir))
		}
		srv, err := embedded.Start(ctx, opts...)
		if err != nil {
			return "", nil, err
		}
		addr := "etcd://" + strings.TrimPrefix(srv.Endpoint(), "http://")
		fmt.Println("etcd", addr)
		return addr, func() { srv.Close() }, nil
	}
	return spec, func() {}, nil
}
