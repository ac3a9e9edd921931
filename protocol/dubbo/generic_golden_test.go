package dubbo_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// TestGoldenGenericRequest: a generic $invoke is written byte for byte as a
// Java GenericService consumer writes it: String[] and Object[] as the
// typed lists "[string" and "[object" (see testdata/README.md).
func TestGoldenGenericRequest(t *testing.T) {
	tests := []struct {
		file   string
		method string
		types  []string
		args   []any
	}{
		{"java/req_generic_sayhi.bin", "sayHi", []string{"java.lang.String"}, []any{"generic"}},
		{"java/req_generic_mixed.bin", "mixed", []string{"java.lang.String", "int", "long", "boolean"},
			[]any{"u1", int32(36), int64(7), true}},
		{"java/req_generic_map.bin", "save", []string{"org.apache.dubbo.samples.api.User"},
			[]any{map[string]any{"name": "Ada"}}},
		{"java/req_generic_noargs.bin", "ping", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			java, _ := goldenBody(t, tt.file)
			inv, err := dubbo.GenericInvocation(greetingsService, tt.method, tt.types, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			inv.Version = "0.0.0"
			// Everything before the attachments is byte-identical (Java
			// writes its attachments in hash order).
			inv.Attachments = nil
			bare, err := dubbo.EncodeRequest(nil, inv)
			if err != nil {
				t.Fatal(err)
			}
			prefix := bare[:len(bare)-2] // an empty map: H Z
			if !bytes.HasPrefix(java, prefix) {
				t.Fatalf("before the attachments:\nPulse %x\n Java %x", prefix, java[:min(len(prefix), len(java))])
			}
			inv.Attachments = map[string]any{"path": greetingsService, "interface": greetingsService,
				"version": "0.0.0", "timeout": "1000", dubbo.GenericKey: "true"}
			full, err := dubbo.EncodeRequest(nil, inv)
			if err != nil {
				t.Fatal(err)
			}
			if len(full) != len(java) {
				t.Fatalf("Pulse %d bytes, Java %d", len(full), len(java))
			}
			got, err := dubbo.DecodeRequest(full)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dubbo.DecodeRequest(java)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded:\nPulse %+v\n Java %+v", got, want)
			}
		})
	}
}

// TestGenericRequestBackReferences: the hand-written typed lists take the
// reference numbers Java gives them, so the library's back-references to a
// map passed twice still point at that map.
func TestGenericRequestBackReferences(t *testing.T) {
	m := map[string]any{"name": "Ada"}
	list := []any{"x"}
	inv, err := dubbo.GenericInvocation(greetingsService, "pair", []string{"java.util.Map", "java.util.Map", "java.util.List", "java.util.List"},
		[]any{m, m, list, list})
	if err != nil {
		t.Fatal(err)
	}
	body, err := dubbo.EncodeRequest(nil, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dubbo.DecodeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	rv := reflect.ValueOf(got.Arguments[2]) // Java's Object[]: a []hessian.Object
	if rv.Kind() != reflect.Slice || rv.Len() != 4 {
		t.Fatalf("$invoke arguments: a %T", got.Arguments[2]) // no %v: a wrong reference can make a cycle
	}
	args := make([]any, 4)
	for i := range args {
		args[i] = rv.Index(i).Interface()
	}
	if !bytes.Contains(body, []byte{0x51}) {
		t.Fatalf("no back-reference in %x", body)
	}
	for i := range 2 {
		if mm, ok := args[i].(map[any]any); !ok || mm["name"] != "Ada" {
			if ms, ok := args[i].(map[string]any); !ok || ms["name"] != "Ada" {
				t.Errorf("argument %d is a %T, want the map", i, args[i])
			}
		}
	}
	for i := 2; i < 4; i++ {
		if l, ok := args[i].([]any); !ok || len(l) != 1 || l[0] != "x" {
			t.Errorf("argument %d is a %T, want the list", i, args[i])
		}
	}
}
