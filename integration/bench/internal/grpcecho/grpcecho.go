// Package grpcecho is the gRPC-go peer of the harness, without generated
// code: SayHi, a unary echo of one string (google.protobuf.StringValue)
// answering "hi, " + the string, and GetUser, a StringValue id answered by a
// User message (the contract's POJO: id, name, age, a Timestamp; encoded by
// hand in user.go), and its client over one ClientConn.
package grpcecho

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	serviceName = "pulse.bench.Greetings"
	method      = "/" + serviceName + "/SayHi"
	userMethod  = "/" + serviceName + "/GetUser"
)

// registered is the contract's User.registered.
var registered = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// greeter is the handler type the service description names.
type greeter interface{}

type impl struct{}

func sayHi(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	return wrapperspb.String("hi, " + in.GetValue()), nil
}

// getUser answers the contract's getUser: "u1" is Ada, "missing" an error.
func getUser(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	id := in.GetValue()
	if id == "missing" {
		return nil, status.Error(codes.InvalidArgument, "no user "+id)
	}
	return &User{ID: id, Name: "Ada", Age: 36, Registered: registered}, nil
}

var desc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*greeter)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "SayHi", Handler: sayHi}, {MethodName: "GetUser", Handler: getUser}},
	Metadata:    "pulse/bench/greetings.proto",
}

// Serve serves the echo on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener) error {
	s := grpc.NewServer(grpc.ForceServerCodecV2(newCodec()))
	s.RegisterService(&desc, impl{})
	go func() {
		<-ctx.Done()
		s.Stop()
	}()
	err := s.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Client calls the echo over one ClientConn.
type Client struct {
	cc    *grpc.ClientConn
	codec grpc.CallOption
}

// Dial makes a client of addr (host:port).
func Dial(addr string) (*Client, error) {
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Client{cc: cc, codec: grpc.ForceCodecV2(newCodec())}, nil
}

// SayHi calls the echo.
func (c *Client) SayHi(ctx context.Context, s string) (string, error) {
	out := new(wrapperspb.StringValue)
	if err := c.cc.Invoke(ctx, method, wrapperspb.String(s), out); err != nil {
		return "", err
	}
	return out.GetValue(), nil
}

// GetUser calls GetUser.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	out := new(User)
	if err := c.cc.Invoke(ctx, userMethod, wrapperspb.String(id), out, c.codec); err != nil {
		return nil, err
	}
	return out, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.cc.Close() }
