package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// Binaries are the programs a run uses.
type Binaries struct {
	BenchServer string // cmd/benchserver
	BenchClient string // cmd/benchclient
	Dubbogo     string // dubbogo/ (its own module); "" when not built
	Java        string // java executable; "" when absent
	JavaDir     string // the interop helper's Dubbo 3 peer (target/dubbo3: classes, classpath.txt)
	JavaClient  bool   // the Java load generator (LoadGen) is in JavaDir
	Missing     map[string]string
}

func (b Binaries) client(name string) error {
	switch {
	case name == "dubbogo" && b.Dubbogo == "":
		return fmt.Errorf("dubbo-go peer not built: %s", b.Missing["dubbogo"])
	case name == "java" && !b.JavaClient:
		return fmt.Errorf("Java load generator not built: %s", b.Missing["javaclient"])
	}
	return nil
}

// JavaLoadGenClass is the Java load generator's main class, built with the
// Java peer (integration/java/peer, by integration/setup.sh).
const JavaLoadGenClass = "org.apache.dubbo.samples.peer.LoadGen"

// Build builds the programs of the harness into out. benchDir is
// integration/bench. The dubbo-go peer is built only if withDubbogo; the Java
// provider is used from the interop helper's build (integration/setup.sh)
// when it is there.
func Build(ctx context.Context, benchDir, out string, withDubbogo bool) (Binaries, error) {
	b := Binaries{Missing: map[string]string{}}
	gobuild := func(dir, bin, pkg string) error {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, o)
		}
		return nil
	}
	b.BenchServer, b.BenchClient = filepath.Join(out, "benchserver"), filepath.Join(out, "benchclient")
	if err := gobuild(benchDir, b.BenchServer, "./cmd/benchserver"); err != nil {
		return b, err
	}
	if err := gobuild(benchDir, b.BenchClient, "./cmd/benchclient"); err != nil {
		return b, err
	}
	if withDubbogo {
		bin := filepath.Join(out, "dubbogo")
		if err := gobuild(filepath.Join(benchDir, "dubbogo"), bin, "."); err != nil {
			b.Missing["dubbogo"] = err.Error()
		} else {
			b.Dubbogo = bin
		}
	} else {
		b.Missing["dubbogo"] = "not requested"
	}
	b.JavaDir = filepath.Join(benchDir, "..", "java", "peer", "target", "dubbo3")
	if java, err := exec.LookPath("java"); err != nil {
		b.Missing["java"] = "no java on PATH"
	} else if _, err := os.Stat(filepath.Join(b.JavaDir, "classpath.txt")); err != nil {
		b.Missing["java"] = "Java Dubbo 3 peer not built (run integration/setup.sh)"
	} else {
		b.Java = java
		cls := filepath.Join(b.JavaDir, "classes", filepath.FromSlash(strings.ReplaceAll(JavaLoadGenClass, ".", "/"))+".class")
		if _, err := os.Stat(cls); err != nil {
			b.Missing["javaclient"] = "no LoadGen in the Java peer's build (run integration/setup.sh)"
		} else {
			b.JavaClient = true
		}
	}
	if b.Java == "" {
		b.Missing["javaclient"] = b.Missing["java"]
	}
	return b, nil
}

