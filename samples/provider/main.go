// Command provider serves the interop contract (shared/interop.md):
// GreetingsService and UserService, until SIGINT or SIGTERM, then shuts down
// gracefully (READONLY to every client, unregister, drain, close).
//
//	go run ./samples/provider --listen 127.0.0.1:20880 --registry none
//	go run ./samples/provider --registry embedded
//	go run ./samples/provider --registry etcd://127.0.0.1:2379 --heartbeat 1s
//
// It prints "ready <addr>" on stdout once it serves.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:20880", "address to listen on")
	reg := flag.String("registry", "none", "none, embedded, or etcd://host:port[,host:port]")
	heartbeat := flag.Duration("heartbeat", pulse.DefaultHeartbeat, "heartbeat interval")
	name := flag.String("name", "", "provider name sent back in the served-by reply attachment (default: the listen address)")
	dataDir := flag.String("data-dir", "", "data directory of the embedded etcd (default: a temporary one)")
	flag.Parse()
	if err := run(*listen, *reg, *heartbeat, *name, *dataDir); err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		os.Exit(1)
	}
}

func run(listen, reg string, heartbeat time.Duration, name, dataDir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	registry, closeRegistry, err := openRegistry(reg, dataDir, log)
	if err != nil {
		return err
	}
	defer closeRegistry()

	srv := pulse.NewServer(
		pulse.WithAddress(listen),
		pulse.WithRegistry(registry),
		pulse.WithHeartbeat(heartbeat),
		pulse.WithLogger(log),
		pulse.WithShutdownWait(5*time.Second),
	)
	if name == "" {
		name = listen
	}
	if err := srv.Register(api.GreetingsServiceName, api.Greetings{Name: name}); err != nil {
		return err
	}
	if err := srv.Register(api.UserServiceName, api.Users{Name: name}); err != nil {
		return err
	}
	go func() {
		select {
		case <-srv.Ready():
			fmt.Println("ready", srv.Addr())
		case <-ctx.Done():
		}
	}()
	return srv.Serve(ctx)
}
