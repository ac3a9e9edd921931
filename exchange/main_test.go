package exchange

import (
	"testing"

	"github.com/pulse-rpc/pulse/transport/transporttest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, transporttest.GoleakOptions()...)
}
