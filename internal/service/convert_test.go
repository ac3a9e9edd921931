package service

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		in      any
		to      reflect.Type
		want    any
		wantErr bool
	}{
		{"nil to int", nil, reflect.TypeFor[int](), 0, false},
		{"nil to pointer", nil, reflect.TypeFor[*user](), (*user)(nil), false},
		{"int32 to int", int32(7), reflect.TypeFor[int](), 7, false},
		{"int64 to int32", int64(7), reflect.TypeFor[int32](), int32(7), false},
		{"int64 overflow", int64(1) << 33, reflect.TypeFor[int32](), nil, true},
		{"negative to uint", int32(-1), reflect.TypeFor[uint](), nil, true},
		{"float whole to int", float64(3), reflect.TypeFor[int](), 3, false},
		{"float fraction to int", 3.5, reflect.TypeFor[int](), nil, true},
		{"int to float", int32(2), reflect.TypeFor[float64](), 2.0, false},
		{"string", "x", reflect.TypeFor[string](), "x", false},
		{"string to int", "x", reflect.TypeFor[int](), nil, true},
		{"named string", "x", reflect.TypeFor[name](), name("x"), false},
		{"time", reg, reflect.TypeFor[time.Time](), reg, false},
		{"list", []any{"a", "b"}, reflect.TypeFor[[]string](), []string{"a", "b"}, false},
		{"list bad element", []any{"a", 1}, reflect.TypeFor[[]string](), nil, true},
		{"map", map[any]any{"a": int32(1)}, reflect.TypeFor[map[string]int](), map[string]int{"a": 1}, false},
		{"any", map[any]any{"a": 1}, reflect.TypeFor[any](), map[any]any{"a": 1}, false},
		{"pointer to value", &user{ID: "u1"}, reflect.TypeFor[user](), user{ID: "u1"}, false},
		{"value to pointer", user{ID: "u1"}, reflect.TypeFor[*user](), &user{ID: "u1"}, false},
		{"generic map to struct", map[any]any{"class": "x", "iD": "u1", "name": "Ada", "age": int32(36), "registered": reg},
			reflect.TypeFor[*user](), &user{ID: "u1", Name: "Ada", Age: 36, Registered: reg}, false},
		{"struct field mismatch", map[any]any{"age": "old"}, reflect.TypeFor[user](), nil, true},
		{"array", []any{int32(1), int32(2)}, reflect.TypeFor[[2]int](), [2]int{1, 2}, false},
		{"array too short", []any{1, 2, 3}, reflect.TypeFor[[2]int](), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Convert(tt.in, tt.to)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Interface(), tt.want) {
				t.Errorf("got %#v, want %#v", got.Interface(), tt.want)
			}
		})
	}
}

type name string

type tagged struct {
	ID     string `hessian:"id"`
	Secret string `hessian:"-"`
	Tags   []string
}

func TestGeneralize(t *testing.T) {
	reg := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"string", "x", "x"},
		{"pojo", &user{ID: "u1", Age: 36, Registered: reg},
			map[any]any{"class": "org.apache.dubbo.samples.api.User", "iD": "u1", "name": "", "age": int32(36), "registered": reg}},
		{"tags", tagged{ID: "a", Secret: "s", Tags: []string{"t"}}, map[any]any{"id": "a", "tags": []any{"t"}}},
		{"map", map[string]int{"a": 1}, map[any]any{"a": 1}},
		{"bytes", []byte("ab"), []byte("ab")},
		{"nil pointer", (*user)(nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Generalize(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// A graph that shares its parts (as hessian back-references make it) is
// bounded by a budget, not expanded exponentially.
func TestConvertSharedGraph(t *testing.T) {
	var v any = "leaf"
	for i := 0; i < 40; i++ {
		v = []any{v, v}
	}
	_, err := Convert(v, reflect.TypeFor[[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]string]())
	if err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Errorf("got %v, want a budget error", err)
	}
	if g := Generalize(v); g == nil {
		t.Error("Generalize gave up at the top")
	}
}
