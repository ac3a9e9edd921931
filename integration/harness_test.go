package integration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines: generous, because a JVM starts slowly on a loaded 2-core machine.
const (
	startTimeout = 90 * time.Second // until a peer prints its ready line
	runTimeout   = 90 * time.Second // until a one-shot peer exits
)

// Paths found or built by TestMain.
var (
	integrationDir string // this module's directory
	mainDir        string // the Pulse module (..)
	buildDir       string // integration/.build, written by setup.sh
	sampleBin      = map[string]string{}
	sampleErr      = map[string]error{} // why a sample is unusable
	sampleMissing  = map[string]bool{}  // not on main yet
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	integrationDir = wd
	mainDir = filepath.Dir(wd)
	buildDir = filepath.Join(wd, ".build")
	tmp, err := os.MkdirTemp("", "pulse-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if hostsPath != "" {
			os.Remove(hostsPath)
		}
	}()
	for _, name := range []string{"provider", "consumer"} {
		buildSample(tmp, name)
	}
	return m.Run()
}

// buildSample builds samples/<name> of the main module into dir.
func buildSample(dir, name string) {
	src := filepath.Join(mainDir, "samples", name, "main.go")
	if _, err := os.Stat(src); err != nil {
		sampleMissing[name] = true
		sampleErr[name] = fmt.Errorf("samples/%s is not built yet (no %s)", name, src)
		return
	}
	out := filepath.Join(dir, name)
	args := []string{"build", "-o", out}
	if os.Getenv("PULSE_SAMPLES_RACE") == "1" {
		// Opt-in: the samples under the race detector, against real peers.
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./samples/"+name)...)
	cmd.Dir = mainDir
	if b, err := cmd.CombinedOutput(); err != nil {
		sampleErr[name] = fmt.Errorf("go build ./samples/%s: %v\n%s", name, err, b)
		return
	}
	sampleBin[name] = out
}

// requireSample returns the path of a built sample program, skipping the test
// while the sample is not on main yet and failing it if the sample does not build.
func requireSample(t *testing.T, name string) string {
	t.Helper()
	if sampleMissing[name] {
		t.Skipf("SKIP: %v", sampleErr[name])
	}
	if err := sampleErr[name]; err != nil {
		t.Fatalf("%v", err)
	}
	return sampleBin[name]
}

// missingPeer skips (laptop) or fails (CI, PULSE_REQUIRE_PEERS=1) a test whose peer is absent.
func missingPeer(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("PULSE_REQUIRE_PEERS") == "1" {
		t.Fatalf("PEER MISSING (PULSE_REQUIRE_PEERS=1): %s; run integration/setup.sh", msg)
	}
	t.Skipf("!!! PEER MISSING, TEST SKIPPED: %s; run integration/setup.sh (PULSE_REQUIRE_PEERS=1 makes this a failure)", msg)
}

func requireTool(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		missingPeer(t, "%s is not installed", tool)
	}
	return p
}

func requireFile(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missingPeer(t, "%s is not built (%s)", what, path)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// proc is a peer running as a real process in its own session and process
// group. Its stdout is kept line by line; stderr is kept for failure reports.
type proc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd

	stdin io.WriteCloser

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced on every new line and at exit
	stderr  bytes.Buffer
	exited  bool
	waitErr error
	done    chan struct{}
}

// startProc starts argv[0] with args, env added to the test's environment.
// t.Cleanup kills the whole process group (SIGCONT first, in case the test
// stopped it) and, if the test failed, logs the peer's output.
func startProc(t *testing.T, name string, dir string, env []string, argv ...string) *proc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	p := &proc{t: t, name: name, cmd: cmd, changed: make(chan struct{}), done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go p.read(stdout)
	t.Cleanup(func() {
		p.kill()
		p.mu.Lock()
		raced := strings.Contains(p.stderr.String(), "WARNING: DATA RACE")
		p.mu.Unlock()
		if raced {
			t.Errorf("%s reported a data race", name)
		}
		if t.Failed() || os.Getenv("PULSE_PEER_LOGS") == "1" {
			p.mu.Lock()
			t.Logf("--- %s stdout:\n%s\n--- %s stderr:\n%s", name, strings.Join(p.lines, "\n"), name, tail(p.stderr.String(), 16000))
			p.mu.Unlock()
		}
	})
	return p
}

// tail keeps the start and the end of a long output (n bytes in all).
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n/2] + "\n[...]\n" + s[len(s)-n/2:]
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (p *proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited, p.waitErr = true, err
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	close(p.done)
}

// waitLine waits for a stdout line starting with prefix and returns it.
func (p *proc) waitLine(prefix string, timeout time.Duration) string {
	p.t.Helper()
	l, err := p.awaitLine(prefix, timeout)
	if err != nil {
		p.t.Fatal(err)
	}
	return l
}

// awaitLine is waitLine returning an error instead of failing the test.
func (p *proc) awaitLine(prefix string, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if strings.HasPrefix(p.lines[seen], prefix) {
				l := p.lines[seen]
				p.mu.Unlock()
				return l, nil
			}
		}
		exited, err, ch := p.exited, p.waitErr, p.changed
		p.mu.Unlock()
		if exited {
			return "", fmt.Errorf("%s exited (%v) before printing %q", p.name, err, prefix)
		}
		select {
		case <-ch:
		case <-deadline.C:
			return "", fmt.Errorf("%s did not print %q within %v", p.name, prefix, timeout)
		}
	}
}

// portTaken reports whether the process said its port was in use.
func (p *proc) portTaken() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	all := strings.ToLower(p.stderr.String() + strings.Join(p.lines, "\n"))
	return strings.Contains(all, "address already in use")
}

// startListening starts a peer that listens on a port of its own: start gets
// a port that was free a moment ago, and the peer must print a line starting
// with "ready". If another process took the port in between (this machine is
// shared), it tries again with another port.
func startListening(t *testing.T, start func(port int) *proc) (*proc, int) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		p := start(port)
		_, err := p.awaitLine("ready", startTimeout)
		if err == nil {
			return p, port
		}
		if attempt < 4 && p.portTaken() {
			t.Logf("%s: port %d taken meanwhile, trying another", p.name, port)
			p.kill()
			continue
		}
		t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its error (nil for status 0).
func (p *proc) wait(timeout time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%s still running after %v", p.name, timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// mustSucceed waits for a one-shot peer and fails the test unless it exited 0.
func (p *proc) mustSucceed(timeout time.Duration) []string {
	p.t.Helper()
	if err := p.wait(timeout); err != nil {
		p.t.Fatalf("%s failed: %v", p.name, err)
	}
	return p.output()
}

func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// signal sends sig to the process (not its group).
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("signal %v to %s: %v", sig, p.name, err)
	}
}

// signalGroup sends sig to the process group (a JVM has many threads, but one process).
func (p *proc) signalGroup(sig syscall.Signal) {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.signalGroup(syscall.SIGCONT)
	p.signalGroup(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Logf("%s: no exit 10s after SIGKILL", p.name)
	}
}

// send writes a line to the process's stdin.
func (p *proc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write to %s: %v", p.name, err)
	}
}

// expectLines fails the test unless every want string is found in some output line.
func expectLines(t *testing.T, who string, out []string, want ...string) {
	t.Helper()
	all := strings.Join(out, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("%s output lacks %q; got:\n%s", who, w, all)
		}
	}
}

// eventually polls cond every 50 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
