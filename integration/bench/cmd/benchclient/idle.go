package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse/exchange"
)

// idle holds conns heartbeat-only connections to one Pulse server.
func idle(args []string) int {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	target := fs.String("target", "", "server address host:port")
	conns := fs.Int("conns", 10000, "connections")
	hb := fs.Duration("heartbeat", time.Second, "heartbeat interval")
	hold := fs.Duration("hold", time.Minute, "how long to hold the connections once ready")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := exchange.NewClient(*target, exchange.WithConnections(*conns),
		exchange.WithHeartbeat(exchange.Heartbeat{Interval: *hb}), exchange.WithLogger(log),
		exchange.WithDialTimeout(30*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		return 1
	}
	defer c.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready := 0
		for _, ci := range c.Conns() {
			if ci.State == exchange.StateReady {
				ready++
			}
		}
		if ready == *conns {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			fmt.Fprintf(os.Stderr, "idle: %d of %d connections ready\n", ready, *conns)
			return 1
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Println("ready")
	t := time.NewTimer(*hold)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return 0
}
