package etcd

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/etcd/embedded"
)

// A deployment with authentication: a user allowed to read and write under
// /dubbo/ only registers, subscribes and cleans up; a wrong password is
// refused at New.
func TestAuthenticatedUser(t *testing.T) {
	s := startEtcd(t, embedded.WithBcryptCost(4))
	admin := newClient(t, s.Endpoints())
	ctx := t.Context()
	for _, step := range []func() error{
		func() error { _, err := admin.RoleAdd(ctx, "root"); return err },
		func() error { _, err := admin.UserAdd(ctx, "root", "rootpw"); return err },
		func() error { _, err := admin.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := admin.RoleAdd(ctx, "pulse"); return err },
		func() error {
			_, err := admin.RoleGrantPermission(ctx, "pulse", "/dubbo/", clientv3.GetPrefixRangeEnd("/dubbo/"),
				clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := admin.UserAdd(ctx, "pulse", "pulsepw"); return err },
		func() error { _, err := admin.UserGrantRole(ctx, "pulse", "pulse"); return err },
		func() error { _, err := admin.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(WithEndpoints(s.Endpoints()...), WithLogger(quiet()), WithAuth("pulse", "wrong"),
		WithDialTimeout(10*time.Second)); !errors.Is(err, rpctypes.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	addr := fmt.Sprintf("etcd://pulse:pulsepw@%s", s.Endpoint()[len("http://"):])
	r, err := Open(ctx, addr, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := provider(20100)
	if err := r.Register(ctx, p); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	unsub, err := r.Subscribe(ctx, consumer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.waitProviders(t, 20100)
	unsub()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	root, err := clientv3.New(clientv3.Config{Endpoints: s.Endpoints(), Username: "root", Password: "rootpw", DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, ok, _ := keyValue(root, registry.EncodeKey("", p)); ok {
		t.Fatal("key kept after Close")
	}
}
