package exchange

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startProviderProcess re-executes the test binary as a provider process
// (see TestMain) and returns it with its address.
func startProviderProcess(t *testing.T, addr string) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=provider", "PULSE_EXCHANGE_TEST_ADDR="+addr)
	return cmd, startCmd(t, cmd)
}

// startCmd starts a provider process and returns the address it printed.
func startCmd(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	return startCmdTimeout(t, cmd, 20*time.Second)
}

// startCmdTimeout starts a peer process and returns what follows "ready "
// on the line it prints once ready.
func startCmdTimeout(t *testing.T, cmd *exec.Cmd, wait time.Duration) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "ready ") || strings.HasPrefix(l, "error ") {
				lines <- l
			}
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if !ok || !strings.HasPrefix(l, "ready ") {
			t.Fatalf("provider process did not start: %q", l)
		}
		return strings.TrimPrefix(l, "ready ")
	case <-time.After(wait):
		t.Fatalf("peer process not ready in %v", wait)
	}
	return ""
}

// TestSIGSTOPProvider is scenario S1 with a real process: the client finds
// the stopped provider within the heartbeat timeout plus one tick, fails the
// calls in flight at once, writes no call into the frozen backlog, and is
// ready again soon after SIGCONT.
func TestSIGSTOPProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd, addr := startProviderProcess(t, "")
	c := startClient(t, addr, fastHB, fastBackoff)
	if _, err := call(c, 5*time.Second, "before"); err != nil {
		t.Fatal(err)
	}
	first := c.slots[0].cur.Load()
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "process stopped", func() bool { return processState(cmd.Process.Pid) == 'T' })
	stopped := time.Now()
	const n = 5
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { _, err := call(c, 30*time.Second, "frozen"); errs <- err }()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; !errors.Is(err, ErrConnectionLost) && !errors.Is(err, ErrNotReady) {
			t.Fatalf("call into a stopped provider: %v", err)
		}
	}
	detected := time.Since(stopped)
	t.Logf("SIGSTOPped provider detected, in-flight calls failed after %v (timeout 600ms + tick 67ms)", detected)
	if detected > 5*time.Second {
		t.Fatalf("detection took %v", detected)
	}
	waitFor(t, 5*time.Second, "reconnect into the backlog", func() bool {
		cur := c.slots[0].cur.Load()
		return cur != nil && cur != first
	})
	if _, err := call(c, time.Second, "backlog"); !errors.Is(err, ErrNotReady) {
		t.Fatalf("call while the provider is stopped: %v, want ErrNotReady", err)
	}
	cmd.Process.Signal(syscall.SIGCONT)
	cont := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatalf("not ready after SIGCONT: %v", err)
	}
	t.Logf("ready %v after SIGCONT", time.Since(cont))
	if _, err := call(c, 5*time.Second, "after"); err != nil {
		t.Fatal(err)
	}
}

// TestSIGKILLProviderReconnect: the provider process is killed, comes back on
// the same port, and calls succeed within a backoff step or so.
func TestSIGKILLProviderReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	cmd, addr := startProviderProcess(t, "")
	c := startClient(t, addr, fastHB, fastBackoff)
	if _, err := call(c, 5*time.Second, "before"); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	waitFor(t, 5*time.Second, "client notices the kill", func() bool { return c.State() != StateReady })
	start := time.Now()
	startProviderProcess(t, addr)
	back := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatalf("not ready after restart: %v", err)
	}
	t.Logf("provider restarted in %v; client ready %v after it was back (backoff max 300ms)", back.Sub(start), time.Since(back))
	if _, err := call(c, 5*time.Second, "after"); err != nil {
		t.Fatal(err)
	}
}

// processState reads the state letter of /proc/<pid>/stat ('T' when stopped).
func processState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// TestSIGSTOPConsumer is scenario S1 the other way round: a consumer process
// is stopped; the Server closes its connection within the heartbeat timeout
// plus a tick and frees its state.
func TestSIGSTOPConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	s := startServer(t, echo(), fastHB)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=consumer", "PULSE_EXCHANGE_TEST_ADDR="+s.Addr().String())
	local := startCmd(t, cmd)
	waitFor(t, 5*time.Second, "consumer connected", func() bool { return s.nconns.Load() == 1 })
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "process stopped", func() bool { return processState(cmd.Process.Pid) == 'T' })
	stopped := time.Now()
	waitFor(t, 10*time.Second, "server closes the stopped consumer", func() bool { return s.nconns.Load() == 0 })
	t.Logf("server closed the connection of a SIGSTOPped consumer (%s) after %v (timeout 600ms + tick 67ms)", local, time.Since(stopped))
	if n := s.sched.Len(); n != 0 {
		t.Fatalf("scheduler still holds %d connections", n)
	}
}
