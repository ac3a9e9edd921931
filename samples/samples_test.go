// Package samples_test builds the sample programs and runs them as real
// processes: the consumer against the provider over a direct URL, the
// consumer's failure exit, the provider's graceful exit on SIGTERM, and the
// demo of the README.
package samples_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// bins holds the sample programs, built once by TestMain.
var bins = map[string]string{}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pulse-samples")
	if err != nil {
		panic(err)
	}
	for _, n := range []string{"provider", "consumer", "demo"} {
		bin := filepath.Join(dir, n)
		if out, err := exec.Command("go", "build", "-o", bin, "./"+n).CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			panic("go build ./" + n + ": " + err.Error() + "\n" + string(out))
		}
		bins[n] = bin
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// The goroutines that read the children's output end with them.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// build returns the built sample programs.
func build(t *testing.T, names ...string) map[string]string {
	t.Helper()
	return bins
}

// provider is a running sample provider.
type provider struct {
	cmd    *exec.Cmd
	addr   string
	etcd   string // the embedded etcd's address, with --registry embedded
	stderr *bytes.Buffer
	exited chan error
}

func startProvider(t *testing.T, bin string, args ...string) *provider {
	t.Helper()
	cmd := exec.Command(bin, args...)
	p := &provider{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	etcd := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- a
			}
			if a, ok := strings.CutPrefix(sc.Text(), "etcd "); ok {
				etcd <- a
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
		}
	})
	select {
	case p.addr = <-ready:
		select {
		case p.etcd = <-etcd:
		default:
		}
	case err := <-p.exited:
		t.Fatalf("provider exited before it was ready: %v\n%s", err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("provider not ready after 30 s\n%s", p.stderr)
	}
	return p
}

func TestConsumerAgainstProviderDirect(t *testing.T) {
	bins := build(t, "provider", "consumer")
	p := startProvider(t, bins["provider"], "--listen", "127.0.0.1:0", "--registry", "none", "--heartbeat", "1s")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bins["consumer"], "--url", "dubbo://"+p.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("consumer: %v\n%s", err, out)
	}
	for _, want := range []string{
		`sayHi("pulse") = "hi, pulse"`,
		`getUser("u1") = {id: u1, name: Ada, age: 36, registered: 2020-01-02T03:04:05Z}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("consumer output lacks %q:\n%s", want, out)
		}
	}

	// SIGTERM: a graceful shutdown and exit status 0.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("provider exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("provider still running 30 s after SIGTERM\n%s", p.stderr)
	}
}

func TestConsumerThroughEmbeddedEtcd(t *testing.T) {
	bins := build(t, "provider", "consumer")
	p := startProvider(t, bins["provider"], "--listen", "127.0.0.1:0", "--registry", "embedded", "--heartbeat", "1s")
	if !strings.HasPrefix(p.etcd, "etcd://") {
		t.Fatalf("provider did not print its embedded etcd address (got %q)", p.etcd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bins["consumer"], "--registry", p.etcd).CombinedOutput()
	if err != nil {
		t.Fatalf("consumer: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `sayHi("pulse") = "hi, pulse"`) || !strings.Contains(string(out), "name: Ada") {
		t.Errorf("consumer output:\n%s", out)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("provider exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("provider still running 30 s after SIGTERM\n%s", p.stderr)
	}
}

func TestConsumerFailsClearly(t *testing.T) {
	bins := build(t, "consumer")
	// A port nothing listens on: the consumer gives up with a message.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins["consumer"], "--url", "dubbo://127.0.0.1:1", "--wait", "1s", "--timeout", "500ms")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err == nil || !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("consumer: err %v, want a non-zero exit\n%s", err, out)
	}
	if !strings.Contains(string(out), "consumer: sayHi:") {
		t.Errorf("no clear message:\n%s", out)
	}

	out, err = exec.CommandContext(ctx, bins["consumer"]).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "give exactly one of --url") {
		t.Errorf("consumer without flags: err %v\n%s", err, out)
	}
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs for about twenty seconds")
	}
	bins := build(t, "demo")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bins["demo"]).CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"freezing provider-B", "resuming provider-B", "demo: done"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// While B is frozen, the consumer must mark it down and route every
	// call to A; after SIGCONT, B serves again.
	frozen := s[strings.Index(s, "freezing provider-B"):strings.Index(s, "resuming provider-B")]
	if !strings.Contains(frozen, ">>> provider-B: ready -> connecting") {
		t.Errorf("the frozen provider was never marked down:\n%s", frozen)
	}
	resumed := s[strings.Index(s, "resuming provider-B"):]
	if !strings.Contains(resumed, "ok   provider-B") {
		t.Errorf("provider-B never served again after SIGCONT:\n%s", resumed)
	}
}
