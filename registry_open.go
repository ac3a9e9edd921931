package pulse

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pulse-rpc/pulse/registry"
)

// openRegistry opens the registry a WithRegistry string names; nil for none.
func openRegistry(ctx context.Context, spec string, log *slog.Logger) (registry.Registry, error) {
	if spec == "" || spec == "none" {
		return nil, nil
	}
	if _, err := parseRegistry(spec); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("pulse: registry %q: the etcd registry is not available in this build", spec)
}
