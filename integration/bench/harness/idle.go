package harness

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// IdleResult is the heartbeat cost of one provider: conns idle connections
// with a heartbeat, held by a client in a second process.
type IdleResult struct {
	Server        string  `json:"server"`
	Conns         int     `json:"conns"`
	Heartbeat     string  `json:"heartbeat"`
	Window        float64 `json:"window_s"`
	ServerCPUPct  float64 `json:"server_cpu_pct_of_one_core"` // the median of the runs
	ServerCPUMin  float64 `json:"server_cpu_pct_min"`
	ServerCPUMax  float64 `json:"server_cpu_pct_max"`
	Runs          int     `json:"runs"`
	ClientCPUPct  float64 `json:"client_cpu_pct_of_one_core"`
	ServerRSSMiB  float64 `json:"server_rss_mib_max"`
	ServerRSSIdle float64 `json:"server_rss_mib_before"` // before the clients connected
	Err           string  `json:"error,omitempty"`
}

// Idle measures the heartbeat cost of each named server (pulse, dubbogo, raw,
// rawepoll):
// the Pulse exchange client of cmd/benchclient holds conns connections with
// heartbeat hb, then the server's CPU and RSS are read over window. With
// runs > 1 the servers take turns (a, b, c, a, b, c, ...), so that a slow
// spell of the machine does not fall on one of them only, and each result
// gives the median CPU of its runs with the lowest and highest.
func Idle(ctx context.Context, b Binaries, names []string, conns int, hb, window time.Duration, runs int, log *slog.Logger) []IdleResult {
	runs = max(runs, 1)
	all := make([][]IdleResult, len(names))
	for range runs {
		for i, name := range names {
			r := IdleResult{Server: name, Conns: conns, Heartbeat: hb.String(), Window: window.Seconds(), Runs: 1}
			if err := idleOne(ctx, b, name, conns, hb, window, log, &r); err != nil {
				r.Err = err.Error()
			}
			r.ServerCPUMin, r.ServerCPUMax = r.ServerCPUPct, r.ServerCPUPct
			all[i] = append(all[i], r)
		}
	}
	out := make([]IdleResult, len(names))
	for i, rs := range all {
		out[i] = medianIdle(rs)
	}
	return out
}

// medianIdle folds the runs of one server: the run with the median CPU
// stands for them, with the CPU range and the largest RSS of all; a failed
// run makes the result failed.
func medianIdle(rs []IdleResult) IdleResult {
	var ok []IdleResult
	for _, r := range rs {
		if r.Err != "" {
			return r
		}
		ok = append(ok, r)
	}
	slices.SortFunc(ok, func(a, b IdleResult) int { return cmp.Compare(a.ServerCPUPct, b.ServerCPUPct) })
	m := ok[len(ok)/2]
	m.Runs = len(ok)
	m.ServerCPUMin, m.ServerCPUMax = ok[0].ServerCPUPct, ok[len(ok)-1].ServerCPUPct
	for _, r := range ok {
		m.ServerRSSMiB = max(m.ServerRSSMiB, r.ServerRSSMiB)
	}
	return m
}

func idleOne(ctx context.Context, b Binaries, name string, conns int, hb, window time.Duration, log *slog.Logger, r *IdleResult) error {
	// The Pulse provider runs its heartbeat task at the same interval.
	s, err := startIdleServer(ctx, b, name, hb, log)
	if err != nil {
		return err
	}
	defer s.stop()
	if rss, err := loadgen.RSSBytes(s.pid()); err == nil {
		r.ServerRSSIdle = float64(rss) / (1 << 20)
	}
	hold := window + 2*time.Minute
	cmd := exec.CommandContext(ctx, b.BenchClient, "idle", "-target", s.addr, "-conns", strconv.Itoa(conns),
		"-heartbeat", hb.String(), "-hold", hold.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := new(tail)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	}()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-ready:
		if !ok {
			return fmt.Errorf("idle client failed: %s", stderr)
		}
	case <-time.After(3 * time.Minute):
		return fmt.Errorf("idle client not ready in 3 minutes: %s", stderr)
	}
	sleepCtx(ctx, 3*time.Second) // let the connect burst settle
	s0, _ := loadgen.CPUSeconds(s.pid())
	c0, _ := loadgen.CPUSeconds(cmd.Process.Pid)
	t0 := time.Now()
	var maxRSS int64
	for time.Since(t0) < window && ctx.Err() == nil {
		if v, err := loadgen.RSSBytes(s.pid()); err == nil {
			maxRSS = max(maxRSS, v)
		}
		sleepCtx(ctx, time.Second)
	}
	el := time.Since(t0).Seconds()
	s1, err1 := loadgen.CPUSeconds(s.pid())
	c1, err2 := loadgen.CPUSeconds(cmd.Process.Pid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("a process died during the window: server %v, client %v: %s %s", err1, err2, s.out, stderr)
	}
	r.Window = el
	r.ServerCPUPct = (s1 - s0) / el * 100
	r.ClientCPUPct = (c1 - c0) / el * 100
	r.ServerRSSMiB = float64(maxRSS) / (1 << 20)
	return nil
}

func startIdleServer(ctx context.Context, b Binaries, name string, hb time.Duration, log *slog.Logger) (*server, error) {
	if name == "pulse" {
		return startServerArgv(ctx, name, []string{b.BenchServer, "-kind", "pulse", "-heartbeat", hb.String()}, log)
	}
	return startServer(ctx, b, name, log)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// WriteIdleMarkdown writes the heartbeat-cost table, with each provider's
// CPU as a ratio of raw's (the floor: a goroutine per connection that
// answers each heartbeat with one write) and of dubbo-go's, when those ran.
func WriteIdleMarkdown(w io.Writer, rs []IdleResult) {
	base := map[string]float64{}
	for _, r := range rs {
		if r.Err == "" && r.ServerCPUPct > 0 {
			base[r.Server] = r.ServerCPUPct
		}
	}
	ratio := func(r IdleResult, peer string) string {
		b, ok := base[peer]
		if !ok || r.Err != "" {
			return "-"
		}
		return fmt.Sprintf("%.2fx", r.ServerCPUPct/b)
	}
	fmt.Fprintf(w, "| provider | idle connections | heartbeat | window | runs | provider CPU (%% of one core), median | range | vs raw | vs dubbogo | provider RSS before → max | client process CPU | error |\n")
	fmt.Fprintf(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %d | %s | %.0f s | %d | %.1f%% | %.1f-%.1f%% | %s | %s | %.0f → %.0f MiB | %.1f%% | %s |\n", r.Server, r.Conns, r.Heartbeat,
			r.Window, r.Runs, r.ServerCPUPct, r.ServerCPUMin, r.ServerCPUMax, ratio(r, "raw"), ratio(r, "dubbogo"), r.ServerRSSIdle, r.ServerRSSMiB, r.ClientCPUPct, r.Err)
	}
}
