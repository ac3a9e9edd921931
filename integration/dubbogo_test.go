package integration

import (
	"strings"
	"testing"
	"time"
)

// dubbo-go v1.5.9 <-> Pulse, direct and through etcd.

// TestDubbogoConsumerToPulseProvider: the dubbo-go consumer calls a Pulse
// provider; getUser("missing") comes back as dubbo-go's error with the message.
func TestDubbogoConsumerToPulseProvider(t *testing.T) {
	etcd := startEtcd(t)
	_, addr := startPulseProvider(t, etcdSpec(etcd), time.Second, "pulse-a")
	t.Run("direct", func(t *testing.T) {
		c := runDubbogoConsumer(t, "dubbo://"+addr, "")
		expectLines(t, "dubbo-go consumer", c.mustSucceed(runTimeout), dubbogoConsumerChecks...)
	})
	t.Run("etcd", func(t *testing.T) {
		c := runDubbogoConsumer(t, "", etcd)
		expectLines(t, "dubbo-go consumer", c.mustSucceed(runTimeout), dubbogoConsumerChecks...)
	})
}

// TestPulseConsumerToDubbogoProvider: samples/consumer calls a dubbo-go
// provider (registered in etcd with DUBBO_IP_TO_REGISTRY=127.0.0.1).
func TestPulseConsumerToDubbogoProvider(t *testing.T) {
	etcd := startEtcd(t)
	_, addr := startDubbogoProvider(t, etcd)
	t.Run("direct", func(t *testing.T) {
		c := runPulseConsumer(t, "--url", "dubbo://"+addr, "--heartbeat", "1s")
		expectLines(t, "pulse consumer", c.mustSucceed(runTimeout), pulseConsumerChecks...)
	})
	t.Run("etcd", func(t *testing.T) {
		c := runPulseConsumer(t, "--registry", etcdSpec(etcd), "--heartbeat", "1s")
		expectLines(t, "pulse consumer", c.mustSucceed(runTimeout), pulseConsumerChecks...)
	})
}

// TestHeartbeatDubbogoConsumerToPulseProvider: the dubbo-go consumer (1 s
// heartbeat period, one connection) stays idle on its connection to a Pulse
// provider until the proxy has seen three heartbeat exchanges and no call;
// then its calls succeed.
func TestHeartbeatDubbogoConsumerToPulseProvider(t *testing.T) {
	_, addr := startPulseProvider(t, "none", time.Second, "pulse-hb")
	px := startFrameProxy(t, addr)
	c := runDubbogoConsumer(t, "dubbo://"+px.addr(), "", "PEER_IDLE=1")
	c.waitLine("idle", startTimeout)
	base := px.snapshot()
	start := time.Now()
	eventually(t, 30*time.Second, "three heartbeat exchanges", func() bool {
		return heartbeatExchanges(base, px.snapshot()) >= 3
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
	expectLines(t, "dubbo-go consumer", c.mustSucceed(runTimeout), dubbogoConsumerChecks...)
}
