package pulse

import (
	"context"
	"log/slog"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd"
)

// openRegistry opens the registry a WithRegistry string names
// ("etcd://host:port[,host:port]"); nil for "" and "none". The etcd registry
// connects lazily: it does not wait for etcd here.
func openRegistry(ctx context.Context, spec string, log *slog.Logger) (registry.Registry, error) {
	if spec == "" || spec == "none" {
		return nil, nil
	}
	if _, err := parseRegistry(spec); err != nil {
		return nil, err
	}
	return etcd.Open(ctx, spec, etcd.WithLogger(log))
}
