package grpcecho

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// User is the contract's User as a protobuf message, encoded by hand with
// protowire (no generated code), field for field what protoc would write for
//
//	message User {
//	  string id = 1;
//	  string name = 2;
//	  int32 age = 3;
//	  google.protobuf.Timestamp registered = 4;
//	}
//
// TestUserWire checks the bytes against the protobuf library's own encoding
// of a dynamic message with that descriptor.
type User struct {
	ID         string
	Name       string
	Age        int32
	Registered time.Time
}

// Field numbers of User and of google.protobuf.Timestamp.
const (
	fieldID         = 1
	fieldName       = 2
	fieldAge        = 3
	fieldRegistered = 4
	fieldSeconds    = 1
	fieldNanos      = 2
)

// ErrBadUser is returned for bytes that are not a User message.
var ErrBadUser = errors.New("grpcecho: malformed User message")

// AppendProto appends the protobuf encoding of u to b. Fields with their zero
// value are left out, as proto3 does.
func (u *User) AppendProto(b []byte) []byte {
	if u.ID != "" {
		b = protowire.AppendTag(b, fieldID, protowire.BytesType)
		b = protowire.AppendString(b, u.ID)
	}
	if u.Name != "" {
		b = protowire.AppendTag(b, fieldName, protowire.BytesType)
		b = protowire.AppendString(b, u.Name)
	}
	if u.Age != 0 {
		b = protowire.AppendTag(b, fieldAge, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(u.Age))) // int32: sign-extended
	}
	if !u.Registered.IsZero() {
		sec, nanos := u.Registered.Unix(), int32(u.Registered.Nanosecond())
		var n int
		if sec != 0 {
			n += protowire.SizeTag(fieldSeconds) + protowire.SizeVarint(uint64(sec))
		}
		if nanos != 0 {
			n += protowire.SizeTag(fieldNanos) + protowire.SizeVarint(uint64(int64(nanos)))
		}
		b = protowire.AppendTag(b, fieldRegistered, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(n))
		if sec != 0 {
			b = protowire.AppendTag(b, fieldSeconds, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(sec))
		}
		if nanos != 0 {
			b = protowire.AppendTag(b, fieldNanos, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(int64(nanos)))
		}
	}
	return b
}

// UnmarshalProto decodes b into u, skipping unknown fields.
func (u *User) UnmarshalProto(b []byte) error {
	*u = User{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrBadUser, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == fieldID && typ == protowire.BytesType:
			u.ID, n = protowire.ConsumeString(b)
		case num == fieldName && typ == protowire.BytesType:
			u.Name, n = protowire.ConsumeString(b)
		case num == fieldAge && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			u.Age = int32(v)
		case num == fieldRegistered && typ == protowire.BytesType:
			var m []byte
			m, n = protowire.ConsumeBytes(b)
			if n >= 0 {
				sec, nanos, err := timestamp(m)
				if err != nil {
					return err
				}
				u.Registered = time.Unix(sec, int64(nanos)).UTC()
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrBadUser, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

// timestamp decodes a google.protobuf.Timestamp.
func timestamp(b []byte) (sec int64, nanos int32, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, 0, fmt.Errorf("%w: %v", ErrBadUser, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == fieldSeconds && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			sec = int64(v)
		case num == fieldNanos && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			nanos = int32(v)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return 0, 0, fmt.Errorf("%w: %v", ErrBadUser, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return sec, nanos, nil
}

// codec is gRPC's proto codec with one addition: it encodes and decodes
// *User itself. Everything else goes to the protobuf codec gRPC registers.
type codec struct{ proto encoding.CodecV2 }

func newCodec() codec { return codec{proto: encoding.GetCodecV2("proto")} }

func (c codec) Marshal(v any) (mem.BufferSlice, error) {
	if u, ok := v.(*User); ok {
		return mem.BufferSlice{mem.SliceBuffer(u.AppendProto(nil))}, nil
	}
	return c.proto.Marshal(v)
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	if u, ok := v.(*User); ok {
		buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
		defer buf.Free()
		return u.UnmarshalProto(buf.ReadOnlyData())
	}
	return c.proto.Unmarshal(data, v)
}

// Name keeps the content-type of the proto codec: on the wire this is plain
// gRPC with protobuf messages.
func (codec) Name() string { return "proto" }
