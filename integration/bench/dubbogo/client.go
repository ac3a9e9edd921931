package main

import (
	"context"
	"os"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go/config"

	"github.com/pulse-rpc/pulse/integration/bench/loadgen"
)

// GreetingsConsumer is the client stub of GreetingsService.
type GreetingsConsumer struct {
	SayHi func(ctx context.Context, name string) (string, error) `dubbo:"sayHi"`
}

// Reference names the reference in the YAML.
func (*GreetingsConsumer) Reference() string { return "GreetingsConsumer" }

// UserConsumer is the client stub of UserService.
type UserConsumer struct {
	GetUser func(ctx context.Context, id string) (*User, error) `dubbo:"getUser"`
}

// Reference names the reference in the YAML.
func (*UserConsumer) Reference() string { return "UserConsumer" }

func client(args []string) int {
	greetings, users := new(GreetingsConsumer), new(UserConsumer)
	dial := func(ctx context.Context, _ string, k loadgen.Kind, _ int) (loadgen.Caller, func(), error) {
		hessian.RegisterPOJO(&User{})
		config.SetConsumerService(greetings)
		config.SetConsumerService(users)
		config.Load()
		arg := loadgen.Arg(k)
		var call loadgen.Caller
		if k == loadgen.GetUser {
			call = func(ctx context.Context, _ int) error {
				u, err := users.GetUser(ctx, arg)
				if err == nil && (u == nil || u.Name != "Ada") {
					return loadgen.ErrWrongAnswer
				}
				return err
			}
		} else {
			want := loadgen.WantHi(arg)
			call = func(ctx context.Context, _ int) error {
				s, err := greetings.SayHi(ctx, arg)
				if err == nil && s != want {
					return loadgen.ErrWrongAnswer
				}
				return err
			}
		}
		if err := loadgen.WaitFirst(ctx, call); err != nil {
			return nil, nil, err
		}
		return call, func() {}, nil
	}
	return loadgen.Main("dubbogo", dial, args, os.Stdout, os.Stderr)
}
