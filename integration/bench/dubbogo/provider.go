package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"
	_ "github.com/apache/dubbo-go/cluster/cluster_impl"
	_ "github.com/apache/dubbo-go/cluster/loadbalance"
	_ "github.com/apache/dubbo-go/common/proxy/proxy_factory"
	"github.com/apache/dubbo-go/config"
	_ "github.com/apache/dubbo-go/filter/filter_impl"
	_ "github.com/apache/dubbo-go/metadata/service/inmemory"
	_ "github.com/apache/dubbo-go/protocol/dubbo"
	_ "github.com/apache/dubbo-go/registry/protocol"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// User is the contract's POJO.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

// JavaClassName names the Java class the struct stands for.
func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

// GreetingsProvider implements org.apache.dubbo.samples.api.GreetingsService.
type GreetingsProvider struct{}

// SayHi answers "hi, " + name.
func (*GreetingsProvider) SayHi(_ context.Context, name string) (string, error) {
	return "hi, " + name, nil
}

// Reference names the service in the YAML.
func (*GreetingsProvider) Reference() string { return "GreetingsProvider" }

// MethodMapper gives the Java method names.
func (*GreetingsProvider) MethodMapper() map[string]string {
	return map[string]string{"SayHi": "sayHi"}
}

// UserProvider implements org.apache.dubbo.samples.api.UserService.
type UserProvider struct{}

// GetUser returns Ada for "u1".
func (*UserProvider) GetUser(_ context.Context, id string) (*User, error) {
	if id != "u1" {
		return nil, java_exception.NewIllegalArgumentException("no user " + id)
	}
	return &User{ID: id, Name: "Ada", Age: 36, Registered: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}, nil
}

// Reference names the service in the YAML.
func (*UserProvider) Reference() string { return "UserProvider" }

// MethodMapper gives the Java method names.
func (*UserProvider) MethodMapper() map[string]string {
	return map[string]string{"GetUser": "getUser"}
}

func provider(args []string) int {
	fs := flag.NewFlagSet("provider", flag.ContinueOnError)
	port := fs.Int("port", 0, "port (set by the first run)")
	fs.String("listen", "", "address to listen on (its port is used)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	statsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dubbogo provider:", err)
		return 1
	}
	go loadgen.ServeStats(ctx, statsLn)
	hessian.RegisterPOJO(&User{})
	config.SetProviderService(new(GreetingsProvider))
	config.SetProviderService(new(UserProvider))
	config.Load()
	fmt.Printf("ready 127.0.0.1:%d %s\n", *port, statsLn.Addr())
	<-ctx.Done()
	return 0
}
