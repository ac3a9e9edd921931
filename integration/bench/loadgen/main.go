package loadgen

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// Dialer connects a client implementation to target (host:port) for calls of
// kind k from conc callers; it returns the Caller and a function that closes
// what it opened.
type Dialer func(ctx context.Context, target string, k Kind, conc int) (Caller, func(), error)

// Main is the main function of a client program: it parses the harness's
// flags, dials, measures one point and prints its Report as one JSON line.
// It returns the process exit code.
func Main(client string, dial Dialer, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(client, flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "server address host:port")
	label := fs.String("label", "", "server implementation, for the report")
	kind := fs.String("kind", string(SayHi), "hi, hi4k or user")
	conc := fs.Int("c", 1, "concurrent callers")
	warmup := fs.Duration("warmup", time.Second, "warm-up before the measured window")
	dur := fs.Duration("d", 5*time.Second, "measured window")
	pid := fs.Int("server-pid", 0, "server process id (CPU time)")
	stats := fs.String("server-stats", "", "server stats endpoint host:port (allocations)")
	cpuProfile := fs.String("cpuprofile", "", "write this client's CPU profile of the measured window here")
	allocProfile := fs.String("allocprofile", "", "write this client's allocation profile here at the end")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	k, err := ParseKind(*kind)
	if err != nil || *target == "" {
		fmt.Fprintln(stderr, client+": need -target and a valid -kind:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	call, closeFn, err := dial(dctx, *target, k, *conc)
	cancel()
	if err != nil {
		fmt.Fprintln(stderr, client+": dial:", err)
		return 1
	}
	defer closeFn()
	cfg := Config{Client: client, Target: *label, Kind: k, Conc: *conc, Warmup: *warmup,
		Duration: *dur, ServerPID: *pid, StatsAddr: *stats}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, client+":", err)
			return 1
		}
		defer f.Close()
		cfg.OnWindow = func(start bool) {
			if start {
				pprof.StartCPUProfile(f)
			} else {
				pprof.StopCPUProfile()
			}
		}
	}
	r, err := Run(ctx, cfg, call)
	if *allocProfile != "" {
		if f, ferr := os.Create(*allocProfile); ferr == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, client+":", err)
		return 1
	}
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	return 0
}

// WaitFirst retries call until it succeeds or ctx ends: the first call of a
// client may come before its connection is ready.
func WaitFirst(ctx context.Context, call Caller) error {
	for {
		err := call(ctx, 0)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("first call: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
