package exchange

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// blackhole is a network namespace holding the provider, joined to the test's
// namespace by a veth pair, whose traffic can be dropped on both ends with a
// zero-length pfifo (no RST, no ICMP): a black hole.
type blackhole struct {
	t        *testing.T
	ns       string
	near     string // veth end in the test's namespace
	far      string // veth end inside ns
	nearAddr string
	farAddr  string
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newBlackhole sets up the namespace or skips the test saying why.
func newBlackhole(t *testing.T) *blackhole {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("black-hole test needs root (ip netns, tc)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("black-hole test needs iproute2 (ip)")
	}
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("black-hole test needs tc")
	}
	pid := os.Getpid()
	sub := 4 * (pid % 60) // a /30 of 192.0.2.0/24 (TEST-NET-1) per process
	b := &blackhole{t: t, ns: fmt.Sprintf("pulsebh%d", pid), near: fmt.Sprintf("pbn%d", pid), far: fmt.Sprintf("pbf%d", pid),
		nearAddr: fmt.Sprintf("192.0.2.%d", sub+1), farAddr: fmt.Sprintf("192.0.2.%d", sub+2)}
	if err := run("ip", "netns", "add", b.ns); err != nil {
		t.Skipf("cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() { run("ip", "netns", "del", b.ns) }) // takes the veth pair with it
	for _, cmd := range [][]string{
		{"ip", "link", "add", b.near, "type", "veth", "peer", "name", b.far},
		{"ip", "link", "set", b.far, "netns", b.ns},
		{"ip", "addr", "add", b.nearAddr + "/30", "dev", b.near},
		{"ip", "link", "set", b.near, "up"},
		{"ip", "netns", "exec", b.ns, "ip", "addr", "add", b.farAddr + "/30", "dev", b.far},
		{"ip", "netns", "exec", b.ns, "ip", "link", "set", b.far, "up"},
		{"ip", "netns", "exec", b.ns, "ip", "link", "set", "lo", "up"},
	} {
		if err := run(cmd...); err != nil {
			run("ip", "link", "del", b.near)
			t.Skipf("cannot set up the veth pair: %v", err)
		}
	}
	t.Cleanup(func() { run("ip", "link", "del", b.near) })
	return b
}

// drop turns the black hole on (true) or off on both ends.
func (b *blackhole) drop(on bool) {
	b.t.Helper()
	near := []string{"tc", "qdisc", "replace", "dev", b.near, "root", "pfifo", "limit", "0"}
	far := append([]string{"ip", "netns", "exec", b.ns}, "tc", "qdisc", "replace", "dev", b.far, "root", "pfifo", "limit", "0")
	if !on {
		near = []string{"tc", "qdisc", "del", "dev", b.near, "root"}
		far = append([]string{"ip", "netns", "exec", b.ns}, "tc", "qdisc", "del", "dev", b.far, "root")
	}
	for _, cmd := range [][]string{near, far} {
		if err := run(cmd...); err != nil {
			b.t.Fatal(err)
		}
	}
}

// startProvider runs the provider process inside the namespace.
func (b *blackhole) startProvider() string {
	b.t.Helper()
	cmd := exec.Command("ip", "netns", "exec", b.ns, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=provider", "PULSE_EXCHANGE_TEST_ADDR="+b.farAddr+":0")
	return startCmd(b.t, cmd)
}

// TestBlackHoledProvider is scenario S2: every packet to and from the
// provider is dropped. The heartbeat finds it within the timeout plus a
// tick; calls written into the hole fail with the connection (TCP_USER_TIMEOUT
// is the heartbeat timeout); after the hole closes the client is ready again.
func TestBlackHoledProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("network namespaces")
	}
	b := newBlackhole(t)
	addr := b.startProvider()
	c := startClient(t, addr, fastHB, fastBackoff, WithDialTimeout(300*time.Millisecond))
	if _, err := call(c, 5*time.Second, "before"); err != nil {
		t.Fatal(err)
	}
	cc := c.slots[0].cur.Load()
	so, err := transport.ReadSocketOptions(cc.conn)
	if err != nil {
		t.Fatal(err)
	}
	if so.UserTimeout != 600*time.Millisecond || !so.KeepAlive || !so.NoDelay {
		t.Fatalf("socket options %s: want user_timeout=600ms, keepalive, nodelay", so)
	}
	b.drop(true)
	dropped := time.Now()
	const n = 5
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { _, err := call(c, 30*time.Second, "into the hole"); errs <- err }()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; !errors.Is(err, ErrConnectionLost) && !errors.Is(err, ErrNotReady) {
			t.Fatalf("call into the black hole: %v", err)
		}
	}
	detected := time.Since(dropped)
	t.Logf("black-holed provider detected, in-flight calls failed after %v (timeout 600ms + tick 67ms)", detected)
	if detected > 5*time.Second {
		t.Fatalf("detection took %v", detected)
	}
	if st := c.State(); st == StateReady {
		t.Fatalf("state %v while black-holed", st)
	}
	b.drop(false)
	healed := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatalf("not ready after the hole closed: %v", err)
	}
	t.Logf("ready %v after the hole closed", time.Since(healed))
	if _, err := call(c, 5*time.Second, "after"); err != nil {
		t.Fatal(err)
	}
}
