package transport_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/pulse-rpc/pulse/transport/transporttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, transporttest.GoleakOptions()...)
}
