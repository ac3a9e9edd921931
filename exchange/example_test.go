package exchange_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse/exchange"
)

// A Server echoing bodies and a Client calling it over loopback. Bodies are
// opaque here; the protocol layer puts hessian2 invocations in them.
func Example() {
	quiet := exchange.WithLogger(slog.New(slog.DiscardHandler))
	srv, err := exchange.Listen("127.0.0.1:0", exchange.HandlerFunc(
		func(ctx context.Context, req *exchange.Request) *exchange.Response {
			return &exchange.Response{Status: exchange.StatusOK, Body: req.Body}
		}), quiet)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	c, err := exchange.NewClient(srv.Addr().String(), quiet,
		exchange.WithHeartbeat(exchange.Heartbeat{Interval: 30 * time.Second}))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil { // connected and answered
		panic(err)
	}
	resp, err := c.Call(ctx, &exchange.Request{TwoWay: true, Serialization: 2, Body: []byte("hello")})
	fmt.Println(string(resp.Body), err, c.State())
	// Output: hello <nil> ready
}
