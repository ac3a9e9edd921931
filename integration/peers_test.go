package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Java Dubbo lines built by setup.sh (integration/java/peer, one Maven profile each).
var javaLines = []string{"dubbo3", "dubbo27"}

// javaVersion names the Dubbo release of a line, for test names and reports.
var javaVersion = map[string]string{"dubbo3": "3.3.6", "dubbo27": "2.7.23"}

// javaArgv is the command line of a Java peer class of one Dubbo line.
func javaArgv(t *testing.T, line, class string, args ...string) []string {
	t.Helper()
	java := requireTool(t, "java")
	dir := filepath.Join(integrationDir, "java", "peer", "target", line)
	cpFile := filepath.Join(dir, "classpath.txt")
	requireFile(t, cpFile, "Java peer (Dubbo "+javaVersion[line]+")")
	cp, err := os.ReadFile(cpFile)
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{java,
		// Quick start-up on a small machine.
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms64m", "-Xmx256m",
		// Dubbo 2.7's javassist proxies need these on Java 17.
		"--add-opens", "java.base/java.lang=ALL-UNNAMED",
		"--add-opens", "java.base/java.util=ALL-UNNAMED",
		"--add-opens", "java.base/java.math=ALL-UNNAMED",
		"--add-opens", "java.base/java.net=ALL-UNNAMED",
		// Names resolve from this file only: no DNS answer can send a peer off loopback.
		"-Djdk.net.hosts.file=" + javaHostsFile(t),
		"-cp", filepath.Join(dir, "classes") + string(os.PathListSeparator) + strings.TrimSpace(string(cp)),
		"org.apache.dubbo.samples.peer." + class,
	}
	return append(argv, args...)
}

var (
	hostsOnce sync.Once
	hostsPath string
	hostsErr  error
)

// javaHostsFile writes (once per test binary) a hosts file that maps this
// machine's name and localhost to loopback, for -Djdk.net.hosts.file.
func javaHostsFile(t *testing.T) string {
	t.Helper()
	hostsOnce.Do(func() {
		name, err := os.Hostname()
		if err != nil {
			hostsErr = err
			return
		}
		f, err := os.CreateTemp("", "pulse-java-hosts-")
		if err != nil {
			hostsErr = err
			return
		}
		defer f.Close()
		_, hostsErr = fmt.Fprintf(f, "127.0.0.1 localhost %s\n::1 localhost ip6-localhost\n", name)
		hostsPath = f.Name()
	})
	if hostsErr != nil {
		t.Fatalf("java hosts file: %v", hostsErr)
	}
	return hostsPath
}

// javaRegistry is the Java registry spec for an etcd endpoint ("" = none).
func javaRegistry(etcd string) string {
	if etcd == "" {
		return "none"
	}
	return "etcd3://" + etcd
}

// startJavaProvider starts a Java provider of the contract and waits until it serves.
func startJavaProvider(t *testing.T, line, etcd string, heartbeat time.Duration) (*proc, string) {
	t.Helper()
	p, port := startListening(t, func(port int) *proc {
		argv := javaArgv(t, line, "Provider", "--port", strconv.Itoa(port), "--registry", javaRegistry(etcd),
			"--heartbeat", strconv.FormatInt(heartbeat.Milliseconds(), 10), "--name", fmt.Sprintf("java-provider-%d", port))
		return startProc(t, "java provider "+line, integrationDir, nil, argv...)
	})
	return p, loopback(port)
}

// startJavaConsumer starts a Java consumer; args as in Consumer.java.
func startJavaConsumer(t *testing.T, line string, args ...string) *proc {
	t.Helper()
	return startProc(t, "java consumer "+line, integrationDir, nil, javaArgv(t, line, "Consumer", args...)...)
}

// javaConsumerChecks are the lines a Java consumer prints when the contract holds.
var javaConsumerChecks = []string{
	"sayHi: hi, java",
	"getUser: id=u1 name=Ada age=36 registered=2020-01-02T03:04:05Z",
	"no user missing",
	"ok",
}

// dubbogoBin returns a dubbo-go peer binary built by setup.sh.
func dubbogoBin(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(buildDir, "dubbogo-"+name)
	requireFile(t, p, "dubbo-go v1.5.9 "+name)
	return p
}

// gettySession is the getty session block dubbo-go v1.5.9 wants in its YAML.
func gettySession(name string) string {
	return `    getty_session_param:
      compress_encoding: false
      tcp_no_delay: true
      tcp_keep_alive: true
      keep_alive_period: "120s"
      tcp_r_buf_size: 262144
      tcp_w_buf_size: 65536
      pkg_rq_size: 1024
      pkg_wq_size: 512
      tcp_read_timeout: "1s"
      tcp_write_timeout: "5s"
      wait_timeout: "1s"
      max_msg_len: 1048576
      session_name: "` + name + `"
`
}

// startDubbogoProvider starts a dubbo-go provider, registered in etcd if etcd != "".
func startDubbogoProvider(t *testing.T, etcd string) (*proc, string) {
	t.Helper()
	bin := dubbogoBin(t, "provider")
	p, port := startListening(t, func(port int) *proc { return startDubbogoProviderOn(t, bin, etcd, port) })
	if etcd != "" {
		waitProviders(t, etcd, "org.apache.dubbo.samples.api.GreetingsService", "org.apache.dubbo.samples.api.UserService")
	}
	return p, loopback(port)
}

