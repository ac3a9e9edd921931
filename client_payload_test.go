package pulse_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
)

// A response over the consumer's payload limit (and under the provider's)
// fails that call alone with ErrPayloadTooLarge; the connection stays and
// the next call goes through on it.
func TestResponseOverConsumerLimit(t *testing.T) {
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Slow", &slow{started: make(chan struct{}, 1)}); err != nil {
			t.Fatal(err)
		}
	}, pulse.WithPayloadLimit(1<<20))
	cli := newClient(t, pulse.WithPayloadLimit(32<<10))
	var stub sleeper
	if err := cli.Refer("org.example.Slow", &stub, pulse.URL(ts.url), pulse.Timeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := stub.Big(context.Background(), 10); got != "xxxxxxxxxx" || err != nil {
		t.Fatalf("small call: %q, %v", got, err)
	}
	before := cli.Connections()
	if _, err := stub.Big(context.Background(), 100<<10); !errors.Is(err, pulse.ErrPayloadTooLarge) {
		t.Fatalf("response over the consumer's limit: %v, want ErrPayloadTooLarge", err)
	}
	if got, err := stub.Big(context.Background(), 10); got != "xxxxxxxxxx" || err != nil {
		t.Fatalf("small call after: %q, %v", got, err)
	}
	after := cli.Connections()
	if len(before) != 1 || len(after) != 1 || after[0].State != "ready" {
		t.Fatalf("connections %+v, then %+v", before, after)
	}
}
