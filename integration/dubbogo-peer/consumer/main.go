// Command consumer calls the interop contract (shared/interop.md) with
// github.com/apache/dubbo-go v1.5.9, for Pulse's peer suite.
//
// dubbo-go reads its YAML in a package init from the file named by
// CONF_CONSUMER_FILE_PATH; the test writes it first. The program calls
// sayHi("dubbogo"), getUser("u1") and getUser("missing"), prints the results
// and exits 0 only if each answer is what the contract says. With PEER_IDLE=1
// it then prints "idle", waits for a line on stdin and makes the calls again.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
	_ "github.com/apache/dubbo-go/cluster/cluster_impl"
	_ "github.com/apache/dubbo-go/cluster/loadbalance"
	_ "github.com/apache/dubbo-go/common/proxy/proxy_factory"
	"github.com/apache/dubbo-go/config"
	_ "github.com/apache/dubbo-go/filter/filter_impl"
	_ "github.com/apache/dubbo-go/metadata/service/inmemory"
	_ "github.com/apache/dubbo-go/protocol/dubbo"
	_ "github.com/apache/dubbo-go/registry/etcdv3"
	_ "github.com/apache/dubbo-go/registry/protocol"
)

// User is the contract's POJO.
type User struct {
	ID         string    `hessian:"id"`
	Name       string    `hessian:"name"`
	Age        int32     `hessian:"age"`
	Registered time.Time `hessian:"registered"`
}

// JavaClassName names the Java class the struct stands for.
func (User) JavaClassName() string { return "org.apache.dubbo.samples.api.User" }

// GreetingsConsumer is the client stub of GreetingsService.
type GreetingsConsumer struct {
	SayHi func(ctx context.Context, name string) (string, error) `dubbo:"sayHi"`
}

// Reference names the reference in the YAML.
func (*GreetingsConsumer) Reference() string { return "GreetingsConsumer" }

// UserConsumer is the client stub of UserService.
type UserConsumer struct {
	GetUser func(ctx context.Context, id string) (*User, error) `dubbo:"getUser"`
}

// Reference names the reference in the YAML.
func (*UserConsumer) Reference() string { return "UserConsumer" }

func main() {
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for a provider to answer")
	flag.Parse()
	hessian.RegisterPOJO(&User{})
	greetings, users := new(GreetingsConsumer), new(UserConsumer)
	config.SetConsumerService(greetings)
	config.SetConsumerService(users)
	config.Load()
	err := run(greetings, users, *wait)
	if err == nil && os.Getenv("PEER_IDLE") == "1" {
		// Stay connected and silent until the test says go, then call again.
		fmt.Println("idle")
		if _, err = bufio.NewReader(os.Stdin).ReadString('\n'); err == nil {
			err = run(greetings, users, *wait)
		}
	}
	if err != nil {
		fmt.Println("FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
	os.Exit(0)
}

func run(greetings *GreetingsConsumer, users *UserConsumer, wait time.Duration) error {
	ctx := context.Background()
	deadline := time.Now().Add(wait)
	var hi string
	for {
		var err error
		if hi, err = greetings.SayHi(ctx, "dubbogo"); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("sayHi: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Println("sayHi:", hi)
	if hi != "hi, dubbogo" {
		return fmt.Errorf("sayHi answered %q", hi)
	}
	// Each service has its own registry watch: UserService's providers may
	// arrive a moment after GreetingsService's.
	var u *User
	for {
		var err error
		if u, err = users.GetUser(ctx, "u1"); err == nil {
			break
		} else if !strings.Contains(err.Error(), "No provider available") || time.Now().After(deadline) {
			return fmt.Errorf("getUser: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("getUser: id=%s name=%s age=%d registered=%s\n", u.ID, u.Name, u.Age, u.Registered.UTC().Format(time.RFC3339))
	want := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if u.ID != "u1" || u.Name != "Ada" || u.Age != 36 || !u.Registered.Equal(want) {
		return fmt.Errorf("getUser answered %+v", *u)
	}
	_, err := users.GetUser(ctx, "missing")
	if err == nil {
		return fmt.Errorf("getUser(missing) returned no error")
	}
	fmt.Println("missing:", err)
	if !strings.Contains(err.Error(), "no user missing") {
		return fmt.Errorf("getUser(missing) error %q", err)
	}
	return nil
}
