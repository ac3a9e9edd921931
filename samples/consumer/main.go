// Command consumer calls the interop contract (shared/interop.md) once:
// sayHi("pulse") and getUser("u1"), prints the results and exits 0; it exits
// 1 with the reason on stderr when a call fails.
//
//	go run ./samples/consumer --url dubbo://127.0.0.1:20880
//	go run ./samples/consumer --registry etcd://127.0.0.1:2379
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

func main() {
	url := flag.String("url", "", "provider URL, dubbo://host:port (direct, no registry)")
	reg := flag.String("registry", "", "etcd://host:port[,host:port] to discover providers")
	timeout := flag.Duration("timeout", 3*time.Second, "per-call timeout")
	wait := flag.Duration("wait", 10*time.Second, "how long to wait for a provider to answer the first call")
	heartbeat := flag.Duration("heartbeat", pulse.DefaultHeartbeat, "heartbeat interval")
	flag.Parse()
	if (*url == "") == (*reg == "" || *reg == "none") {
		fmt.Fprintln(os.Stderr, "consumer: give exactly one of --url dubbo://host:port and --registry etcd://host:port")
		os.Exit(2)
	}
	if err := run(*url, *reg, *timeout, *wait, *heartbeat); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run(url, reg string, timeout, wait, heartbeat time.Duration) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cli, err := pulse.NewClient(pulse.WithRegistry(reg), pulse.WithHeartbeat(heartbeat), pulse.WithLogger(log))
	if err != nil {
		return err
	}
	defer cli.Close()

	var opts []pulse.ServiceOption
	if url != "" {
		opts = append(opts, pulse.URL(url))
	}
	opts = append(opts, pulse.Timeout(timeout))
	var greetings api.GreetingsService
	if err := cli.Refer(api.GreetingsServiceName, &greetings, opts...); err != nil {
		return err
	}
	var users api.UserService
	if err := cli.Refer(api.UserServiceName, &users, opts...); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), wait+timeout)
	defer cancel()
	// The first call may come before the connection or the registry has a
	// provider: retry it until --wait runs out.
	var hi string
	for {
		hi, err = greetings.SayHi(ctx, "pulse")
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("sayHi: %w", err)
	}
	fmt.Printf("sayHi(%q) = %q\n", "pulse", hi)

	u, err := users.GetUser(ctx, "u1")
	if err != nil {
		return fmt.Errorf("getUser: %w", err)
	}
	fmt.Printf("getUser(%q) = {id: %s, name: %s, age: %d, registered: %s}\n", "u1",
		u.ID, u.Name, u.Age, u.Registered.UTC().Format(time.RFC3339))
	if strings.TrimSpace(u.Name) == "" {
		return fmt.Errorf("getUser: empty user %+v", u)
	}
	return nil
}

func retryable(err error) bool {
	switch pulse.CodeOf(err) {
	case pulse.CodeNoProvider, pulse.CodeConnectionLost, pulse.CodeTimeout:
		return true
	}
	return false
}