func startDubbogoProviderOn(t *testing.T, bin, etcd string, port int) *proc {
	t.Helper()
	var b strings.Builder
	b.WriteString(`application:
  organization: "pulse"
  name: "dubbogo-peer-provider"
  module: "dubbogo peer"
  version: "1.0.0"
  owner: "pulse"
  environment: "test"
`)
	reg := ""
	if etcd != "" {
		fmt.Fprintf(&b, "registries:\n  \"etcd\":\n    protocol: \"etcdv3\"\n    timeout: \"5s\"\n    address: %q\n", etcd)
		reg = `    registry: "etcd"` + "\n"
	}
	b.WriteString("services:\n")
	for _, s := range [][2]string{{"GreetingsProvider", "GreetingsService"}, {"UserProvider", "UserService"}} {
		fmt.Fprintf(&b, "  %q:\n%s    protocol: \"dubbo\"\n    interface: \"org.apache.dubbo.samples.api.%s\"\n    serialization: \"hessian2\"\n    cluster: \"failover\"\n    loadbalance: \"random\"\n", s[0], reg, s[1])
	}
	fmt.Fprintf(&b, `protocols:
  "dubbo":
    name: "dubbo"
    ip: "127.0.0.1"
    port: %d
protocol_conf:
  dubbo:
    session_number: 700
    session_timeout: "20s"
`, port)
	b.WriteString(gettySession("dubbogo-provider"))
	conf := filepath.Join(t.TempDir(), "provider.yml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// dubbo-go registers the machine's first non-loopback address unless told otherwise.
	env := []string{"CONF_PROVIDER_FILE_PATH=" + conf, "DUBBO_IP_TO_REGISTRY=127.0.0.1", "APP_LOG_CONF_FILE="}
	return startProc(t, "dubbo-go provider", integrationDir, env, bin)
}

// runDubbogoConsumer runs the dubbo-go consumer once, against url (direct) or etcd;
// extraEnv is added to the consumer's environment (PEER_IDLE=1: see consumer/main.go).
func runDubbogoConsumer(t *testing.T, url, etcd string, extraEnv ...string) *proc {
	t.Helper()
	bin := dubbogoBin(t, "consumer")
	var b strings.Builder
	b.WriteString(`request_timeout: "5s"
connect_timeout: "3s"
check: false
application:
  organization: "pulse"
  name: "dubbogo-peer-consumer"
  module: "dubbogo peer"
  version: "1.0.0"
  owner: "pulse"
  environment: "test"
`)
	reg := ""
	if etcd != "" {
		fmt.Fprintf(&b, "registries:\n  \"etcd\":\n    protocol: \"etcdv3\"\n    timeout: \"5s\"\n    address: %q\n", etcd)
		reg = `    registry: "etcd"` + "\n"
	}
	b.WriteString("references:\n")
	for _, s := range [][2]string{{"GreetingsConsumer", "GreetingsService"}, {"UserConsumer", "UserService"}} {
		fmt.Fprintf(&b, "  %q:\n%s    protocol: \"dubbo\"\n    interface: \"org.apache.dubbo.samples.api.%s\"\n    cluster: \"failover\"\n    retries: \"0\"\n", s[0], reg, s[1])
		if url != "" {
			fmt.Fprintf(&b, "    url: %q\n", url+"/org.apache.dubbo.samples.api."+s[1])
		}
	}
	b.WriteString(`protocol_conf:
  dubbo:
    reconnect_interval: 0
    connection_number: 1
    heartbeat_period: "1s"
    session_timeout: "20s"
`)
	b.WriteString(gettySession("dubbogo-consumer"))
	conf := filepath.Join(t.TempDir(), "consumer.yml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append([]string{"CONF_CONSUMER_FILE_PATH=" + conf, "APP_LOG_CONF_FILE="}, extraEnv...)
	return startProc(t, "dubbo-go consumer", integrationDir, env, bin)
}

var dubbogoConsumerChecks = []string{
	"sayHi: hi, dubbogo",
	"getUser: id=u1 name=Ada age=36 registered=2020-01-02T03:04:05Z",
	"no user missing",
	"ok",
}

// startPulseProvider starts samples/provider and waits for its ready line.
// registry is "none", or an etcd://host:port spec.
func startPulseProvider(t *testing.T, registry string, heartbeat time.Duration, name string) (*proc, string) {
	t.Helper()
	bin := requireSample(t, "provider")
	p, port := startListening(t, func(port int) *proc {
		return startProc(t, "pulse provider "+name, integrationDir, nil, bin, "--listen", loopback(port),
			"--registry", registry, "--heartbeat", heartbeat.String(), "--name", name)
	})
	return p, loopback(port)
}

// runPulseConsumer runs samples/consumer once with the given flags.
func runPulseConsumer(t *testing.T, args ...string) *proc {
	t.Helper()
	bin := requireSample(t, "consumer")
	// Generous: the first calls may be a cold JVM's first on a loaded machine.
	argv := append([]string{bin, "--timeout", "15s", "--wait", "60s"}, args...)
	return startProc(t, "pulse consumer", integrationDir, nil, argv...)
}

// pulseConsumerChecks are the lines samples/consumer prints when the contract holds.
var pulseConsumerChecks = []string{
	`sayHi("pulse") = "hi, pulse"`,
	`getUser("u1") = {id: u1, name: Ada, age: 36, registered: 2020-01-02T03:04:05Z}`,
}

func etcdSpec(endpoint string) string { return "etcd://" + endpoint }
