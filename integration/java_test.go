package integration

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Java Dubbo <-> Pulse through the sample programs, for each Dubbo line.

func lineName(line string) string { return "dubbo-" + javaVersion[line] }

// TestJavaConsumerToPulseProvider: a Java consumer calls a Pulse provider
// directly and through etcd; getUser("missing") reaches Java as an exception
// carrying the Go side's message.
func TestJavaConsumerToPulseProvider(t *testing.T) {
	etcd := startEtcd(t)
	_, addr := startPulseProvider(t, etcdSpec(etcd), time.Second, "pulse-a")
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			t.Run("direct", func(t *testing.T) {
				c := startJavaConsumer(t, line, "--url", "dubbo://"+addr, "--heartbeat", "1000")
				expectLines(t, "java consumer", c.mustSucceed(runTimeout), javaConsumerChecks...)
			})
			t.Run("etcd", func(t *testing.T) {
				c := startJavaConsumer(t, line, "--registry", javaRegistry(etcd), "--heartbeat", "1000")
				expectLines(t, "java consumer", c.mustSucceed(runTimeout), javaConsumerChecks...)
			})
		})
	}
}

// TestPulseConsumerToJavaProvider: samples/consumer calls a Java provider
// directly and through etcd (one etcd per line, so no stale registration of
// the other line's provider is in the way).
func TestPulseConsumerToJavaProvider(t *testing.T) {
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			etcd := startEtcd(t)
			_, addr := startJavaProvider(t, line, etcd, time.Second)
			t.Run("direct", func(t *testing.T) {
				c := runPulseConsumer(t, "--url", "dubbo://"+addr, "--heartbeat", "1s")
				expectLines(t, "pulse consumer", c.mustSucceed(runTimeout), pulseConsumerChecks...)
			})
			t.Run("etcd", func(t *testing.T) {
				c := runPulseConsumer(t, "--registry", etcdSpec(etcd), "--heartbeat", "1s")
				expectLines(t, "pulse consumer", c.mustSucceed(runTimeout), pulseConsumerChecks...)
			})
		})
	}
}

// TestHeartbeatJavaConsumerToPulseProvider: a Java consumer stays idle on its
// connection to a Pulse provider (1 s heartbeat) until the proxy between them
// has seen at least three answered heartbeats and no call; then calls
// succeed. client-pings: the Java client's heartbeat is 1 s too, it pings.
// server-pings: the Java client keeps 60 s, so the pings come from Pulse's
// server and Java answers them.
func TestHeartbeatJavaConsumerToPulseProvider(t *testing.T) {
	_, addr := startPulseProvider(t, "none", time.Second, "pulse-hb")
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			t.Run("client-pings", func(t *testing.T) { idleJavaConsumer(t, line, addr, 1000, false) })
			// The Java client keeps its 60 s default: the Pulse server pings it.
			t.Run("server-pings", func(t *testing.T) { idleJavaConsumer(t, line, addr, 60000, true) })
		})
	}
}

// idleJavaConsumer runs a Java consumer (heartbeat hbMillis) through a frame
// proxy to addr, idle until three answered heartbeats went by (sent by the
// server if fromServer, else in either direction), then calls again.
func idleJavaConsumer(t *testing.T, line, addr string, hbMillis int, fromServer bool) {
	t.Helper()
	px := startFrameProxy(t, addr)
	c := startJavaConsumer(t, line, "--url", "dubbo://"+px.addr(), "--heartbeat", strconv.Itoa(hbMillis), "--mode", "idle")
	c.waitLine("idle", startTimeout)
	base := px.snapshot()
	start := time.Now()
	eventually(t, 30*time.Second, "three heartbeat exchanges", func() bool {
		up, down := heartbeatsAnswered(base, px.snapshot())
		if fromServer {
			return down >= 3
		}
		return up+down >= 3
	})
	idle := px.snapshot()
	t.Logf("after %v idle: to server %+v, to client %+v", time.Since(start).Round(time.Millisecond),
		delta(base[toServer], idle[toServer]), delta(base[toClient], idle[toClient]))
	if d := delta(base[toServer], idle[toServer]); d.Requests != 0 {
		t.Errorf("%d calls during the idle phase", d.Requests)
	}
	if odd := px.oddities(); len(odd) > 0 {
		t.Errorf("unexpected frames:\n%s", strings.Join(odd, "\n"))
	}
	c.send("go")
	expectLines(t, "java consumer", c.mustSucceed(runTimeout), javaConsumerChecks...)
}

// heartbeatsAnswered counts heartbeats sent since base that were answered:
// up from the client, down from the server.
func heartbeatsAnswered(base, now [2]frameCounts) (up, down int) {
	up = min(now[toServer].HeartbeatRequests-base[toServer].HeartbeatRequests,
		now[toClient].HeartbeatResponses-base[toClient].HeartbeatResponses)
	down = min(now[toClient].HeartbeatRequests-base[toClient].HeartbeatRequests,
		now[toServer].HeartbeatResponses-base[toServer].HeartbeatResponses)
	return up, down
}

