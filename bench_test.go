package pulse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse"
	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/samples/api"
)

// The two benchmarks call sayHi on the same kind of Pulse provider over
// loopback: through a Refer'd stub (reflection, cluster, codec, exchange)
// and straight through exchange.Client with a request body encoded once.
// Their ratio is the cost of the user API.
//
//	go test -run '^$' -bench 'SayHi' -benchmem .

func benchServer(b *testing.B) *testServer {
	srv := pulse.NewServer(pulse.WithAddress("127.0.0.1:0"), pulse.WithLogger(quiet()))
	if err := srv.Register(api.GreetingsServiceName, api.Greetings{}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	<-srv.Ready()
	b.Cleanup(func() { cancel(); <-done })
	return &testServer{srv: srv, url: "dubbo://" + srv.Addr().String()}
}

func BenchmarkSayHiStub(b *testing.B) {
	ts := benchServer(b)
	cli, err := pulse.NewClient(pulse.WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	var g api.GreetingsService
	if err := cli.Refer(api.GreetingsServiceName, &g, pulse.URL(ts.url), pulse.Timeout(5*time.Second)); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := g.SayHi(ctx, "pulse"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.SayHi(ctx, "pulse"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSayHiExchange(b *testing.B) {
	ts := benchServer(b)
	ex, err := exchange.NewClient(strings.TrimPrefix(ts.url, "dubbo://"), exchange.WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	ctx := context.Background()
	if err := ex.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	body, err := dubbo.EncodeRequest(nil, &dubbo.Invocation{Path: api.GreetingsServiceName, Version: "0.0.0",
		Method: "sayHi", ParameterTypes: []string{"Ljava/lang/String;"}, Arguments: []any{"pulse"},
		Attachments: map[string]any{"path": api.GreetingsServiceName, "interface": api.GreetingsServiceName,
			"version": "0.0.0", "timeout": "5000"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := ex.Call(ctx, &exchange.Request{TwoWay: true, Serialization: 2, Body: body})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := dubbo.DecodeResponse(resp.Body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
