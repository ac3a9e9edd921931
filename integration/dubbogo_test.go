package integration

import (
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
		c := runPulseConsumer(t, "--registry", etcdSpec(etcd), "--heartbeat", "1s", "--wait", "30s")
		expectLines(t, "pulse consumer", c.mustSucceed(runTimeout), pulseConsumerChecks...)
	})
}
