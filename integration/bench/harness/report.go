package harness

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// Reference is the pair every other pair is compared with.
const Reference = "pulse"

// kindTitle names a kind in headings.
var kindTitle = map[loadgen.Kind]string{
	loadgen.SayHi:   "sayHi, small string",
	loadgen.SayHi4K: "sayHi, 4 KiB string",
	loadgen.GetUser: "getUser (POJO answer)",
}

// pairTitle explains a pair in the tables.
func pairTitle(name string) string {
	switch name {
	case "pulse":
		return "Pulse consumer → Pulse provider"
	case "dubbogo":
		return "dubbo-go v1.5.9 consumer → provider"
	case "grpc":
		return "gRPC-go unary calls, one ClientConn (sayHi: StringValue echo; getUser: a hand-encoded protobuf User)"
	case "java":
		return "Java Dubbo 3.3.6 consumer (LoadGen) → Java Dubbo 3.3.6 provider"
	case "java→pulse":
		return "Java Dubbo 3.3.6 consumer → Pulse provider"
	case "java→dubbogo":
		return "Java Dubbo 3.3.6 consumer → dubbo-go provider"
	case "raw":
		return "raw TCP echo, 16-byte framing, pipelined (ceiling)"
	case "pulse→java":
		return "Pulse consumer → Java Dubbo 3.3.6 provider"
	case "dubbogo→java":
		return "dubbo-go consumer → Java Dubbo 3.3.6 provider"
	case "pulse→dubbogo":
		return "Pulse consumer → dubbo-go provider"
	case "dubbogo→pulse":
		return "dubbo-go consumer → Pulse provider"
	}
	return name
}

func (r *Result) kinds() []loadgen.Kind {
	var ks []loadgen.Kind
	for _, p := range r.Points {
		if !slices.Contains(ks, p.Kind) {
			ks = append(ks, p.Kind)
		}
	}
	return ks
}

func (r *Result) pairs(k loadgen.Kind) []string {
	var ps []string
	for _, p := range r.Points {
		if p.Kind == k && !slices.Contains(ps, p.Pair) {
			ps = append(ps, p.Pair)
		}
	}
	return ps
}

func (r *Result) concs(k loadgen.Kind) []int {
	var cs []int
	for _, p := range r.Points {
		if p.Kind == k && !slices.Contains(cs, p.Conc) {
			cs = append(cs, p.Conc)
		}
	}
	slices.Sort(cs)
	return cs
}

func spread(med, lo, hi float64) string {
	if med == 0 {
		return ""
	}
	return fmt.Sprintf("±%.0f%%", math.Max(hi-med, med-lo)/med*100)
}

