package pulse

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
	"github.com/pulse-rpc/pulse/transport/transporttest"
)

// TestMain checks that no test leaves a goroutine behind (getty's own
// process-wide timer goroutines and embedded etcd's idle HTTP connections
// excepted).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, append(transporttest.GoleakOptions(), embedded.IgnoreEtcd()...)...)
}
