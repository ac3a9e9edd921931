package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/apache/dubbo-go-hessian2/java_exception"
	"github.com/apache/dubbo-go/protocol"
	"github.com/apache/dubbo-go/protocol/dubbo"
	"github.com/apache/dubbo-go/remoting"
)

// verify reads other peers' frames (Java's, Pulse's) with dubbo-go's codec,
// as a dubbo-go provider reads requests and a dubbo-go consumer reads
// responses, and reports what dubbo-go gets out of them.
func verify(root string, dirs []string) error {
	codec := &dubbo.DubboCodec{}
	var failures []string
	for _, dir := range dirs {
		base := filepath.Join(root, "protocol/dubbo/testdata", dir)
		names, err := filepath.Glob(filepath.Join(base, "*.bin"))
		if err != nil {
			return err
		}
		sort.Strings(names)
		for _, path := range names {
			name := filepath.Base(path)
			frame, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var what string
			if strings.HasPrefix(name, "req_") {
				what, err = verifyRequest(codec, name, frame)
			} else {
				what, err = verifyResponse(codec, name, frame)
			}
			if err != nil {
				what = "FAIL " + err.Error()
				failures = append(failures, dir+"/"+name+": "+err.Error())
			}
			fmt.Printf("%-6s %-30s %s\n", dir, name, what)
		}
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d frame(s) read differently:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	fmt.Println("all frames read as expected")
	return nil
}

func verifyRequest(codec *dubbo.DubboCodec, name string, frame []byte) (string, error) {
	res, n, err := codec.Decode(frame)
	if err != nil {
		return "", err
	}
	if n != len(frame) || !res.IsRequest {
		return "", fmt.Errorf("decoded %d of %d bytes, request %v", n, len(frame), res.IsRequest)
	}
	req := res.Result.(*remoting.Request)
	inv, ok := req.Data.(protocol.Invocation)
	if !ok {
		return "", fmt.Errorf("data %T", req.Data)
	}
	method, arg := "getUser", "u1"
	switch {
	case strings.Contains(name, "sayhi"):
		method, arg = "sayHi", "pulse"
	case strings.Contains(name, "missing"):
		arg = "missing"
	}
	if inv.MethodName() != method || !reflect.DeepEqual(inv.Arguments(), []any{arg}) {
		return "", fmt.Errorf("call %s%v", inv.MethodName(), inv.Arguments())
	}
	return fmt.Sprintf("id=%d %s%v %v", req.ID, inv.MethodName(), inv.Arguments(), sortedMap(inv.Attachments())), nil
}

func verifyResponse(codec *dubbo.DubboCodec, name string, frame []byte) (string, error) {
	id := int64(0)
	for _, b := range frame[4:12] {
		id = id<<8 | int64(b)
	}
	pending := remoting.NewPendingResponse(id)
	var reply any = new(string)
	if strings.Contains(name, "user") {
		reply = &User{}
	}
	pending.Reply = reply
	remoting.AddPendingResponse(pending)

	res, n, err := codec.Decode(frame)
	if err != nil {
		return "", err
	}
	if res == nil || res.IsRequest || n != len(frame) {
		return "", fmt.Errorf("decoded %d of %d bytes: %+v", n, len(frame), res)
	}
	resp := res.Result.(*remoting.Response)
	if strings.Contains(name, "service_error") {
		if resp.Status != 70 {
			return "", fmt.Errorf("status %d", resp.Status)
		}
		return fmt.Sprintf("id=%d status %d %v", id, resp.Status, resp.Error), nil
	}
	r := resp.Result.(*protocol.RPCResult)
	if strings.Contains(name, "_att") && r.Attrs["dubbo"] != "2.0.2" {
		return "", fmt.Errorf("attachments %v", r.Attrs)
	}
	switch {
	case strings.Contains(name, "exception") || strings.Contains(name, "error"):
		if r.Err == nil {
			return "", errors.New("no exception")
		}
		var class string
		var t java_exception.Throwabler
		if errors.As(r.Err, &t) {
			class = t.JavaClassName()
		}
		if !strings.Contains(r.Err.Error(), "no user missing") {
			return "", fmt.Errorf("exception %T %v", r.Err, r.Err)
		}
		return fmt.Sprintf("id=%d exception %s (%T): %v %v", id, class, r.Err, r.Err, r.Attrs), nil
	case r.Err != nil:
		return "", fmt.Errorf("exception %v", r.Err)
	case strings.Contains(name, "null"):
		return fmt.Sprintf("id=%d null %v", id, r.Attrs), nil
	case strings.Contains(name, "user"):
		u := reply.(*User)
		want := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		if u.ID != "u1" || u.Name != "Ada" || u.Age != 36 || !u.Registered.Equal(want) {
			return "", fmt.Errorf("user %+v", *u)
		}
		return fmt.Sprintf("id=%d User{%s, %s, %d, %s} %v", id, u.ID, u.Name, u.Age, u.Registered.UTC().Format(time.RFC3339), r.Attrs), nil
	default:
		if s := *reply.(*string); s != "hi, pulse" {
			return "", fmt.Errorf("value %q", s)
		}
		return fmt.Sprintf("id=%d value %q %v", id, *reply.(*string), r.Attrs), nil
	}
}

func sortedMap(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