// server is a running server process.
type server struct {
	name  string
	cmd   *exec.Cmd
	addr  string
	stats string // "" for Java
	out   *tail
	done  chan struct{}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) stop() {
	if s == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// tail keeps the last bytes a process wrote to stderr.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8192 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-4096:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// JavaArgv is the command line of the Java Dubbo 3 provider on port: the
// JIT at full tiering and a fixed heap, as a service runs.
func JavaArgv(b Binaries, port int) ([]string, error) {
	return javaArgv(b, "512m", "org.apache.dubbo.samples.peer.Provider", "--port", strconv.Itoa(port), "--registry", "none")
}

// javaArgv is a java command line running class with the Dubbo 3 peer's
// class path and a fixed heap.
func javaArgv(b Binaries, heap, class string, args ...string) ([]string, error) {
	cp, err := os.ReadFile(filepath.Join(b.JavaDir, "classpath.txt"))
	if err != nil {
		return nil, err
	}
	argv := []string{b.Java, "-Xms" + heap, "-Xmx" + heap,
		"--add-opens", "java.base/java.lang=ALL-UNNAMED",
		"--add-opens", "java.base/java.util=ALL-UNNAMED",
		"--add-opens", "java.base/java.math=ALL-UNNAMED",
		"--add-opens", "java.base/java.net=ALL-UNNAMED",
		"-cp", filepath.Join(b.JavaDir, "classes") + string(os.PathListSeparator) + strings.TrimSpace(string(cp)),
		class}
	return append(argv, args...), nil
}

// startServer starts the server of one implementation and waits for its
// "ready <addr> [<stats addr>]" line.
func startServer(ctx context.Context, b Binaries, name string, log *slog.Logger) (*server, error) {
	var argv []string
	switch name {
	case "pulse", "grpc", "raw", "rawepoll":
		argv = []string{b.BenchServer, "-kind", name}
	case "dubbogo":
		if b.Dubbogo == "" {
			return nil, fmt.Errorf("dubbo-go peer not built: %s", b.Missing["dubbogo"])
		}
		argv = []string{b.Dubbogo, "provider"}
	case "java":
		if b.Java == "" {
			return nil, errors.New(b.Missing["java"])
		}
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		if argv, err = JavaArgv(b, port); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown server %q", name)
	}
	return startServerArgv(ctx, name, argv, log)
}

// startServerArgv starts a server program and waits for its ready line.
func startServerArgv(ctx context.Context, name string, argv []string, log *slog.Logger) (*server, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s := &server{name: name, cmd: cmd, out: new(tail), done: make(chan struct{})}
	cmd.Stderr = s.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	timeout := time.NewTimer(2 * time.Minute) // a JVM starts slowly on a loaded machine
	defer timeout.Stop()
	for {
		select {
		case l := <-lines:
			f := strings.Fields(l)
			if len(f) < 2 || f[0] != "ready" {
				continue
			}
			s.addr = f[1]
			if len(f) > 2 {
				s.stats = f[2]
			}
			log.Info("server ready", "server", name, "pid", s.pid(), "addr", s.addr, "stats", s.stats)
			return s, nil
		case <-s.done:
			return nil, fmt.Errorf("%s server exited before it was ready: %s", name, s.out)
		case <-timeout.C:
			s.stop()
			return nil, fmt.Errorf("%s server not ready in 2 minutes: %s", name, s.out)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		}
	}
}

// runClient runs one client program for one point and reads its report.
func runClient(ctx context.Context, b Binaries, p Pair, s *server, k loadgen.Kind, conc int, warmup, d time.Duration) (loadgen.Report, error) {
	var r loadgen.Report
	select {
	case <-s.done:
		return r, fmt.Errorf("%s server is gone: %s", s.name, s.out)
	default:
	}
	args := []string{"-target", s.addr, "-label", s.name, "-kind", string(k), "-c", strconv.Itoa(conc),
		"-warmup", warmup.String(), "-d", d.String(), "-server-pid", strconv.Itoa(s.pid())}
	if s.stats != "" {
		args = append(args, "-server-stats", s.stats)
	}
	var argv []string
	switch p.Client {
	case "dubbogo":
		argv = append([]string{b.Dubbogo, "client"}, args...)
	default:
		argv = append([]string{b.BenchClient, p.Client}, args...)
	}
	cctx, cancel := context.WithTimeout(ctx, warmup+d+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, argv[0], argv[1:]...)
	var stdout bytes.Buffer
	stderr := new(tail)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Run(); err != nil {
		return r, fmt.Errorf("%s client: %v: %s", p.Client, err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("%s client printed no report: %v: %q", p.Client, err, stdout.String())
	}
	return r, nil
}

func numCPU() int { return runtime.NumCPU() }

// javaClient is the Java load generator (LoadGen --serve), one JVM for the
// whole run so that its JIT warms up once, as the Java provider's does: it
// measures one point per line on its stdin and answers with a report line.
type javaClient struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	out   *tail
	done  chan struct{}
}

// startJavaClient starts the Java load generator and waits for its "ready".
func startJavaClient(ctx context.Context, b Binaries, log *slog.Logger) (*javaClient, error) {
	argv, err := javaArgv(b, "256m", JavaLoadGenClass, "--serve")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	j := &javaClient{cmd: cmd, lines: make(chan string, 16), out: new(tail), done: make(chan struct{})}
	cmd.Stderr = j.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if j.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if l != "ready" && !strings.HasPrefix(l, "{") && !strings.HasPrefix(l, "error ") {
				continue // Dubbo's own lines, if any
			}
			select {
			case j.lines <- l:
			case <-j.done:
			}
		}
		cmd.Wait()
		close(j.done)
	}()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	select {
	case <-j.lines:
		log.Info("java client ready", "pid", cmd.Process.Pid)
		return j, nil
	case <-j.done:
		return nil, fmt.Errorf("java client exited before it was ready: %s", j.out)
	case <-timeout.C:
	case <-ctx.Done():
	}
	j.stop()
	return nil, fmt.Errorf("java client not ready: %s", j.out)
}

