// Package grpcecho is the gRPC-go peer of the harness: a unary echo of one
// string (google.protobuf.StringValue, so no generated code) answering
// "hi, " + the string, and its client over one ClientConn.
package grpcecho

import (
	"context"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	serviceName = "pulse.bench.Greetings"
	method      = "/" + serviceName + "/SayHi"
)

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

var desc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*greeter)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "SayHi", Handler: sayHi}},
	Metadata:    "pulse/bench/greetings.proto",
}

// Serve serves the echo on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener) error {
	s := grpc.NewServer()
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
type Client struct{ cc *grpc.ClientConn }

// Dial makes a client of addr (host:port).
func Dial(addr string) (*Client, error) {
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Client{cc: cc}, nil
}

// SayHi calls the echo.
func (c *Client) SayHi(ctx context.Context, s string) (string, error) {
	out := new(wrapperspb.StringValue)
	if err := c.cc.Invoke(ctx, method, wrapperspb.String(s), out); err != nil {
		return "", err
	}
	return out.GetValue(), nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.cc.Close() }
