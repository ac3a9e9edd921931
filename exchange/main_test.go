package exchange

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/pulse-rpc/pulse/transport/transporttest"
	"go.uber.org/goleak"
)

// roleEnv, when set, makes the test binary a peer process for the
// process-level tests (frozen and killed providers) instead of running tests.
const roleEnv = "PULSE_EXCHANGE_TEST_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "provider" {
		os.Exit(runProviderProcess())
	}
	goleak.VerifyTestMain(m, transporttest.GoleakOptions()...)
}

// runProviderProcess serves an echo Server on PULSE_EXCHANGE_TEST_ADDR (or a
// free port), prints "ready <addr>" and runs until SIGTERM or SIGKILL.
func runProviderProcess() int {
	addr := os.Getenv("PULSE_EXCHANGE_TEST_ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s, err := Listen(addr, echo(), fastHB)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready", s.Addr().String())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	<-ch
	s.Close()
	return 0
}
