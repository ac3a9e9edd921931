// Command demo runs the whole Pulse story on one machine, with nothing
// installed by hand:
//
//	go run ./samples/demo
//
// It starts an embedded etcd, two providers of the interop contract (child
// processes: the demo runs its own binary again with the role "provider", so
// that SIGSTOP freezes a real process), and a consumer that finds them in
// etcd and calls sayHi in a loop, printing which provider answered each call
// and the heartbeat health of each connection. Midway one provider is frozen
// with SIGSTOP: the heartbeats stop being answered, the consumer marks the
// connection down and routes every call to the other provider. Then the
// provider is resumed with SIGCONT and comes back. The demo ends by itself,
// shutting everything down gracefully, in about twenty seconds.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

// Timings: short heartbeats so that a frozen provider is noticed within
// about two seconds.
const (
	heartbeat   = 400 * time.Millisecond
	callTimeout = 300 * time.Millisecond
	callEvery   = 250 * time.Millisecond
	warmUp      = 4 * time.Second // calls before the freeze
	frozenFor   = 5 * time.Second
	afterResume = 8 * time.Second
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "provider" {
		if err := provider(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "provider:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	fmt.Println("demo: done")
}

// provider is the child role: serve the contract until SIGTERM.
func provider(args []string) error {
	fs := flag.NewFlagSet("provider", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	reg := fs.String("registry", "", "etcd://host:port")
	name := fs.String("name", "", "provider name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := pulse.NewServer(pulse.WithAddress(*listen), pulse.WithRegistry(*reg), pulse.WithHeartbeat(heartbeat),
		pulse.WithLogger(log), pulse.WithShutdownWait(2*time.Second))
	if err := srv.Register(api.GreetingsServiceName, api.Greetings{Name: *name}); err != nil {
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

// child is one provider process.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string
	done chan error
}

func startProvider(ctx context.Context, name, registry string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "provider", "--name", name, "--registry", registry, "--listen", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: name, cmd: cmd, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				select {
				case ready <- addr:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		c.done <- cmd.Wait()
	}()
	select {
	case c.addr = <-ready:
		fmt.Printf("demo: %s serving at %s (pid %d)\n", name, c.addr, cmd.Process.Pid)
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("%s exited before serving: %v", name, err)
	case <-ctx.Done():
		c.kill()
		return nil, fmt.Errorf("%s: not ready in time", name)
	}
}

func (c *child) signal(s syscall.Signal) {
	if c != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(s)
	}
}

// stop resumes (in case it is frozen) and terminates the provider, and waits.
func (c *child) stop() error {
	c.signal(syscall.SIGCONT)
	c.signal(syscall.SIGTERM)
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case err := <-c.done:
		return err
	case <-timer.C:
		c.kill()
		return fmt.Errorf("%s did not stop in time", c.name)
	}
}

func (c *child) kill() {
	c.signal(syscall.SIGCONT)
	c.signal(syscall.SIGKILL)
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Second)
	defer cancel()

	registry, stopEtcd, err := startRegistry()
	if err != nil {
		return err
	}
	defer stopEtcd()

	a, err := startProvider(ctx, "provider-A", registry)
	if err != nil {
		return err
	}
	defer a.kill()
	b, err := startProvider(ctx, "provider-B", registry)
	if err != nil {
		return err
	}
	defer b.kill()
	names := map[string]string{a.addr: a.name, b.addr: b.name}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cli, err := pulse.NewClient(pulse.WithRegistry(registry), pulse.WithHeartbeat(heartbeat), pulse.WithLogger(log))
	if err != nil {
		return err
	}
	defer cli.Close()
	var greetings api.GreetingsService
	opts := []pulse.ServiceOption{pulse.Timeout(callTimeout), pulse.Retries(2), pulse.LoadBalance("roundrobin"),
		pulse.Idempotent()}
	if registry == "" {
		opts = append(opts, pulse.URL("dubbo://"+a.addr, "dubbo://"+b.addr))
	}
	if err := cli.Refer(api.GreetingsServiceName, &greetings, opts...); err != nil {
		return err
	}

	start := time.Now()
	phase := func(s string) { fmt.Printf("\n%5.1fs  ==== %s\n", time.Since(start).Seconds(), s) }
	calls, failed := 0, 0
	// Print each change of a provider connection's state as it happens.
	states := map[string]string{}
	lastSignal := start
	watch := func() {
		for _, c := range cli.Connections() {
			name := names[c.Addr]
			if name == "" {
				name = c.Addr
			}
			if prev, ok := states[name]; ok && prev != c.State {
				since := ""
				if lastSignal != start {
					since = fmt.Sprintf(" (%.1fs after the signal)", time.Since(lastSignal).Seconds())
				}
				fmt.Printf("%5.1fs  >>> %s: %s -> %s%s%s\n", time.Since(start).Seconds(),
					name, prev, c.State, since, explain(prev, c.State))
			}
			states[name] = c.State
		}
	}
	loop := func(d time.Duration) {
		end := time.Now().Add(d)
		for time.Now().Before(end) && ctx.Err() == nil {
			watch()
			calls++
			cctx, reply := pulse.ReplyAttachments(ctx)
			t0 := time.Now()
			_, err := greetings.SayHi(cctx, "pulse")
			took := time.Since(t0)
			by := "-"
			if v, ok := reply()["served-by"].(string); ok {
				by = v
			}
			result := "ok  "
			note := ""
			if err == nil && took >= callTimeout {
				note = "  (first try timed out on the frozen provider, retried)"
			}
			if err != nil {
				failed++
				result, by = "FAIL", err.Error()
			}
			fmt.Printf("%5.1fs  call %3d %s %-10s %6.1fms   %s%s\n", time.Since(start).Seconds(), calls, result, by,
				float64(took.Microseconds())/1000, health(cli, names), note)
			// Wait for the next call, watching the connections meanwhile.
			for next := t0.Add(callEvery); time.Now().Before(next); {
				time.Sleep(25 * time.Millisecond)
				watch()
			}
		}
	}

	phase("two providers, calls spread over both")
	loop(warmUp)
	phase(fmt.Sprintf("freezing %s with SIGSTOP (pid %d): heartbeats go unanswered", b.name, b.cmd.Process.Pid))
	b.signal(syscall.SIGSTOP)
	lastSignal = time.Now()
	loop(frozenFor)
	phase(fmt.Sprintf("resuming %s with SIGCONT", b.name))
	b.signal(syscall.SIGCONT)
	lastSignal = time.Now()
	loop(afterResume)

	phase("shutting down: providers send READONLY, unregister, drain")
	errs := []error{a.stop(), b.stop()}
	fmt.Printf("demo: %d calls, %d failed, %.1fs\n", calls, failed, time.Since(start).Seconds())
	return errors.Join(errs...)
}

// explain says what a state change means for the calls.
func explain(from, to string) string {
	switch {
	case from == "ready" && to == "connecting":
		return ": heartbeats unanswered, connection given up; calls go to the other provider"
	case to == "ready":
		return ": heartbeat answered, calls may go there"
	case to == "readonly":
		return ": the provider said READONLY (shutting down); no new calls go there"
	}
	return ""
}

// health renders the heartbeat health of each provider connection.
func health(cli *pulse.Client, names map[string]string) string {
	var parts []string
	for _, c := range cli.Connections() {
		name := names[c.Addr]
		if name == "" {
			name = c.Addr
		}
		s := fmt.Sprintf("%s %s", name, c.State)
		if c.State == "ready" && c.RTT > 0 {
			s += fmt.Sprintf(" rtt=%.1fms", float64(c.RTT.Microseconds())/1000)
		}
		if c.State == "ready" && c.Status != "" {
			s += " " + strings.ToLower(c.Status)
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " | ") + "]"
}
