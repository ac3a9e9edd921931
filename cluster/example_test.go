package cluster_test

import (
	"context"
	"fmt"

	"github.com/pulse-rpc/pulse/cluster"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
)

// echo stands for the root package's Invoker over an exchange connection.
type echo struct{ url *registry.URL }

func (e echo) URL() *registry.URL { return e.url }
func (e echo) Available() bool    { return true }
func (e echo) Close() error       { return nil }
func (e echo) Invoke(_ context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	return &dubbo.Result{Value: fmt.Sprintf("%s from %s", inv.Arguments[0], cluster.Key(e.url))}, nil
}

func Example() {
	dir := cluster.NewDirectory("org.example.Greeter", func(u *registry.URL) (cluster.Invoker, error) {
		return echo{u}, nil // the root package dials an exchange connection here
	})
	defer dir.Close()
	// Registry events (or a direct URL list) feed the directory.
	dir.Set([]*registry.URL{{Protocol: "dubbo", Host: "10.0.0.1", Port: 20880, Path: "org.example.Greeter"}})

	calls, err := cluster.New(dir, cluster.WithParams(map[string]string{"cluster": "failover", "loadbalance": "roundrobin", "retries": "2"}))
	if err != nil {
		panic(err)
	}
	defer calls.Close()
	res, err := calls.Invoke(context.Background(), &dubbo.Invocation{Path: "org.example.Greeter", Method: "sayHi", Arguments: []any{"hi"}})
	fmt.Println(res.Value, err)
	// Output: hi from 10.0.0.1:20880 <nil>
}
