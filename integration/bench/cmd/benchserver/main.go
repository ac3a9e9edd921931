// Command benchserver is a server of the benchmark harness:
//
//	benchserver -kind pulse|grpc|raw|rawepoll [-listen 127.0.0.1:0] [-heartbeat 60s]
//
// pulse serves GreetingsService and UserService of samples/api with the pulse
// API; grpc a gRPC-go unary echo; raw the 16-byte-framed TCP echo (the
// ceiling); rawepoll the same answers from one epoll loop (the idle
// benchmark's floor for any design). Each also serves /stats and /debug/pprof/ on a side port. It
// prints "ready <addr> <stats addr>" and serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/integration/bench/internal/grpcecho"
	"github.com/pulse-rpc/pulse/integration/bench/internal/rawecho"
	"github.com/pulse-rpc/pulse/integration/bench/internal/rawepoll"
	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
	"github.com/pulse-rpc/pulse/samples/api"
)

func main() {
	kind := flag.String("kind", "pulse", "pulse, grpc, raw or rawepoll")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	heartbeat := flag.Duration("heartbeat", pulse.DefaultHeartbeat, "heartbeat interval (pulse)")
	flag.Parse()
	if err := run(*kind, *listen, *heartbeat); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

func run(kind, listen string, heartbeat time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	statsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go loadgen.ServeStats(ctx, statsLn)
	ready := func(addr net.Addr) { fmt.Println("ready", addr, statsLn.Addr()) }

	switch kind {
	case "pulse":
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		srv := pulse.NewServer(pulse.WithAddress(listen), pulse.WithHeartbeat(heartbeat), pulse.WithLogger(log),
			pulse.WithShutdownWait(time.Second))
		if err := srv.Register(api.GreetingsServiceName, api.Greetings{}); err != nil {
			return err
		}
		if err := srv.Register(api.UserServiceName, api.Users{}); err != nil {
			return err
		}
		go func() {
			select {
			case <-srv.Ready():
				ready(srv.Addr())
			case <-ctx.Done():
			}
		}()
		return srv.Serve(ctx)
	case "rawepoll":
		return rawepoll.Serve(ctx, listen, func(a net.Addr) { ready(a) })
	case "grpc", "raw":
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		ready(ln.Addr())
		if kind == "grpc" {
			return grpcecho.Serve(ctx, ln)
		}
		return rawecho.Serve(ctx, ln)
	}
	return fmt.Errorf("unknown kind %q", kind)
}
