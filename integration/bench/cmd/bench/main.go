// Command bench runs Pulse's benchmark: every pair of client and server at
// every concurrency level, in one run on loopback, and writes results.md
// (tables, ratios against each peer, the targets), results.json
// (every run) and chart.png (calls/s and p99 by concurrency) into -out.
//
//	go run ./cmd/bench -d 10s -runs 3 -out results            (from integration/bench)
//	go run ./cmd/bench -idle 10000 -idle-window 30s -runs 3 -out results  (heartbeat cost: pulse, dubbogo, raw)
//
// Pairs are client:server (or one name for both): pulse, dubbogo, java (the
// Java Dubbo 3 peer's provider, and its load generator LoadGen as the
// client), grpc and raw; the Dubbo clients call any Dubbo server.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse/integration/bench/harness"
	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

func main() {
	pairs := flag.String("pairs", "pulse,dubbogo,pulse:java,java,java:pulse,grpc,raw", "client:server pairs")
	kinds := flag.String("kinds", "hi,hi4k,user", "calls: hi, hi4k, user")
	concs := flag.String("c", "1,16,64,256", "concurrency levels")
	otherConcs := flag.String("c-other", "64,256", "concurrency levels of hi4k and user (\"\": as -c)")
	runs := flag.Int("runs", 3, "runs of each point")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up before each point")
	dur := flag.Duration("d", 10*time.Second, "measured window of each point")
	prewarm := flag.Duration("prewarm", 15*time.Second, "warm-up of each pair and kind before the runs (JIT)")
	out := flag.String("out", "results", "output directory")
	idle := flag.Int("idle", 0, "instead: heartbeat cost with this many idle connections")
	idleServers := flag.String("idle-servers", "pulse,dubbogo,raw,rawepoll", "providers for -idle (raw: the floor of a goroutine per connection; rawepoll: of one epoll loop)")
	idleWindow := flag.Duration("idle-window", 40*time.Second, "measured window for -idle")
	replot := flag.String("replot", "", "instead: rewrite results.md and chart.png in -out from this results.json")
	flag.Parse()
	if *replot != "" {
		if err := rewrite(*replot, *out); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*pairs, *kinds, *concs, *otherConcs, *runs, *warmup, *dur, *prewarm, *out, *idle, *idleServers, *idleWindow); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(pairSpec, kindSpec, concSpec, otherSpec string, runs int, warmup, dur, prewarm time.Duration, out string, idle int, idleServers string, idleWindow time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	pairs, err := harness.ParsePairs(pairSpec)
	if err != nil {
		return err
	}
	var ks []loadgen.Kind
	for _, s := range strings.Split(kindSpec, ",") {
		k, err := loadgen.ParseKind(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		ks = append(ks, k)
	}
	cs, err := parseConcs(concSpec)
	if err != nil {
		return err
	}
	kindConcs := map[loadgen.Kind][]int{}
	if otherSpec != "" {
		other, err := parseConcs(otherSpec)
		if err != nil {
			return err
		}
		kindConcs[loadgen.SayHi4K], kindConcs[loadgen.GetUser] = other, other
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	benchDir, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "pulse-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	withDubbogo := strings.Contains(pairSpec, "dubbogo") || (idle > 0 && strings.Contains(idleServers, "dubbogo"))
	rev := revision(benchDir)
	log.Info("building", "revision", rev)
	bin, err := harness.Build(ctx, benchDir, tmp, withDubbogo)
	if err != nil {
		return err
	}
	command := "go run ./cmd/bench " + strings.Join(os.Args[1:], " ")

	if idle > 0 {
		rs := harness.Idle(ctx, bin, strings.Split(idleServers, ","), idle, time.Second, idleWindow, runs, log)
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Heartbeat cost: %d idle connections, 1 s heartbeat\n\n- date: %s (UTC)\n- command: `%s` (from integration/bench)\n- the connections are Pulse exchange clients in a second process; the provider's CPU is utime+stime over the window\n- raw is the floor of a goroutine per connection: the harness's raw echo server, answering each heartbeat with one write; rawepoll is the floor of any design: one epoll loop, one read and one write per heartbeat, no Go netpoller\n\n",
			idle, time.Now().UTC().Format("2006-01-02 15:04"), command)
		harness.WriteIdleMarkdown(&b, rs)
		os.Stdout.Write(b.Bytes())
		return os.WriteFile(filepath.Join(out, "heartbeat.md"), b.Bytes(), 0o644)
	}

	res, err := harness.Run(ctx, harness.Options{Pairs: pairs, Kinds: ks, Concs: cs, KindConcs: kindConcs, Runs: runs, Warmup: warmup,
		Duration: dur, PreWarm: prewarm, Bin: bin, Log: log, Progress: os.Stdout})
	if res == nil {
		return err
	}
	res.Command = command + " (from integration/bench)"
	res.Revision = rev
	if err := res.WriteJSON(filepath.Join(out, "results.json")); err != nil {
		return err
	}
	if werr := write(res, out); werr != nil {
		return werr
	}
	return err
}

// rewrite draws the table and the chart again from a results.json.
func rewrite(from, out string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var res harness.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	return write(&res, out)
}

// write writes chart.png and results.md of a run into out.
func write(res *harness.Result, out string) error {
	log := slog.Default()
	chart := ""
	if len(res.Points) > 0 {
		if cerr := res.WriteChart(filepath.Join(out, "chart.png")); cerr != nil {
			log.Warn("no chart", "err", cerr)
		} else {
			chart = "chart.png"
		}
	}
	var b bytes.Buffer
	res.WriteMarkdown(&b, chart)
	if err := os.WriteFile(filepath.Join(out, "results.md"), b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", filepath.Join(out, "results.md"))
	return nil
}

// revision names the commit the programs were built from, "+ uncommitted
// changes" when the work tree differs from it.
func revision(dir string) string {
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%h %cI").Output()
	if err != nil {
		return ""
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no", "../..").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += " + uncommitted changes in the work tree"
	}
	return rev
}

func parseConcs(spec string) ([]int, error) {
	var cs []int
	for _, s := range strings.Split(spec, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			return nil, fmt.Errorf("bad concurrency %q", s)
		}
		cs = append(cs, c)
	}
	return cs, nil
}
