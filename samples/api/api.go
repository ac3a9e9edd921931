// Package api is the interop contract of shared/interop.md in Go: the two
// Java interfaces as Pulse stubs (for consumers), their implementations (for
// providers), and the User POJO under its Java class name. The samples, the
// demo and the integration tests share it.
package api

import (
	"context"
	"time"

	"github.com/pulse-rpc/pulse"
)

// Java interface names of the contract.
const (
	GreetingsServiceName = "org.apache.dubbo.samples.api.GreetingsService"
	UserServiceName      = "org.apache.dubbo.samples.api.UserService"
)

// User is org.apache.dubbo.samples.api.User. Field names follow the Java
// class (id, name, age, registered); Age is an int32 because the Java field
// is an int.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

// JavaClassName names the Java class User stands for.
func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

// GreetingsService is the consumer's stub of GreetingsService; Refer fills it.
type GreetingsService struct {
	SayHi func(ctx context.Context, name string) (string, error)
}

// UserService is the consumer's stub of UserService; Refer fills it.
type UserService struct {
	GetUser func(ctx context.Context, id string) (*User, error)
}

// Greetings implements GreetingsService. When Name is set, each answer
// carries it back in the "served-by" reply attachment (the demo prints it).
type Greetings struct{ Name string }

// SayHi returns "hi, " + name.
func (g Greetings) SayHi(ctx context.Context, name string) (string, error) {
	if g.Name != "" {
		pulse.SetReplyAttachment(ctx, "served-by", g.Name)
	}
	return "hi, " + name, nil
}

// Users implements UserService over a fixed set of users.
type Users struct{ Name string }

// Ada returns the user "u1" of the contract.
func Ada() User {
	return User{ID: "u1", Name: "Ada", Age: 36, Registered: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// GetUser returns Ada for "u1"; any other id is answered with the
// java.lang.IllegalArgumentException("no user <id>") a Java provider throws.
func (u Users) GetUser(ctx context.Context, id string) (*User, error) {
	if u.Name != "" {
		pulse.SetReplyAttachment(ctx, "served-by", u.Name)
	}
	if ada := Ada(); id == ada.ID {
		return &ada, nil
	}
	return nil, pulse.Exception("java.lang.IllegalArgumentException", "no user "+id)
}
