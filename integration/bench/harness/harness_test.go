package harness

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

func TestParsePairs(t *testing.T) {
	tests := []struct {
		spec    string
		want    []string
		wantErr bool
	}{
		{spec: "pulse,java:pulse,java,java:dubbogo,dubbogo:java", want: []string{"pulse", "java→pulse", "java", "java→dubbogo", "dubbogo→java"}},
		{spec: "grpc, raw", want: []string{"grpc", "raw"}},
		{spec: "java:grpc", wantErr: true},
		{spec: "raw:pulse", wantErr: true},
		{spec: "node", wantErr: true},
	}
	for _, tt := range tests {
		ps, err := ParsePairs(tt.spec)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err %v", tt.spec, err)
			continue
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name())
		}
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%q: %v, want %v", tt.spec, names, tt.want)
		}
	}
}

func TestSupports(t *testing.T) {
	for _, tt := range []struct {
		p    Pair
		k    loadgen.Kind
		want bool
	}{
		{Pair{"grpc", "grpc"}, loadgen.GetUser, true},
		{Pair{"raw", "raw"}, loadgen.GetUser, false},
		{Pair{"raw", "raw"}, loadgen.SayHi4K, true},
		{Pair{"java", "pulse"}, loadgen.GetUser, true},
	} {
		if got := tt.p.Supports(tt.k); got != tt.want {
			t.Errorf("%s %s: %v", tt.p.Name(), tt.k, got)
		}
	}
}

// TestPrewarms: each server and the Java client warm once per kind; a JVM
// gets three times as long.
func TestPrewarms(t *testing.T) {
	ps, err := ParsePairs("pulse,dubbogo:pulse,pulse:java,java,java:pulse,java:dubbogo,raw")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range prewarms(ps, []loadgen.Kind{loadgen.SayHi, loadgen.GetUser}, time.Second) {
		got = append(got, string(w.kind)+" "+w.pair.Name()+" "+w.d.String())
	}
	want := []string{
		"hi pulse 1s", "hi pulse→java 3s", "hi java 3s", "hi java→dubbogo 1s", "hi raw 1s",
		"user pulse 1s", "user pulse→java 3s", "user java 3s", "user java→dubbogo 1s",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("prewarms:\n got %v\nwant %v", got, want)
	}
}

// TestSideTables: with the cross pairs, results.md compares one side at a
// time; a Java client's allocations (-1) give no allocation ratio.
func TestSideTables(t *testing.T) {
	pt := func(pair string, cps, cli, srv, cliAlloc float64) *Point {
		p := &Point{Pair: pair, Kind: loadgen.SayHi, Conc: 64, Runs: []loadgen.Report{{CallsPerSec: cps, P99us: 1000,
			ClientCPUus: cli, ServerCPUus: srv, ClientAllocs: cliAlloc, ServerAllocs: 30}}}
		p.aggregate()
		return p
	}
	r := &Result{Points: []*Point{
		pt("pulse", 40000, 14, 17, 25), pt("java", 30000, 30, 20, -1), pt("java→pulse", 32000, 30, 16, -1),
		pt("pulse→java", 35000, 14, 20, 25),
	}}
	var b bytes.Buffer
	r.WriteMarkdown(&b, "")
	md := b.String()
	for _, want := range []string{
		"| Pulse | Java Dubbo 3 | 64 | 1.25x (40000 / 32000) | 14.0 / 30.0 | 0.47x |",
		"| Java Dubbo 3 | Java Dubbo 3 | 64 | 1.07x (32000 / 30000) | 16.0 / 20.0 | 0.80x |",
		"| java→pulse | 64 | 1.25x | 1.00x | 0.67x | n/a |",
		"| consumer: calls/s ahead of Java Dubbo 3 (same Pulse provider: pulse / java→pulse) | 1.25x met |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestMedianIdle(t *testing.T) {
	run := func(cpu, rss float64, err string) IdleResult {
		return IdleResult{Server: "pulse", ServerCPUPct: cpu, ServerRSSMiB: rss, Err: err, Runs: 1}
	}
	tests := []struct {
		name             string
		runs             []IdleResult
		cpu, lo, hi, rss float64
		n                int
		err              string
	}{
		{"one run", []IdleResult{run(16, 160, "")}, 16, 16, 16, 160, 1, ""},
		{"median of three", []IdleResult{run(18, 150, ""), run(14, 170, ""), run(16, 160, "")}, 16, 14, 18, 170, 3, ""},
		{"a failed run fails the result", []IdleResult{run(18, 150, ""), run(0, 0, "died")}, 0, 0, 0, 0, 1, "died"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := medianIdle(tt.runs)
			if m.Err != tt.err {
				t.Fatalf("err %q, want %q", m.Err, tt.err)
			}
			if tt.err != "" {
				return
			}
			if m.ServerCPUPct != tt.cpu || m.ServerCPUMin != tt.lo || m.ServerCPUMax != tt.hi || m.ServerRSSMiB != tt.rss || m.Runs != tt.n {
				t.Fatalf("got cpu %v [%v, %v] rss %v runs %d; want %v [%v, %v] %v %d", m.ServerCPUPct, m.ServerCPUMin, m.ServerCPUMax,
					m.ServerRSSMiB, m.Runs, tt.cpu, tt.lo, tt.hi, tt.rss, tt.n)
			}
		})
	}
}

func TestWriteIdleMarkdownRatios(t *testing.T) {
	row := func(name string, cpu float64) IdleResult {
		return IdleResult{Server: name, Conns: 10000, Heartbeat: "1s", Window: 30, Runs: 3, ServerCPUPct: cpu,
			ServerCPUMin: cpu, ServerCPUMax: cpu}
	}
	tests := []struct {
		name string
		rs   []IdleResult
		want []string
	}{
		{"against raw and dubbogo", []IdleResult{row("pulse", 16.2), row("dubbogo", 22.1), row("raw", 12.5)},
			[]string{"| pulse | 10000 | 1s | 30 s | 3 | 16.2% | 16.2-16.2% | 1.30x | 0.73x |", "| raw | 10000 | 1s | 30 s | 3 | 12.5% | 12.5-12.5% | 1.00x | 0.57x |"}},
		{"a floor too small to divide by", []IdleResult{row("pulse", 1), row("raw", 0)},
			[]string{"| pulse | 10000 | 1s | 30 s | 3 | 1.0% | 1.0-1.0% | - | - |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			WriteIdleMarkdown(&b, tt.rs)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