// alive reports whether the JVM is still running.
func (j *javaClient) alive() bool {
	select {
	case <-j.done:
		return false
	default:
		return true
	}
}

// point measures one point; a point that does not answer in time kills the
// JVM (the next point starts another).
func (j *javaClient) point(ctx context.Context, s *server, k loadgen.Kind, conc int, warmup, d time.Duration) (loadgen.Report, error) {
	var r loadgen.Report
	args := []string{"--target", s.addr, "--label", s.name, "--kind", string(k), "--c", strconv.Itoa(conc),
		"--warmup-ms", strconv.FormatInt(warmup.Milliseconds(), 10), "--d-ms", strconv.FormatInt(d.Milliseconds(), 10),
		"--server-pid", strconv.Itoa(s.pid())}
	if s.stats != "" {
		args = append(args, "--server-stats", s.stats)
	}
	if _, err := io.WriteString(j.stdin, strings.Join(args, " ")+"\n"); err != nil {
		return r, fmt.Errorf("java client: %v: %s", err, j.out)
	}
	timeout := time.NewTimer(warmup + d + 2*time.Minute)
	defer timeout.Stop()
	select {
	case l := <-j.lines:
		if msg, ok := strings.CutPrefix(l, "error "); ok {
			return r, fmt.Errorf("java client: %s", msg)
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			return r, fmt.Errorf("java client printed no report: %v: %q", err, l)
		}
		return r, nil
	case <-j.done:
		return r, fmt.Errorf("java client exited: %s", j.out)
	case <-timeout.C:
		j.stop()
		return r, fmt.Errorf("java client: no report in time: %s", j.out)
	case <-ctx.Done():
		j.stop()
		return r, ctx.Err()
	}
}

// stop ends the JVM: end of stdin first, then SIGKILL to its group.
func (j *javaClient) stop() {
	if j == nil {
		return
	}
	j.stdin.Close()
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-j.cmd.Process.Pid, syscall.SIGKILL)
		<-j.done
	}
}

// clientRunner runs the client side of every point: a program per point for the
// Go clients, the one Java load generator for the Java client.
type clientRunner struct {
	bin  Binaries
	log  *slog.Logger
	java *javaClient
}

func (c *clientRunner) run(ctx context.Context, p Pair, s *server, k loadgen.Kind, conc int, warmup, d time.Duration) (loadgen.Report, error) {
	if p.Client != "java" {
		return runClient(ctx, c.bin, p, s, k, conc, warmup, d)
	}
	select {
	case <-s.done:
		return loadgen.Report{}, fmt.Errorf("%s server is gone: %s", s.name, s.out)
	default:
	}
	if c.java == nil || !c.java.alive() {
		j, err := startJavaClient(ctx, c.bin, c.log)
		if err != nil {
			return loadgen.Report{}, err
		}
		c.java = j
	}
	return c.java.point(ctx, s, k, conc, warmup, d)
}

func (c *clientRunner) close() { c.java.stop() }
