package pulse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse"
)

// Greetings is a Go service exported as a Java interface.
type Greetings struct{}

// SayHi answers the Java method sayHi(String).
func (Greetings) SayHi(ctx context.Context, name string) (string, error) { return "hi, " + name, nil }

// User stands for the Java class org.apache.dubbo.samples.api.User.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

// Users serves getUser(String).
type Users struct{}

func (Users) GetUser(ctx context.Context, id string) (*User, error) {
	if id != "u1" {
		return nil, pulse.Exception("java.lang.IllegalArgumentException", "no user "+id)
	}
	if trace, ok := pulse.IncomingAttachments(ctx)["trace-id"]; ok {
		pulse.SetReplyAttachment(ctx, "seen-trace-id", trace)
	}
	return &User{ID: "u1", Name: "Ada", Age: 36, Registered: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}, nil
}

// serve starts a provider of both services on a loopback port and returns
// its URL and a function that shuts it down gracefully.
func serve() (url string, stop func()) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := pulse.NewServer(pulse.WithAddress("127.0.0.1:0"), pulse.WithLogger(quiet),
		pulse.WithShutdownWait(time.Second))
	if err := srv.Register("org.apache.dubbo.samples.api.GreetingsService", Greetings{}); err != nil {
		log.Fatal(err)
	}
	if err := srv.Register("org.apache.dubbo.samples.api.UserService", Users{}); err != nil {
		log.Fatal(err)
	}
	return start(srv)
}

// start runs srv until stop is called; url is where it listens.
func start(srv *pulse.Server) (url string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		log.Fatal(err)
	}
	return "dubbo://" + srv.Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
}

// Export a Go service and call it through a typed stub: a struct of func
// fields that Refer fills.
func Example() {
	url, stop := serve()
	defer stop()

	var greetings struct {
		SayHi func(ctx context.Context, name string) (string, error)
	}
	cli, err := pulse.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Refer("org.apache.dubbo.samples.api.GreetingsService", &greetings, pulse.URL(url),
		pulse.Timeout(3*time.Second)); err != nil {
		log.Fatal(err)
	}
	hi, err := greetings.SayHi(context.Background(), "pulse")
	fmt.Println(hi, err)
	// Output: hi, pulse <nil>
}

