package exchange

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIdleConnectionsCPU is scenario S12: 10,000 idle connections to one
// Server with a 1 s heartbeat, the clients in a second process (the open
// files limit is per process). It reports the CPU of both processes over
// 10 s and asserts nothing about it. Set PULSE_S12=1 to run it.
func TestIdleConnectionsCPU(t *testing.T) {
	if os.Getenv("PULSE_S12") == "" {
		t.Skip("opens 10,000 connections; set PULSE_S12=1 (and optionally PULSE_S12_CONNS)")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PULSE_S12_CONNS")); err == nil {
		n = v
	}
	hb := WithHeartbeat(Heartbeat{Interval: time.Second})
	s := startServer(t, echo(), hb)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=idleclients", "PULSE_EXCHANGE_TEST_ADDR="+s.Addr().String(),
		"PULSE_EXCHANGE_TEST_CONNS="+strconv.Itoa(n))
	setup := time.Now()
	startCmdTimeout(t, cmd, 120*time.Second)
	t.Logf("%d connections ready in %v", n, time.Since(setup))
	waitFor(t, 30*time.Second, "server holds every connection", func() bool { return s.nconns.Load() == int64(n) })
	time.Sleep(2 * time.Second) // let the connect burst settle
	const window = 10 * time.Second
	self0, child0 := cpuTicks(os.Getpid()), cpuTicks(cmd.Process.Pid)
	pings0, answered0 := s.pings.Load(), s.answered.Load()
	time.Sleep(window)
	self1, child1 := cpuTicks(os.Getpid()), cpuTicks(cmd.Process.Pid)
	const hz = 100 // USER_HZ
	pct := func(ticks int64) float64 { return float64(ticks) / hz / window.Seconds() * 100 }
	t.Logf("%d idle connections, heartbeat 1 s, over %v: server process %.1f%% of one core, client process %.1f%%; server answered %d heartbeats, sent %d",
		n, window, pct(self1-self0), pct(child1-child0), s.answered.Load()-answered0, s.pings.Load()-pings0)
	if s.nconns.Load() != int64(n) {
		t.Fatalf("server lost connections: %d of %d", s.nconns.Load(), n)
	}
}

// cpuTicks returns utime+stime of a process, in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+2:]))
	// After the command: state is field 3; utime and stime are fields 14 and 15.
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}
