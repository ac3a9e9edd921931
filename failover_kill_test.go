package pulse_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
	"github.com/pulse-rpc/pulse/samples/api"
)

// killTTL is the providers' registry lease TTL in this test (the registry's
// minimum is 2 s, its default 30 s).
const killTTL = 3 * time.Second

// childProvider is a samples/provider process.
type childProvider struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lockedBuffer
	exited chan struct{} // closed once Wait returned
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startChildProvider runs bin (samples/provider) registered in reg and
// waits for its "ready <addr>" line. Cleanup kills it and waits for it.
func startChildProvider(t *testing.T, bin, reg, name string) *childProvider {
	t.Helper()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--registry", reg, "--heartbeat", "1s", "--name", name)
	p := &childProvider{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				select {
				case ready <- a:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("provider %s not reaped 10 s after SIGKILL", name)
		}
	})
	select {
	case p.addr = <-ready:
	case <-p.exited:
		t.Fatalf("provider %s exited before it was ready\n%s", name, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("provider %s not ready after 30 s\n%s", name, p.stderr)
	}
	return p
}

// waitFor polls cond every 10 ms until it holds or d passes, and returns how
// long it took.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not after %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestFailoverProviderKilled is scenario S3 (users-and-reliability.md 2.3):
// three provider processes registered in etcd, 32 callers of an idempotent
// method with failover and 2 retries, one provider SIGKILLed under load.
// No call fails; the killed provider's connection stops being ready, its
// key leaves etcd when its lease expires, the client then drops its
// connection and never dials the address again.
func TestFailoverProviderKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs provider processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "provider")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./samples/provider").CombinedOutput(); err != nil {
		t.Fatalf("go build ./samples/provider: %v\n%s", err, out)
	}

	etcd, err := embedded.Start(ctx, embedded.WithLogger(quiet()), embedded.WithUnsafeNoFsync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { etcd.Close() }) // last: after the providers and the client
	hostPort := strings.TrimPrefix(etcd.Endpoint(), "http://")
	provReg := fmt.Sprintf("etcd://%s?ttl=%s", hostPort, killTTL)

	provs := make([]*childProvider, 3)
	for i := range provs {
		provs[i] = startChildProvider(t, bin, provReg, fmt.Sprintf("p%d", i))
	}

	kv, err := clientv3.New(clientv3.Config{Endpoints: etcd.Endpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	prefix := "/dubbo/" + api.GreetingsServiceName + "/providers/"
	registered := func() map[string]bool {
		resp, err := kv.Get(ctx, prefix, clientv3.WithPrefix())
		if err != nil {
			t.Logf("etcd get: %v", err)
			return nil
		}
		m := map[string]bool{}
		for _, e := range resp.Kvs {
			k, err := registry.ParseKey(string(e.Key))
			if err != nil {
				t.Fatalf("bad provider key %q: %v", e.Key, err)
			}
			m[k.URL.Address()] = true
		}
		return m
	}
	waitFor(t, 20*time.Second, "three provider keys in etcd", func() bool {
		m := registered()
		return len(m) == 3 && m[provs[0].addr] && m[provs[1].addr] && m[provs[2].addr]
	})

	cli := newClient(t, pulse.WithRegistry("etcd://"+hostPort), pulse.WithHeartbeat(time.Second))
	var stub api.GreetingsService
	if err := cli.Refer(api.GreetingsServiceName, &stub, pulse.Cluster("failover"), pulse.Retries(2),
		pulse.Idempotent(), pulse.Timeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	conn := func(addr string) (string, bool) {
		for _, c := range cli.Connections() {
			if c.Addr == addr {
				return c.State, true
			}
		}
		return "", false
	}
	// The first call waits for the registry's first answer and dials.
	if _, err := stub.SayHi(ctx, "warm-up"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "three ready connections", func() bool {
		for _, p := range provs {
			if st, _ := conn(p.addr); st != "ready" {
				return false
			}
		}
		return true
	})

	// 32 callers until stop.
	var ok, failed atomic.Int64
	var errMu sync.Mutex
	var firstErrs []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("c%d-%d", g, i)
				got, err := stub.SayHi(ctx, name)
				if err == nil && got == "hi, "+name {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				errMu.Lock()
				if len(firstErrs) < 5 {
					firstErrs = append(firstErrs, fmt.Sprintf("%q, %v", got, err))
				}
				errMu.Unlock()
			}
		}()
	}
	stopCallers := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopCallers) // before the client closes, on a Fatal

	waitFor(t, 30*time.Second, "500 calls before the kill", func() bool { return ok.Load() >= 500 })
	victim := provs[1]
	okAtKill := ok.Load()
	killed := time.Now()
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-victim.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("killed provider not reaped after 10 s")
	}

	notReady := waitFor(t, 10*time.Second, "killed provider's connection leaves ready", func() bool {
		st, _ := conn(victim.addr)
		return st != "ready"
	})
	waitFor(t, killTTL+20*time.Second, "killed provider's key leaves etcd", func() bool {
		m := registered()
		return m != nil && !m[victim.addr]
	})
	keyGone := time.Since(killed)
	connGone := waitFor(t, 10*time.Second, "killed provider's connection leaves the client", func() bool {
		_, present := conn(victim.addr)
		return !present
	})
	t.Logf("after SIGKILL: connection not ready within %v, key gone after %v (TTL %v), connection dropped %v later",
		notReady, keyGone, killTTL, connGone)

	// Take the dead address: a client that still dialled it would show up
	// here. (If the port was taken meanwhile, Connections alone tells.)
	var accepted atomic.Int64
	ln, lerr := net.Listen("tcp", victim.addr)
	if lerr != nil {
		t.Logf("cannot listen on %s (%v): checking Connections only", victim.addr, lerr)
	} else {
		acceptDone := make(chan struct{})
		go func() {
			defer close(acceptDone)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		defer func() { ln.Close(); <-acceptDone }()
	}

	// Keep calling: another 1,000 calls and at least 2 heartbeat intervals
	// (the client would have re-dialled within its reconnect backoff).
	okAfter := ok.Load()
	calmFrom := time.Now()
	waitFor(t, 30*time.Second, "1,000 calls after the removal", func() bool {
		if _, present := conn(victim.addr); present {
			t.Fatalf("client connects to %s again after its removal", victim.addr)
		}
		return ok.Load() >= okAfter+1000 && time.Since(calmFrom) >= 2*time.Second
	})
	stopCallers()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d calls failed; first: %v", n, n+ok.Load(), firstErrs)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("client dialled the removed provider's address %d times", n)
	}
	for _, p := range []*childProvider{provs[0], provs[2]} {
		if st, _ := conn(p.addr); st != "ready" {
			t.Errorf("surviving provider %s: connection %q, want ready", p.addr, st)
		}
	}
	t.Logf("calls: %d before the kill, %d in all, %d failed", okAtKill, ok.Load(), failed.Load())
}