// Call a service with no Go type for it, as Java's GenericService does:
// POJOs come back as maps with their class name.
func ExampleClient_Invoke() {
	url, stop := serve()
	defer stop()
	cli, err := pulse.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()

	v, err := cli.Invoke(context.Background(), "org.apache.dubbo.samples.api.UserService", "getUser",
		[]string{"java.lang.String"}, []any{"u1"}, pulse.URL(url), pulse.Timeout(3*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	user := v.(map[any]any)
	fmt.Println(user["class"], user["id"], user["name"], user["age"])
	// Output: org.apache.dubbo.samples.api.User u1 Ada 36
}

// A provider's exception keeps its Java class name; failures of the call
// itself are told apart with errors.Is.
func ExampleError() {
	url, stop := serve()
	defer stop()
	cli, err := pulse.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	var users struct {
		GetUser func(ctx context.Context, id string) (*User, error)
		Delete  func(ctx context.Context, id string) error // not served by the provider
	}
	if err := cli.Refer("org.apache.dubbo.samples.api.UserService", &users, pulse.URL(url),
		pulse.Timeout(3*time.Second)); err != nil {
		log.Fatal(err)
	}

	_, err = users.GetUser(context.Background(), "missing")
	var pe *pulse.Error
	if errors.As(err, &pe) {
		fmt.Println(errors.Is(err, pulse.ErrException), pe.JavaClass, pe.Message)
	}
	err = users.Delete(context.Background(), "u1")
	fmt.Println(errors.Is(err, pulse.ErrUnknownMethod))
	// Output:
	// true java.lang.IllegalArgumentException no user missing
	// true
}

// Attachments travel both ways through the context.
func ExampleWithAttachments() {
	url, stop := serve()
	defer stop()
	cli, err := pulse.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	var users struct {
		GetUser func(ctx context.Context, id string) (*User, error)
	}
	if err := cli.Refer("org.apache.dubbo.samples.api.UserService", &users, pulse.URL(url),
		pulse.Timeout(3*time.Second)); err != nil {
		log.Fatal(err)
	}

	ctx := pulse.WithAttachments(context.Background(), pulse.Attachments{"trace-id": "t-42"})
	ctx, reply := pulse.ReplyAttachments(ctx)
	u, err := users.GetUser(ctx, "u1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name, u.Age, u.Registered.UTC().Format(time.RFC3339), reply()["seen-trace-id"])
	// Output: Ada 36 2020-01-02T03:04:05Z t-42
}

// Catalog serves Java overloads: find(String) and find(int) are two Go
// methods mapped to one Java name, told apart by their parameter types.
type Catalog struct{}

func (Catalog) FindByName(name string) (string, error) { return "by name " + name, nil }
func (Catalog) FindByID(id int32) (string, error)      { return "by id", nil }

// Register maps Go methods to Java names once; a stub's tag names the Java
// method a field calls.
func ExampleServer_Register() {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := pulse.NewServer(pulse.WithAddress("127.0.0.1:0"), pulse.WithLogger(quiet))
	err := srv.Register("org.example.Catalog", Catalog{},
		pulse.MethodName("FindByName", "find"), pulse.MethodName("FindByID", "find"), pulse.Version("1.0.0"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	<-srv.Ready()
	defer func() { cancel(); <-done }()

	var catalog struct {
		ByName func(name string) (string, error) `pulse:"find"`
		ByID   func(id int32) (string, error)    `pulse:"find"`
	}
	cli, err := pulse.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Refer("org.example.Catalog", &catalog, pulse.URL("dubbo://"+srv.Addr().String()),
		pulse.Version("1.0.0"), pulse.Timeout(3*time.Second)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(catalog.ByName("ada"))
	fmt.Println(catalog.ByID(7))

	// A registration that cannot work fails at once, naming method and type.
	fmt.Println(srv.Register("org.example.Bad", struct{ Catalog }{}, pulse.MethodName("findByName", "x")))
	// Output:
	// by name ada <nil>
	// by id <nil>
	// pulse: cannot register org.example.Bad: method findByName of struct { pulse_test.Catalog }: a name mapping names it but findByName is unexported and cannot be served (export it and map the Java name)
}

// Interceptors wrap every call: here a client interceptor sends a trace id
// with each call, and a server interceptor refuses calls without one.
func ExampleWithClientInterceptors() {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	traced := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		if _, ok := pulse.IncomingAttachments(ctx)["trace-id"]; !ok {
			return nil, &pulse.Error{JavaClass: "java.lang.SecurityException", Message: "no trace id"}
		}
		return next(ctx, call)
	}
	srv := pulse.NewServer(pulse.WithAddress("127.0.0.1:0"), pulse.WithLogger(quiet),
		pulse.WithServerInterceptors(traced))
	if err := srv.Register("org.example.Catalog", Catalog{}, pulse.MethodName("FindByName", "find"),
		pulse.MethodName("FindByID", "find")); err != nil {
		log.Fatal(err)
	}
	url, stop := start(srv)
	defer stop()

	trace := func(ctx context.Context, call *pulse.CallInfo, next pulse.CallFunc) (any, error) {
		return next(pulse.WithAttachments(ctx, pulse.Attachments{"trace-id": "t-1"}), call)
	}
	var catalog struct {
		Find func(name string) (string, error)
	}
	for _, opts := range [][]pulse.ClientOption{nil, {pulse.WithClientInterceptors(trace)}} {
		cli, err := pulse.NewClient(append(opts, pulse.WithLogger(quiet))...)
		if err != nil {
			log.Fatal(err)
		}
		if err := cli.Refer("org.example.Catalog", &catalog, pulse.URL(url)); err != nil {
			log.Fatal(err)
		}
		v, err := catalog.Find("x")
		fmt.Printf("%q %v\n", v, err)
		cli.Close()
	}
	// Output:
	// "" pulse: org.example.Catalog.find: java.lang.SecurityException: no trace id
	// "by name x" <nil>
}