// heartbeatExchanges counts heartbeats sent since base, in either direction,
// that were answered.
func heartbeatExchanges(base, now [2]frameCounts) int {
	up, down := heartbeatsAnswered(base, now)
	return up + down
}

func delta(a, b frameCounts) frameCounts {
	return frameCounts{
		HeartbeatRequests:  b.HeartbeatRequests - a.HeartbeatRequests,
		HeartbeatResponses: b.HeartbeatResponses - a.HeartbeatResponses,
		BadEventResponses:  b.BadEventResponses - a.BadEventResponses,
		OtherEvents:        b.OtherEvents - a.OtherEvents,
		Requests:           b.Requests - a.Requests,
		Responses:          b.Responses - a.Responses,
	}
}

// TestPulseGracefulShutdownUnderJavaLoad: a Java consumer calls two Pulse
// providers in a loop; one gets SIGTERM, sends READONLY, drains and exits;
// the consumer moves to the other without a single failed call.
//
// The consumer runs with no retries (retries=0), so that any call the
// stopping provider rejects, drops or leaves unanswered counts as a failure:
// calls already on the wire when READONLY goes out are served, as a Java
// provider serves them.
//
// "direct": both providers given as direct URLs, provider A behind the frame
// proxy, which sees the READONLY event. Dubbo 3 only: Dubbo 2.7.23 cannot
// refer several direct URLs without a registry (ClassCastException
// FilterNode -> MigrationClusterInvoker in ReferenceConfig.get).
// "etcd": both providers registered in etcd; A also unregisters.
func TestPulseGracefulShutdownUnderJavaLoad(t *testing.T) {
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			if line == "dubbo3" {
				t.Run("direct", func(t *testing.T) {
					a, addrA := startPulseProvider(t, "none", time.Second, "pulse-a")
					_, addrB := startPulseProvider(t, "none", time.Second, "pulse-b")
					pxA := startFrameProxy(t, addrA)
					c := startJavaConsumer(t, line, "--url", "dubbo://"+pxA.addr()+";dubbo://"+addrB,
						"--mode", "load", "--seconds", "12", "--threads", "4", "--retries", "0", "--heartbeat", "1000")
					gracefulUnderLoad(t, a, c)
					s := pxA.snapshot()
					t.Logf("provider A: %d calls, %d non-heartbeat events to the consumer", s[toServer].Requests, s[toClient].OtherEvents)
					if s[toClient].OtherEvents == 0 {
						strictf(t, "provider A's READONLY event never reached the consumer before the connection closed")
					}
				})
			}
			t.Run("etcd", func(t *testing.T) {
				etcd := startEtcd(t)
				a, _ := startPulseProvider(t, etcdSpec(etcd), time.Second, "pulse-a")
				startPulseProvider(t, etcdSpec(etcd), time.Second, "pulse-b")
				c := startJavaConsumer(t, line, "--registry", javaRegistry(etcd),
					"--mode", "load", "--seconds", "12", "--threads", "4", "--retries", "0", "--heartbeat", "1000")
				gracefulUnderLoad(t, a, c)
			})
		})
	}
}

// strictf fails the test under PULSE_INTEROP_STRICT=1 and only logs otherwise:
// for interop gaps known and reported but not yet fixed.
func strictf(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("PULSE_INTEROP_STRICT") == "1" {
		t.Errorf(format, args...)
		return
	}
	t.Logf("KNOWN GAP (fails with PULSE_INTEROP_STRICT=1): "+format, args...)
}

// gracefulUnderLoad waits until the Java consumer c has made calls to both
// providers, stops provider a with SIGTERM and checks that c saw no failure.
func gracefulUnderLoad(t *testing.T, a, c *proc) {
	t.Helper()
	warm := c.waitLine("warm", startTimeout)
	t.Log(warm)
	if !strings.Contains(warm, "pulse-a=") || !strings.Contains(warm, "pulse-b=") {
		t.Fatalf("the consumer did not reach both providers before the shutdown: %s", warm)
	}
	a.signal(syscall.SIGTERM)
	if err := a.wait(30 * time.Second); err != nil {
		t.Errorf("provider A did not exit cleanly after SIGTERM: %v", err)
	}
	out := c.mustSucceed(runTimeout)
	for _, l := range out {
		if strings.HasPrefix(l, "load ") || strings.HasPrefix(l, "served ") || strings.HasPrefix(l, "failure") {
			t.Log(l)
		}
	}
	expectLines(t, "java consumer", out, "fail=0", "ok")
	for _, l := range out {
		var ok, failed, slowest int
		if _, err := fmt.Sscanf(l, "load ok=%d fail=%d slowest_ok_ms=%d", &ok, &failed, &slowest); err == nil && slowest >= 3000 {
			strictf(t, "a call took %d ms: the consumer waited out a timeout before failing over", slowest)
		}
	}
}
