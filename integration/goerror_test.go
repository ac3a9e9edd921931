package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/samples/api"
)

// plainErrorUsers implements UserService with a plain Go error (no Java class given).
type plainErrorUsers struct{}

func (plainErrorUsers) GetUser(_ context.Context, id string) (*api.User, error) {
	if id == "missing" {
		return nil, fmt.Errorf("no user %s", id)
	}
	u := api.Ada()
	return &u, nil
}

// TestGoErrorToJavaConsumer: a Pulse server (in the test process) whose
// UserService returns a plain Go error; a Java consumer receives it as a Java
// exception carrying the message.
func TestGoErrorToJavaConsumer(t *testing.T) {
	addr := startPlainErrorServer(t)
	for _, line := range javaLines {
		t.Run(lineName(line), func(t *testing.T) {
			c := startJavaConsumer(t, line, "--url", "dubbo://"+addr, "--heartbeat", "1000")
			out := c.mustSucceed(runTimeout)
			expectLines(t, "java consumer", out, javaConsumerChecks...)
			for _, l := range out {
				if strings.HasPrefix(l, "missing:") {
					t.Log(l)
				}
			}
		})
	}
}

// startPlainErrorServer serves GreetingsService and plainErrorUsers from the
// test process until the test ends, retrying on a port taken meanwhile.
func startPlainErrorServer(t *testing.T) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := loopback(freePort(t))
		srv := pulse.NewServer(pulse.WithAddress(addr), pulse.WithHeartbeat(time.Second),
			pulse.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err := srv.Register(api.GreetingsServiceName, api.Greetings{}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Register(api.UserServiceName, plainErrorUsers{}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx) }()
		select {
		case <-srv.Ready():
			t.Cleanup(func() {
				cancel()
				select {
				case err := <-served:
					if err != nil {
						t.Errorf("Serve: %v", err)
					}
				case <-time.After(30 * time.Second):
					t.Error("Serve did not return 30s after its context ended")
				}
			})
			return addr
		case err := <-served:
			cancel()
			if attempt < 4 && err != nil && strings.Contains(strings.ToLower(err.Error()), "address already in use") {
				continue
			}
			t.Fatalf("Serve: %v", err)
		case <-time.After(30 * time.Second):
			cancel()
			t.Fatal("server not ready after 30s")
		}
	}
}
