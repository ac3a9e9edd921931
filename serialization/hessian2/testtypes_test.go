package hessian2

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// user mirrors the interop contract's org.apache.dubbo.samples.api.User.
type user struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

func (user) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

// page is a generic container holding a list of POJOs (Page<List<User>>).
type page struct {
	Total int64   `hessian:"total"`
	Items []*user `hessian:"items"`
	Tags  []any   `hessian:"tags"`
}

func (page) JavaClassName() string { return "org.apache.dubbo.samples.api.Page" }

// wrappers holds Java wrapper fields that may be null.
type wrappers struct {
	Count *int32     `hessian:"count"`
	Total *int64     `hessian:"total"`
	Score *float64   `hessian:"score"`
	When  *time.Time `hessian:"when"`
}

func (wrappers) JavaClassName() string { return "org.apache.dubbo.samples.api.Wrappers" }

type color JavaEnum

const (
	red color = iota
	green
)

func (c color) JavaClassName() string { return "org.apache.dubbo.samples.api.Color" }

func (c color) String() string {
	switch c {
	case red:
		return "RED"
	case green:
		return "GREEN"
	}
	return strconv.Itoa(int(c))
}

func (c color) EnumValue(s string) JavaEnum {
	switch s {
	case "RED":
		return JavaEnum(red)
	case "GREEN":
		return JavaEnum(green)
	}
	return -1
}

func TestMain(m *testing.M) {
	Register(&user{}, &page{}, &wrappers{})
	RegisterEnum(red)
	os.Exit(m.Run())
}
