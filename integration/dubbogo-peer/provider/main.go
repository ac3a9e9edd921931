// Command provider serves the interop contract (shared/interop.md) with
// github.com/apache/dubbo-go v1.5.9, for Pulse's peer suite.
//
// dubbo-go reads its YAML in a package init from the file named by
// CONF_PROVIDER_FILE_PATH; the test writes it first. Prints "ready" once the
// services are exported and serves until SIGINT/SIGTERM (start it in its own
// session: dubbo-go also stops on SIGHUP).
package main

import (
	"context"
	"fmt"
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
	_ "github.com/apache/dubbo-go/registry/etcdv3"
	_ "github.com/apache/dubbo-go/registry/protocol"
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

// GetUser returns Ada for any id but "missing".
func (*UserProvider) GetUser(_ context.Context, id string) (*User, error) {
	if id == "missing" {
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

func main() {
	hessian.RegisterPOJO(&User{})
	config.SetProviderService(new(GreetingsProvider))
	config.SetProviderService(new(UserProvider))
	config.Load()
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	os.Exit(0)
}
