package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// freePort is the port of -listen host:port, or a free one.
func freePort(args []string) (int, error) {
	if l := flagValue(args, "listen"); l != "" {
		_, p, err := net.SplitHostPort(l)
		if err != nil {
			return 0, err
		}
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			return n, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// gettySession is the getty session block dubbo-go v1.5.9 wants, with the
// values of its samples.
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
      max_msg_len: 16777216
      session_name: "` + name + `"
`
}

const application = `application:
  organization: "pulse"
  name: "pulse-bench-dubbogo"
  module: "bench"
  version: "1.0.0"
  owner: "pulse"
  environment: "test"
`

var services = [][2]string{{"GreetingsProvider", "GreetingsService"}, {"UserProvider", "UserService"}}

func providerYAML(port int) string {
	var b strings.Builder
	b.WriteString(application)
	b.WriteString("services:\n")
	for _, s := range services {
		fmt.Fprintf(&b, "  %q:\n    protocol: \"dubbo\"\n    interface: \"org.apache.dubbo.samples.api.%s\"\n    serialization: \"hessian2\"\n    cluster: \"failover\"\n    loadbalance: \"random\"\n", s[0], s[1])
	}
	fmt.Fprintf(&b, `protocols:
  "dubbo":
    name: "dubbo"
    ip: "127.0.0.1"
    port: %d
protocol_conf:
  dubbo:
    session_number: 20000
    session_timeout: "20s"
`, port)
	b.WriteString(gettySession("bench-provider"))
	return b.String()
}

// consumerYAML refers to both services at target, over one connection.
func consumerYAML(target string) string {
	var b strings.Builder
	b.WriteString(`request_timeout: "5s"
connect_timeout: "3s"
check: false
`)
	b.WriteString(application)
	b.WriteString("references:\n")
	for _, s := range [][2]string{{"GreetingsConsumer", "GreetingsService"}, {"UserConsumer", "UserService"}} {
		fmt.Fprintf(&b, "  %q:\n    protocol: \"dubbo\"\n    interface: \"org.apache.dubbo.samples.api.%s\"\n    cluster: \"failover\"\n    retries: \"0\"\n    url: %q\n",
			s[0], s[1], "dubbo://"+target+"/org.apache.dubbo.samples.api."+s[1])
	}
	b.WriteString(`protocol_conf:
  dubbo:
    reconnect_interval: 0
    connection_number: 1
    heartbeat_period: "60s"
    session_timeout: "180s"
`)
	b.WriteString(gettySession("bench-consumer"))
	return b.String()
}

// logYAML is the zap configuration dubbo-go reads: warnings and errors only.
const logYAML = `level: "warn"
development: false
encoding: "console"
outputPaths: ["stderr"]
errorOutputPaths: ["stderr"]
encoderConfig:
  messageKey: "message"
  levelKey: "level"
  timeKey: "time"
  callerKey: "caller"
  levelEncoder: "capital"
  timeEncoder: "iso8601"
  callerEncoder: "short"
`
