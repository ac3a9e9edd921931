package grpcecho

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// userDescriptor builds message User { string id = 1; string name = 2;
// int32 age = 3; google.protobuf.Timestamp registered = 4; } at run time.
func userDescriptor(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Type: typ.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String(name)}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("pulse/bench/user.proto"), Package: proto.String("pulse.bench"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("User"), Field: []*descriptorpb.FieldDescriptorProto{
			field("id", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("name", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("age", 3, descriptorpb.FieldDescriptorProto_TYPE_INT32, ""),
			field("registered", 4, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Timestamp"),
		}}},
	}
	f, err := protodesc.NewFile(fd, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return f.Messages().ByName("User")
}

// TestUserWire: the hand encoding is the protobuf library's encoding of the
// same message, both ways, including negative ages and empty fields.
func TestUserWire(t *testing.T) {
	md := userDescriptor(t)
	tests := []User{
		{ID: "u1", Name: "Ada", Age: 36, Registered: registered},
		{ID: "u2", Age: -7, Registered: time.Date(1960, 5, 6, 7, 8, 9, 123456789, time.UTC)},
		{Name: "only a name"},
		{},
	}
	for _, u := range tests {
		m := dynamicpb.NewMessage(md)
		set := func(name string, v protoreflect.Value) { m.Set(md.Fields().ByName(protoreflect.Name(name)), v) }
		if u.ID != "" {
			set("id", protoreflect.ValueOfString(u.ID))
		}
		if u.Name != "" {
			set("name", protoreflect.ValueOfString(u.Name))
		}
		if u.Age != 0 {
			set("age", protoreflect.ValueOfInt32(u.Age))
		}
		if !u.Registered.IsZero() {
			set("registered", protoreflect.ValueOfMessage(timestamppb.New(u.Registered).ProtoReflect()))
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got := u.AppendProto(nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: encoded % x, protobuf says % x", u, got, want)
		}
		var back User
		if err := back.UnmarshalProto(want); err != nil {
			t.Fatalf("%+v: %v", u, err)
		}
		if back.ID != u.ID || back.Name != u.Name || back.Age != u.Age || !back.Registered.Equal(u.Registered) {
			t.Errorf("decoded %+v, want %+v", back, u)
		}
	}
}

func TestUserMalformed(t *testing.T) {
	for _, b := range [][]byte{{0x0a, 0x05, 'a'}, {0x22, 0x02, 0x08}, {0xff}} {
		var u User
		if err := u.UnmarshalProto(b); !errors.Is(err, ErrBadUser) {
			t.Errorf("% x: %v, want ErrBadUser", b, err)
		}
	}
}

// TestServeAndCall: SayHi and GetUser over a real ClientConn.
func TestServeAndCall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { done <- Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c, err := Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s, err := c.SayHi(ctx, "pulse"); err != nil || s != "hi, pulse" {
		t.Fatalf("SayHi: %q, %v", s, err)
	}
	u, err := c.GetUser(ctx, "u1")
	if err != nil || u.ID != "u1" || u.Name != "Ada" || u.Age != 36 || !u.Registered.Equal(registered) {
		t.Fatalf("GetUser: %+v, %v", u, err)
	}
	if _, err := c.GetUser(ctx, "missing"); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("GetUser(missing): %v", err)
	}
}
