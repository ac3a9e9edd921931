package integration

import (
	"testing"
	"time"
)

// The peers among themselves, with no Pulse involved: proves the harness,
// the peer programs and the etcd registries of each peer.

func TestPeerSanityJava(t *testing.T) {
	etcd := startEtcd(t)
	for _, line := range javaLines {
		t.Run(line, func(t *testing.T) {
			_, addr := startJavaProvider(t, line, etcd, time.Second)
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

func TestPeerSanityDubbogo(t *testing.T) {
	etcd := startEtcd(t)
	_, addr := startDubbogoProvider(t, etcd)
	t.Run("direct", func(t *testing.T) {
		c := runDubbogoConsumer(t, "dubbo://"+addr, "")
		expectLines(t, "dubbo-go consumer", c.mustSucceed(runTimeout), dubbogoConsumerChecks...)
	})
	t.Run("etcd", func(t *testing.T) {
		c := runDubbogoConsumer(t, "", etcd)
		expectLines(t, "dubbo-go consumer", c.mustSucceed(runTimeout), dubbogoConsumerChecks...)
	})
}
