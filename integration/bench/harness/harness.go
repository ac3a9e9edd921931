// Package harness drives the benchmark: it builds the client and server
// programs, starts every server once, runs each client against its server at
// each concurrency level (points interleaved, so that a noisy neighbour
// touches every peer alike), and aggregates the runs of each point into
// medians and spreads.
package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// Pair is one client implementation driving one server implementation.
type Pair struct {
	Client string // pulse, dubbogo, java, grpc, raw
	Server string // pulse, dubbogo, java, grpc, raw
}

// Name is "pulse" for pulse:pulse, "pulse→java" otherwise.
func (p Pair) Name() string {
	if p.Client == p.Server {
		return p.Client
	}
	return p.Client + "→" + p.Server
}

// Supports reports whether the pair makes calls of kind k: the raw echo's
// getUser would be its sayHi.
func (p Pair) Supports(k loadgen.Kind) bool {
	return k != loadgen.GetUser || p.Server != "raw"
}

// ParsePairs reads "pulse,dubbogo,pulse:java,grpc,raw".
func ParsePairs(s string) ([]Pair, error) {
	var out []Pair
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		c, srv, ok := strings.Cut(f, ":")
		if !ok {
			srv = c
		}
		if !slices.Contains(clients, c) || !slices.Contains(servers, srv) {
			return nil, fmt.Errorf("harness: unknown pair %q (clients %v, servers %v)", f, clients, servers)
		}
		if (c == "grpc") != (srv == "grpc") || (c == "raw") != (srv == "raw") {
			return nil, fmt.Errorf("harness: %s client cannot call a %s server", c, srv)
		}
		out = append(out, Pair{Client: c, Server: srv})
	}
	return out, nil
}

var (
	clients = []string{"pulse", "dubbogo", "java", "grpc", "raw"}
	servers = []string{"pulse", "dubbogo", "java", "grpc", "raw"}
)

// Options configure a run.
type Options struct {
	Pairs []Pair
	Kinds []loadgen.Kind
	Concs []int
	// KindConcs, if set for a kind, replaces Concs for it (the big and POJO
	// calls at fewer levels keep a full run short).
	KindConcs map[loadgen.Kind][]int
	Runs      int
	Warmup    time.Duration // before each point's window
	Duration  time.Duration // each point's window
	PreWarm   time.Duration // once per pair and kind before the runs (JIT, pools); 0: none
	Bin       Binaries
	Log       *slog.Logger
	// Progress, if set, gets one line per finished point.
	Progress io.Writer
}

func (o *Options) concs(k loadgen.Kind) []int {
	if cs, ok := o.KindConcs[k]; ok && len(cs) > 0 {
		return cs
	}
	return o.Concs
}

// Point is the aggregate of the runs of one pair, kind and concurrency.
type Point struct {
	Pair    string           `json:"pair"`
	Kind    loadgen.Kind     `json:"kind"`
	Conc    int              `json:"conc"`
	Runs    []loadgen.Report `json:"runs"`
	Failed  []string         `json:"failed,omitempty"` // runs that produced no report
	Med     Stat             `json:"median"`
	Min     Stat             `json:"min"`
	Max     Stat             `json:"max"`
	Errors  uint64           `json:"errors"`
	Skipped string           `json:"skipped,omitempty"`
}

// Stat holds the figures of a point that get a median and a spread.
type Stat struct {
	CallsPerSec  float64 `json:"calls_per_sec"`
	P50us        float64 `json:"p50_us"`
	P99us        float64 `json:"p99_us"`
	P999us       float64 `json:"p999_us"`
	CPUus        float64 `json:"cpu_us_per_call"` // client + server; server -1 counts as 0
	ClientCPUus  float64 `json:"client_cpu_us_per_call"`
	ServerCPUus  float64 `json:"server_cpu_us_per_call"`
	ClientAllocs float64 `json:"client_allocs_per_call"`
	ServerAllocs float64 `json:"server_allocs_per_call"` // -1: not measured (Java)
}

// Result is a whole run.
type Result struct {
	Started  time.Time `json:"started"`
	Command  string    `json:"command"`
	Options  string    `json:"options"`
	Machine  string    `json:"machine"`
	Revision string    `json:"revision"` // of the tree the programs were built from
	Points   []*Point  `json:"points"`
	Notes    []string  `json:"notes,omitempty"`
	Finished time.Time `json:"finished"`
}

// Find returns the point of pair, kind and concurrency, or nil.
func (r *Result) Find(pair string, k loadgen.Kind, c int) *Point {
	for _, p := range r.Points {
		if p.Pair == pair && p.Kind == k && p.Conc == c {
			return p
		}
	}
	return nil
}

