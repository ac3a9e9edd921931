package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pulse-rpc/pulse/integration/bench/harness"
	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// TestSmoke runs the whole harness at a tiny size (Pulse, gRPC-go and the raw
// echo; dubbo-go too with PULSE_BENCH_DUBBOGO=1; the Java load generator
// against Pulse at one point when integration/setup.sh has built it) so that
// it cannot rot. It checks that every point made calls without errors and
// that the table and the chart are written; it asserts nothing about speed.
func TestSmoke(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	withDubbogo := os.Getenv("PULSE_BENCH_DUBBOGO") == "1"
	bin, err := harness.Build(ctx, wd, dir, withDubbogo)
	if err != nil {
		t.Fatal(err)
	}
	spec := "pulse,grpc,raw"
	if withDubbogo {
		spec += ",dubbogo,dubbogo:pulse"
	}
	pairs, err := harness.ParsePairs(spec)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	res, err := harness.Run(ctx, harness.Options{
		Pairs: pairs, Kinds: loadgen.Kinds, Concs: []int{1, 4},
		KindConcs: map[loadgen.Kind][]int{loadgen.GetUser: {2}},
		Runs:      1, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond,
		Bin: bin, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Progress: &progress,
	})
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) > 0 {
		t.Fatalf("notes: %v", res.Notes)
	}
	// pulse, grpc, raw: hi and hi4k at 2 levels; user (not raw) at 1.
	if want := len(pairs)*2*2 + (len(pairs) - 1); len(res.Points) != want {
		t.Fatalf("%d points, want %d", len(res.Points), want)
	}
	for _, p := range res.Points {
		if len(p.Runs) != 1 {
			t.Errorf("%s %s c=%d: %d runs, failures %v", p.Pair, p.Kind, p.Conc, len(p.Runs), p.Failed)
			continue
		}
		r := p.Runs[0]
		if r.Calls == 0 || r.Errors != 0 {
			t.Errorf("%s %s c=%d: %d calls, %d errors (%s)", p.Pair, p.Kind, p.Conc, r.Calls, r.Errors, r.FirstError)
		}
		if r.ServerCPUus < 0 {
			t.Errorf("%s %s c=%d: server CPU not measured", p.Pair, p.Kind, p.Conc)
		}
		if r.ServerAllocs < 0 {
			t.Errorf("%s %s c=%d: server allocations not measured", p.Pair, p.Kind, p.Conc)
		}
	}
	if err := res.WriteChart(filepath.Join(dir, "chart.png")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "chart.png")); err != nil || fi.Size() < 1000 {
		t.Fatalf("chart: %v", err)
	}
	var md bytes.Buffer
	res.WriteMarkdown(&md, "chart.png")
	for _, want := range []string{"## sayHi, small string", "| pulse | 4 |", "| grpc | 4 |", "| grpc | 2 |", "Targets of issue 7"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}

	t.Run("java", func(t *testing.T) { smokeJava(ctx, t, bin) })

	idle := harness.Idle(ctx, bin, []string{"pulse", "raw"}, 20, 200*time.Millisecond, time.Second, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(idle) != 2 || idle[0].Err != "" || idle[0].ServerRSSMiB <= 0 || idle[1].Err != "" {
		t.Fatalf("idle: %+v", idle)
	}
	var im bytes.Buffer
	harness.WriteIdleMarkdown(&im, idle)
	if !strings.Contains(im.String(), "| raw | 20 |") || !strings.Contains(im.String(), "| vs raw |") {
		t.Errorf("idle table lacks the raw floor or its ratio column:\n%s", im.String())
	}
	t.Logf("\n%s\n%s", md.String(), im.String())
}

// smokeJava runs the Java load generator (a JVM start, a few seconds) at one
// point against the Pulse provider, when the Java peer's build has it; CI
// (PULSE_REQUIRE_PEERS=1, after integration/setup.sh) requires it.
func smokeJava(ctx context.Context, t *testing.T, bin harness.Binaries) {
	if !bin.JavaClient {
		if os.Getenv("PULSE_REQUIRE_PEERS") == "1" {
			t.Fatalf("Java load generator missing: %s", bin.Missing["javaclient"])
		}
		t.Skipf("Java load generator missing: %s", bin.Missing["javaclient"])
	}
	pairs, err := harness.ParsePairs("java:pulse")
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	res, err := harness.Run(ctx, harness.Options{
		Pairs: pairs, Kinds: []loadgen.Kind{loadgen.GetUser}, Concs: []int{2},
		Runs: 1, Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond,
		Bin: bin, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Progress: &progress,
	})
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 || len(res.Points[0].Runs) != 1 {
		t.Fatalf("points %+v, notes %v", res.Points, res.Notes)
	}
	r := res.Points[0].Runs[0]
	if r.Client != "java" || r.Calls == 0 || r.Errors != 0 || r.ServerCPUus < 0 || r.ClientCPUus <= 0 || r.ServerAllocs < 0 || r.P99us <= 0 {
		t.Fatalf("java→pulse report: %+v", r)
	}
}
