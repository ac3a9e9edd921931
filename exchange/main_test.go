package exchange

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport/transporttest"
	"go.uber.org/goleak"
)

// roleEnv, when set, makes the test binary a peer process for the
// process-level tests (frozen and killed providers) instead of running tests.
const roleEnv = "PULSE_EXCHANGE_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "provider":
		os.Exit(runProviderProcess())
	case "idleclients":
		os.Exit(runIdleClientsProcess())
	case "consumer":
		os.Exit(runConsumerProcess())
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

// runIdleClientsProcess opens PULSE_EXCHANGE_TEST_CONNS connections to
// PULSE_EXCHANGE_TEST_ADDR with a 1 s heartbeat, prints "ready <n>" once all
// are ready and idles until killed.
func runIdleClientsProcess() int {
	n, _ := strconv.Atoi(os.Getenv("PULSE_EXCHANGE_TEST_CONNS"))
	c, err := NewClient(os.Getenv("PULSE_EXCHANGE_TEST_ADDR"), WithConnections(n),
		WithHeartbeat(Heartbeat{Interval: time.Second}), WithDialTimeout(10*time.Second),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	for {
		ready := 0
		for _, in := range c.Conns() {
			if in.State == StateReady {
				ready++
			}
		}
		if ready == n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("ready", n)
	select {}
}

// runConsumerProcess connects a Client to PULSE_EXCHANGE_TEST_ADDR with the
// test heartbeat, prints "ready <local addr>" once ready and idles.
func runConsumerProcess() int {
	c, err := NewClient(os.Getenv("PULSE_EXCHANGE_TEST_ADDR"), fastHB, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	for c.State() != StateReady {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Println("ready", c.Conns()[0].Local)
	select {}
}