func us(v float64) string {
	switch {
	case v < 0:
		return "n/a"
	case v >= 10000:
		return fmt.Sprintf("%.1f ms", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2f ms", v/1000)
	}
	return fmt.Sprintf("%.0f µs", v)
}

func num(v float64) string {
	if v < 0 {
		return "n/a"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// WriteMarkdown writes the tables of the run: per kind, the figures of each
// pair by concurrency, then the ratios of Pulse to each peer, then the
// targets of the issue.
func (r *Result) WriteMarkdown(w io.Writer, chart string) {
	fmt.Fprintf(w, "# Pulse beside its peers, one run\n\n")
	fmt.Fprintf(w, "- date: %s (UTC), %s\n", r.Started.Format("2006-01-02 15:04"), r.Finished.Sub(r.Started).Round(1e9))
	fmt.Fprintf(w, "- command: `%s`\n", r.Command)
	fmt.Fprintf(w, "- %s\n", r.Options)
	if r.Revision != "" {
		fmt.Fprintf(w, "- built from: %s\n", r.Revision)
	}
	fmt.Fprintf(w, "- machine: %s\n", r.Machine)
	fmt.Fprintf(w, "- every figure is the median of the runs of its point; ± is the largest distance of a run from the median; CPU is utime+stime of the client and the server process over the measured window per call; allocations are heap objects per call (runtime/metrics; Java: n/a); the Java client is one JVM for the whole run (LoadGen --serve), pre-warmed 3x as long as a Go server, like the Java provider\n")
	for _, n := range r.Notes {
		fmt.Fprintf(w, "- note: %s\n", n)
	}
	if chart != "" {
		fmt.Fprintf(w, "\n![calls/s and p99 by concurrency](%s)\n", chart)
	}
	for _, k := range r.kinds() {
		fmt.Fprintf(w, "\n## %s\n\n", kindTitle[k])
		fmt.Fprintf(w, "| pair | c | calls/s | p50 | p99 | p999 | CPU µs/call (client+server) | allocs/call (client+server) | errors |\n")
		fmt.Fprintf(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, pair := range r.pairs(k) {
			for _, c := range r.concs(k) {
				p := r.Find(pair, k, c)
				if p == nil {
					continue
				}
				if len(p.Runs) == 0 {
					fmt.Fprintf(w, "| %s | %d | failed: %s | | | | | | |\n", pair, c, strings.Join(p.Failed, "; "))
					continue
				}
				m := p.Med
				srvAlloc := num(m.ServerAllocs)
				fmt.Fprintf(w, "| %s | %d | %.0f %s | %s | %s %s | %s | %.1f (%.1f+%s) | %s+%s | %d |\n",
					pair, c, m.CallsPerSec, spread(m.CallsPerSec, p.Min.CallsPerSec, p.Max.CallsPerSec),
					us(m.P50us), us(m.P99us), spread(m.P99us, p.Min.P99us, p.Max.P99us), us(m.P999us),
					m.CPUus, m.ClientCPUus, num(m.ServerCPUus), num(m.ClientAllocs), srvAlloc, p.Errors)
			}
		}
		r.writeRatios(w, k)
		r.writeSides(w, k)
	}
	r.writeTargets(w)
	fmt.Fprintf(w, "\nPairs:\n\n")
	for _, pair := range r.pairs(loadgen.SayHi) {
		fmt.Fprintf(w, "- %s: %s\n", pair, pairTitle(pair))
	}
}

func (r *Result) writeRatios(w io.Writer, k loadgen.Kind) {
	peers := slices.DeleteFunc(r.pairs(k), func(s string) bool { return s == Reference })
	if len(peers) == 0 || r.Find(Reference, k, r.concs(k)[0]) == nil {
		return
	}
	fmt.Fprintf(w, "\nPulse against each peer (%s): calls/s ratio (higher is better for Pulse); p99, CPU and allocations ratios (lower is better)\n\n", kindTitle[k])
	fmt.Fprintf(w, "| peer | c | calls/s | p99 | CPU/call | allocs/call |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, peer := range peers {
		for _, c := range r.concs(k) {
			a, b := r.Find(Reference, k, c), r.Find(peer, k, c)
			if a == nil || b == nil || len(a.Runs) == 0 || len(b.Runs) == 0 {
				continue
			}
			allocs := "n/a"
			if b.Med.ServerAllocs >= 0 && a.Med.ServerAllocs >= 0 && b.Med.ClientAllocs >= 0 && a.Med.ClientAllocs >= 0 {
				allocs = ratio(a.Med.ClientAllocs+a.Med.ServerAllocs, b.Med.ClientAllocs+b.Med.ServerAllocs)
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s |\n", peer, c, ratio(a.Med.CallsPerSec, b.Med.CallsPerSec),
				ratio(a.Med.P99us, b.Med.P99us), ratio(a.Med.CPUus, b.Med.CPUus), allocs)
		}
	}
}

// writeTargets checks the targets of issue 7 on sayHi.
func (r *Result) writeTargets(w io.Writer) {
	k := loadgen.SayHi
	type target struct {
		what string
		eval func(c int) (string, bool, bool) // figure, met, known
	}
	get := func(pair string, c int) *Point {
		p := r.Find(pair, k, c)
		if p == nil || len(p.Runs) == 0 {
			return nil
		}
		return p
	}
	cmpPairs := func(mine, peer string, fn func(a, b Stat) (float64, bool), format string) func(int) (string, bool, bool) {
		return func(c int) (string, bool, bool) {
			a, b := get(mine, c), get(peer, c)
			if a == nil || b == nil {
				return "", false, false
			}
			v, ok := fn(a.Med, b.Med)
			return fmt.Sprintf(format, v), ok, true
		}
	}
	cmp := func(peer string, fn func(a, b Stat) (float64, bool), format string) func(int) (string, bool, bool) {
		return cmpPairs(Reference, peer, fn, format)
	}
	ts := []target{
		{"calls/s ≥ 4x dubbo-go", cmp("dubbogo", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v >= 4 }, "%.2fx")},
		{"calls/s ≥ 1.4x gRPC-go", cmp("grpc", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v >= 1.4 }, "%.2fx")},
		{"calls/s ahead of Java Dubbo 3 (same Pulse client)", cmp("pulse→java", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v > 1 }, "%.2fx")},
		{"provider: calls/s ahead of Java Dubbo 3 (same Java client: java→pulse / java)", cmpPairs("java→pulse", "java", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v > 1 }, "%.2fx")},
		{"consumer: calls/s ahead of Java Dubbo 3 (same Pulse provider: pulse / java→pulse)", cmp("java→pulse", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v > 1 }, "%.2fx")},
		{"calls/s ≥ 50% of raw TCP", cmp("raw", func(a, b Stat) (float64, bool) { v := a.CallsPerSec / b.CallsPerSec; return v, v >= 0.5 }, "%.2fx")},
		{"p99 ≤ ¼ of dubbo-go's", cmp("dubbogo", func(a, b Stat) (float64, bool) { v := a.P99us / b.P99us; return v, v <= 0.25 }, "%.2fx")},
		{"p99 below gRPC-go's", cmp("grpc", func(a, b Stat) (float64, bool) { v := a.P99us / b.P99us; return v, v < 1 }, "%.2fx")},
		{"p99 below Java Dubbo 3's", cmp("pulse→java", func(a, b Stat) (float64, bool) { v := a.P99us / b.P99us; return v, v < 1 }, "%.2fx")},
		{"CPU/call (client+provider) ≤ 25 µs", func(c int) (string, bool, bool) {
			a := get(Reference, c)
			if a == nil {
				return "", false, false
			}
			return fmt.Sprintf("%.1f µs", a.Med.CPUus), a.Med.CPUus <= 25, true
		}},
		{"allocs/call ≤ ¼ of dubbo-go's", cmp("dubbogo", func(a, b Stat) (float64, bool) {
			v := (a.ClientAllocs + a.ServerAllocs) / (b.ClientAllocs + b.ServerAllocs)
			return v, v <= 0.25
		}, "%.2fx")},
	}
	concs := r.concs(k)
	if len(concs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Targets of issue 7 (sayHi, ratios of medians in this run)\n\n| target |")
	for _, c := range concs {
		fmt.Fprintf(w, " c=%d |", c)
	}
	fmt.Fprintf(w, "\n| --- |%s\n", strings.Repeat(" ---: |", len(concs)))
	for _, t := range ts {
		fmt.Fprintf(w, "| %s |", t.what)
		for _, c := range concs {
			v, ok, known := t.eval(c)
			switch {
			case !known:
				fmt.Fprintf(w, " n/a |")
			case ok:
				fmt.Fprintf(w, " %s met |", v)
			default:
				fmt.Fprintf(w, " %s **missed** |", v)
			}
		}
		fmt.Fprintln(w)
	}
}

