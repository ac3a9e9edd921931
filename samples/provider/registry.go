package main

import (
	"fmt"
	"log/slog"
)

// openRegistry turns the --registry flag into a pulse.WithRegistry string,
// starting an embedded etcd for "embedded". The returned func stops it.
func openRegistry(spec, dataDir string, log *slog.Logger) (string, func(), error) {
	switch spec {
	case "", "none":
		return "", func() {}, nil
	case "embedded":
		return "", nil, fmt.Errorf("--registry embedded: the embedded etcd is not available in this build")
	}
	return spec, func() {}, nil
}
