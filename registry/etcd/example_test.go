package etcd_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// A provider registers its URL; a consumer subscribes and receives the
// providers of its interface.
func Example() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := embedded.Start(ctx, embedded.WithLogger(quiet))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	reg, err := etcd.Open(ctx, srv.Endpoint(), etcd.WithLogger(quiet))
	if err != nil {
		panic(err)
	}
	defer reg.Close()

	const iface = "org.apache.dubbo.samples.api.GreetingsService"
	provider := registry.NewProviderURL("127.0.0.1", 20880, iface,
		registry.WithApplication("demo"), registry.WithMethods("sayHi"), registry.WithSerialization("hessian2"))
	if err := reg.Register(ctx, provider); err != nil {
		panic(err)
	}

	got := make(chan registry.Update, 1)
	cancel, err := reg.Subscribe(ctx, registry.NewConsumerURL("127.0.0.1", iface), registry.ListenerFunc(func(u registry.Update) {
		select { // never block the subscription
		case got <- u:
		default:
		}
	}))
	if err != nil {
		panic(err)
	}
	defer cancel()

	select {
	case u := <-got:
		for _, p := range u.Providers {
			fmt.Println(p.Address(), p.Interface(), p.Methods(), p.Weight())
		}
	case <-time.After(20 * time.Second):
		fmt.Println("no providers")
	}
	// Output:
	// 127.0.0.1:20880 org.apache.dubbo.samples.api.GreetingsService [sayHi] 100
}