// implTitle names an implementation in the side-by-side tables.
var implTitle = map[string]string{"pulse": "Pulse", "dubbogo": "dubbo-go", "java": "Java Dubbo 3"}

// writeSides compares one side at a time where the run has the pairs for
// it: the Pulse consumer against the other consumers calling the same
// provider (client CPU per call), and the Pulse provider against the other
// providers called by the same consumer (server CPU per call).
func (r *Result) writeSides(w io.Writer, k loadgen.Kind) {
	dubbo := []string{"pulse", "java", "dubbogo"}
	pairOf := func(client, server string) string {
		if client == server {
			return client
		}
		return client + "→" + server
	}
	type row struct{ fixed, other string }
	for _, side := range []string{"consumer", "provider"} {
		var rows []row
		for _, fixed := range dubbo {
			for _, other := range dubbo[1:] {
				a, b := pairOf(Reference, fixed), pairOf(other, fixed)
				if side == "provider" {
					a, b = pairOf(fixed, Reference), pairOf(fixed, other)
				}
				if slices.Contains(r.pairs(k), a) && slices.Contains(r.pairs(k), b) {
					rows = append(rows, row{fixed, other})
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		counter := map[string]string{"consumer": "provider", "provider": "consumer"}[side]
		fmt.Fprintf(w, "\nThe Pulse %s against another %s, the %s the same (%s): ratios of Pulse to the other; calls/s higher is better, CPU µs per call of the %s's process lower is better\n\n",
			side, side, counter, kindTitle[k], side)
		fmt.Fprintf(w, "| %s (same) | other %s | c | calls/s Pulse / other | %s CPU µs/call Pulse / other | ratio |\n| --- | --- | ---: | ---: | ---: | ---: |\n", counter, side, side)
		for _, rw := range rows {
			for _, c := range r.concs(k) {
				an, bn := pairOf(Reference, rw.fixed), pairOf(rw.other, rw.fixed)
				if side == "provider" {
					an, bn = pairOf(rw.fixed, Reference), pairOf(rw.fixed, rw.other)
				}
				a, b := r.Find(an, k, c), r.Find(bn, k, c)
				if a == nil || b == nil || len(a.Runs) == 0 || len(b.Runs) == 0 {
					continue
				}
				acpu, bcpu := a.Med.ClientCPUus, b.Med.ClientCPUus
				if side == "provider" {
					acpu, bcpu = a.Med.ServerCPUus, b.Med.ServerCPUus
				}
				fmt.Fprintf(w, "| %s | %s | %d | %s (%.0f / %.0f) | %s / %s | %s |\n", implTitle[rw.fixed], implTitle[rw.other], c,
					ratio(a.Med.CallsPerSec, b.Med.CallsPerSec), a.Med.CallsPerSec, b.Med.CallsPerSec, num(acpu), num(bcpu), ratio(acpu, bcpu))
			}
		}
	}
}
