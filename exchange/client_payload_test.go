package exchange

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// A response over the client's payload limit fails its own call with
// CLIENT_ERROR matching ErrPayloadTooLarge (as a Java consumer does); its
// bytes are dropped as they arrive, and the connection and the calls around
// it carry on.
func TestResponseOverPayloadFailsOnlyItsCall(t *testing.T) {
	const limit = 1 << 10
	s := startServer(t, HandlerFunc(func(_ context.Context, req *Request) *Response {
		body := append([]byte(nil), req.Body...)
		if string(req.Body) == "big" {
			body = []byte(strings.Repeat("b", 256<<10))
		}
		return &Response{Status: StatusOK, Body: body}
	}))
	c := startClient(t, s.Addr().String(), WithPayloadLimit(limit))
	local := c.Conns()[0].Local

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			for range 20 {
				body := "small"
				if i%8 == 0 {
					body = "big"
				}
				resp, err := call(c, 10*time.Second, body)
				switch {
				case body == "big":
					var se *StatusError
					if !errors.Is(err, ErrPayloadTooLarge) || !errors.As(err, &se) || se.Status != StatusClientError ||
						!strings.HasPrefix(se.Message, "Data length too large: 262144, max payload: 1024") {
						errs <- err
						return
					}
				case err != nil || string(resp.Body) != "small":
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call: %v", err)
	}
	if got := c.Conns()[0]; got.Local != local || got.State != StateReady {
		t.Fatalf("connection after oversized responses: %+v, want the same one (%s), ready", got, local)
	}
	if n := c.droppedTotal.Load(); n != 0 {
		t.Fatalf("%d responses dropped", n)
	}
}