// Run measures every point.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Runs < 1 {
		o.Runs = 1
	}
	res := &Result{Started: time.Now().UTC(), Machine: machine(),
		Options: fmt.Sprintf("runs=%d warmup=%v duration=%v prewarm=%v (Java x3) conc=%v kinds=%v per-kind conc=%v", o.Runs, o.Warmup, o.Duration, o.PreWarm, o.Concs, o.Kinds, o.KindConcs)}

	// Start each server once.
	need := map[string]bool{}
	for _, p := range o.Pairs {
		need[p.Server] = true
	}
	procs := map[string]*server{}
	defer func() {
		for _, s := range procs {
			s.stop()
		}
	}()
	var pairs []Pair
	for _, p := range o.Pairs {
		s, ok := procs[p.Server]
		if !ok {
			var err error
			s, err = startServer(ctx, o.Bin, p.Server, o.Log)
			if err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("%s server not measured: %v", p.Server, err))
				o.Log.Warn("server not started", "server", p.Server, "err", err)
				procs[p.Server] = nil
				continue
			}
			procs[p.Server] = s
		}
		if s == nil {
			continue
		}
		if err := o.Bin.client(p.Client); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s client not measured: %v", p.Client, err))
			continue
		}
		pairs = append(pairs, p)
	}
	if len(pairs) == 0 {
		return res, errors.New("harness: no pair could be started")
	}

	for _, p := range pairs {
		for _, k := range o.Kinds {
			if !p.Supports(k) {
				continue
			}
			for _, c := range o.concs(k) {
				res.Points = append(res.Points, &Point{Pair: p.Name(), Kind: k, Conc: c})
			}
		}
	}

	cl := &clientRunner{bin: o.Bin, log: o.Log}
	defer cl.close()
	if o.PreWarm > 0 {
		for _, w := range prewarms(pairs, o.Kinds, o.PreWarm) {
			if _, err := cl.run(ctx, w.pair, procs[w.pair.Server], w.kind, 64, 0, w.d); err != nil {
				o.Log.Warn("pre-warm failed", "pair", w.pair.Name(), "kind", w.kind, "err", err)
			}
		}
	}

	for run := 0; run < o.Runs; run++ {
		for _, k := range o.Kinds {
			for _, c := range o.concs(k) {
				for _, p := range pairs {
					if !p.Supports(k) {
						continue
					}
					pt := res.Find(p.Name(), k, c)
					if err := ctx.Err(); err != nil {
						return res, err
					}
					r, err := cl.run(ctx, p, procs[p.Server], k, c, o.Warmup, o.Duration)
					if err != nil {
						pt.Failed = append(pt.Failed, err.Error())
						o.Log.Warn("point failed", "pair", p.Name(), "kind", k, "conc", c, "err", err)
					} else {
						r.Target = p.Server
						pt.Runs = append(pt.Runs, r)
					}
					if o.Progress != nil {
						fmt.Fprintf(o.Progress, "run %d/%d %-14s %-4s c=%-3d %s\n", run+1, o.Runs, p.Name(), k, c, progressLine(r, err))
					}
				}
			}
		}
	}
	for _, pt := range res.Points {
		pt.aggregate()
	}
	res.Finished = time.Now().UTC()
	return res, nil
}

type prewarm struct {
	pair Pair
	kind loadgen.Kind
	d    time.Duration
}

// prewarms lists the pre-warm calls of a run: for each kind, every server
// and the Java client (the one JVM of the run; a Go client is a fresh process
// at every point, so warming it would not last) get called for d by one
// pair, 3d when that warms a JVM (until the JIT has compiled the hot paths).
func prewarms(pairs []Pair, kinds []loadgen.Kind, d time.Duration) []prewarm {
	var out []prewarm
	for _, k := range kinds {
		warm := map[string]bool{} // "server:x", "client:java"
		for _, p := range pairs {
			if !p.Supports(k) {
				continue
			}
			server := !warm["server:"+p.Server]
			client := p.Client == "java" && !warm["client:java"]
			if !server && !client {
				continue
			}
			w := prewarm{p, k, d}
			if (server && p.Server == "java") || client {
				w.d = 3 * d
			}
			warm["server:"+p.Server] = true
			warm["client:"+p.Client] = true
			out = append(out, w)
		}
	}
	return out
}

func progressLine(r loadgen.Report, err error) string {
	if err != nil {
		return "FAILED: " + err.Error()
	}
	return fmt.Sprintf("%9.0f calls/s  p50 %7.0fus  p99 %7.0fus  p999 %7.0fus  cpu %5.1f+%5.1fus  allocs %5.1f+%5.1f  errors %d",
		r.CallsPerSec, r.P50us, r.P99us, r.P999us, r.ClientCPUus, r.ServerCPUus, r.ClientAllocs, r.ServerAllocs, r.Errors)
}

func (pt *Point) aggregate() {
	if len(pt.Runs) == 0 {
		return
	}
	stats := make([]Stat, len(pt.Runs))
	for i, r := range pt.Runs {
		srv := max(r.ServerCPUus, 0)
		stats[i] = Stat{CallsPerSec: r.CallsPerSec, P50us: r.P50us, P99us: r.P99us, P999us: r.P999us,
			CPUus: r.ClientCPUus + srv, ClientCPUus: r.ClientCPUus, ServerCPUus: r.ServerCPUus,
			ClientAllocs: r.ClientAllocs, ServerAllocs: r.ServerAllocs}
		pt.Errors += r.Errors
	}
	field := []func(*Stat) *float64{
		func(s *Stat) *float64 { return &s.CallsPerSec },
		func(s *Stat) *float64 { return &s.P50us },
		func(s *Stat) *float64 { return &s.P99us },
		func(s *Stat) *float64 { return &s.P999us },
		func(s *Stat) *float64 { return &s.CPUus },
		func(s *Stat) *float64 { return &s.ClientCPUus },
		func(s *Stat) *float64 { return &s.ServerCPUus },
		func(s *Stat) *float64 { return &s.ClientAllocs },
		func(s *Stat) *float64 { return &s.ServerAllocs },
	}
	for _, f := range field {
		vs := make([]float64, len(stats))
		for i := range stats {
			vs[i] = *f(&stats[i])
		}
		slices.Sort(vs)
		*f(&pt.Min), *f(&pt.Max) = vs[0], vs[len(vs)-1]
		n := len(vs)
		if n%2 == 1 {
			*f(&pt.Med) = vs[n/2]
		} else {
			*f(&pt.Med) = (vs[n/2-1] + vs[n/2]) / 2
		}
	}
}

// WriteJSON writes every report of the run.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func machine() string {
	var cpu string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, cpu, _ = strings.Cut(l, ":")
				cpu = strings.TrimSpace(cpu)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, %d logical CPUs, load average at start %s (host %s)", cpu, numCPU(), load, filepath.Base(host))
}
