package pulse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// TestHugeTimeoutAttachment: a caller's timeout too large for a Duration in
// nanoseconds (here one that wraps round to under a millisecond) gives the
// method a far deadline, not an instant one.
func TestHugeTimeoutAttachment(t *testing.T) {
	ts := startServer(t, func(s *pulse.Server) {
		if err := s.Register("org.example.Slow", &slow{started: make(chan struct{}, 1)}); err != nil {
			t.Fatal(err)
		}
	})
	ex, err := exchange.NewClient(strings.TrimPrefix(ts.url, "dubbo://"), exchange.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ex.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for _, timeout := range []any{"18446744073710", int64(18446744073710), "9223372036854775807"} {
		body, err := dubbo.EncodeRequest(nil, &dubbo.Invocation{Path: "org.example.Slow", Version: "0.0.0",
			Method: "sleep", ParameterTypes: []string{"J"}, Arguments: []any{int64(50)},
			Attachments: map[string]any{"path": "org.example.Slow", "interface": "org.example.Slow",
				"version": "0.0.0", "timeout": timeout}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ex.Call(ctx, &exchange.Request{TwoWay: true, Serialization: 2, Body: body})
		if err != nil {
			t.Fatalf("timeout %v: %v", timeout, err)
		}
		res, err := dubbo.DecodeResponse(resp.Body)
		if err != nil || res.Exception != nil || res.Value != "slept" {
			t.Fatalf("timeout %v: %v %+v", timeout, err, res)
		}
	}
}
