// Command benchclient is a client of the benchmark harness: it measures one
// point (loadgen flags: -target -kind -c -warmup -d -server-pid
// -server-stats) with the client named by its first argument and prints one
// JSON report line.
//
//	benchclient pulse|grpc|raw [loadgen flags]
//	benchclient idle -target host:port -conns 10000 -heartbeat 1s -hold 60s
//
// idle opens that many Pulse (exchange) connections that only heartbeat, and
// holds them; it prints "ready" once all are connected.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/integration/bench/internal/grpcecho"
	"github.com/pulse-rpc/pulse/integration/bench/internal/rawecho"
	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
	"github.com/pulse-rpc/pulse/samples/api"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchclient pulse|grpc|raw|idle [flags]")
		os.Exit(2)
	}
	var dial loadgen.Dialer
	switch os.Args[1] {
	case "pulse":
		dial = dialPulse
	case "grpc":
		dial = dialGRPC
	case "raw":
		dial = dialRaw
	case "idle":
		os.Exit(idle(os.Args[2:]))
	default:
		fmt.Fprintln(os.Stderr, "benchclient: unknown client", os.Args[1])
		os.Exit(2)
	}
	os.Exit(loadgen.Main(os.Args[1], dial, os.Args[2:], os.Stdout, os.Stderr))
}

func dialPulse(ctx context.Context, target string, k loadgen.Kind, _ int) (loadgen.Caller, func(), error) {
	cli, err := pulse.NewClient()
	if err != nil {
		return nil, nil, err
	}
	opts := []pulse.ServiceOption{pulse.URL("dubbo://" + target), pulse.Timeout(5 * time.Second)}
	var call loadgen.Caller
	arg := loadgen.Arg(k)
	switch k {
	case loadgen.GetUser:
		var users api.UserService
		err = cli.Refer(api.UserServiceName, &users, opts...)
		call = func(ctx context.Context, _ int) error {
			u, err := users.GetUser(ctx, arg)
			if err == nil && (u == nil || u.Name != "Ada") {
				return loadgen.ErrWrongAnswer
			}
			return err
		}
	default:
		var greetings api.GreetingsService
		err = cli.Refer(api.GreetingsServiceName, &greetings, opts...)
		want := loadgen.WantHi(arg)
		call = func(ctx context.Context, _ int) error {
			s, err := greetings.SayHi(ctx, arg)
			if err == nil && s != want {
				return loadgen.ErrWrongAnswer
			}
			return err
		}
	}
	if err == nil {
		err = loadgen.WaitFirst(ctx, call)
	}
	if err != nil {
		cli.Close()
		return nil, nil, err
	}
	return call, func() { cli.Close() }, nil
}

func dialGRPC(ctx context.Context, target string, k loadgen.Kind, _ int) (loadgen.Caller, func(), error) {
	c, err := grpcecho.Dial(target)
	if err != nil {
		return nil, nil, err
	}
	arg := loadgen.Arg(k)
	var call loadgen.Caller
	if k == loadgen.GetUser {
		call = func(ctx context.Context, _ int) error {
			u, err := c.GetUser(ctx, arg)
			if err == nil && (u.Name != "Ada" || u.Age != 36) {
				return loadgen.ErrWrongAnswer
			}
			return err
		}
	} else {
		want := loadgen.WantHi(arg)
		call = func(ctx context.Context, _ int) error {
			s, err := c.SayHi(ctx, arg)
			if err == nil && s != want {
				return loadgen.ErrWrongAnswer
			}
			return err
		}
	}
	if err := loadgen.WaitFirst(ctx, call); err != nil {
		c.Close()
		return nil, nil, err
	}
	return call, func() { c.Close() }, nil
}

// rawBody is the body size of the raw echo: about a Dubbo sayHi request
// (header fields, attachments, the argument).
const rawBody = 200

func dialRaw(ctx context.Context, target string, k loadgen.Kind, conc int) (loadgen.Caller, func(), error) {
	n := rawBody
	if k == loadgen.SayHi4K {
		n += len(loadgen.Arg(k))
	}
	c, err := rawecho.Dial(ctx, target, conc, n)
	if err != nil {
		return nil, nil, err
	}
	return c.Call, func() { c.Close() }, nil
}
