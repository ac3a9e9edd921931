package pulse

import (
	"log/slog"
	"time"

	"github.com/pulse-rpc/pulse/cluster"
)

// Defaults, as Java Dubbo has them.
const (
	DefaultAddress      = ":20880"
	DefaultHeartbeat    = 60 * time.Second // heartbeat interval; the timeout is 3 intervals
	DefaultTimeout      = time.Second      // per call (Java's default is 1000 ms)
	DefaultRetries      = 2                // failover retries, on other providers
	DefaultPayloadLimit = 8 << 20          // 8 MiB, both ways
	DefaultShutdownWait = 10 * time.Second // in-flight calls' drain bound at shutdown
	DefaultCluster      = "failover"
	DefaultLoadBalance  = "random"
	DefaultApplication  = "pulse"
)

// common holds what both sides configure.
type common struct {
	registry         string
	heartbeat        time.Duration
	heartbeatTimeout time.Duration
	payloadLimit     int
	logger           *slog.Logger
	application      string
}

func defaultCommon() common {
	return common{heartbeat: DefaultHeartbeat, payloadLimit: DefaultPayloadLimit, logger: slog.Default(),
		application: DefaultApplication}
}

func (c *common) hbTimeout() time.Duration {
	if c.heartbeatTimeout > 0 {
		return c.heartbeatTimeout
	}
	return 3 * c.heartbeat
}

// Option configures both a Server and a Client.
type Option interface {
	ServerOption
	ClientOption
}

// ServerOption configures a Server.
type ServerOption interface{ applyServer(*serverConfig) }

// ClientOption configures a Client.
type ClientOption interface{ applyClient(*clientConfig) }

type commonOption func(*common)

func (f commonOption) applyServer(c *serverConfig) { f(&c.common) }
func (f commonOption) applyClient(c *clientConfig) { f(&c.common) }

// WithRegistry names the registry: "etcd://host:port[,host:port...]" for an
// etcd cluster, or "" / "none" for none (the default). A server registers its
// services there; a client discovers providers there unless a service is
// referred with URL.
func WithRegistry(spec string) Option {
	return commonOption(func(c *common) { c.registry = spec })
}

// WithHeartbeat sets the heartbeat interval (default 60 s, as Java Dubbo): a
// heartbeat goes out on a connection idle that long; a connection silent for
// three intervals is closed (server) or reconnected (client). Keep it the
// same on both sides.
func WithHeartbeat(interval time.Duration) Option {
	return commonOption(func(c *common) {
		if interval > 0 {
			c.heartbeat = interval
		}
	})
}

// WithHeartbeatTimeout sets how long a connection may stay silent before it
// is given up (default 3 heartbeat intervals).
func WithHeartbeatTimeout(d time.Duration) Option {
	return commonOption(func(c *common) { c.heartbeatTimeout = d })
}

// WithPayloadLimit sets the largest frame body accepted or sent (default
// 8 MiB, as Dubbo's payload parameter).
func WithPayloadLimit(n int) Option {
	return commonOption(func(c *common) {
		if n > 0 {
			c.payloadLimit = n
		}
	})
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return commonOption(func(c *common) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithApplication sets the application name written in registry URLs
// (default "pulse").
func WithApplication(name string) Option {
	return commonOption(func(c *common) { c.application = name })
}

type serverConfig struct {
	common
	address      string
	callTimeout  time.Duration
	shutdownWait time.Duration
	health       func() string
	host         string // host to register, when the listen address has none
	maxCalls     int    // server_options.go
	interceptors []Interceptor
}

type serverOption func(*serverConfig)

func (f serverOption) applyServer(c *serverConfig) { f(c) }

// WithAddress sets the listen address (default ":20880").
func WithAddress(addr string) ServerOption {
	return serverOption(func(c *serverConfig) { c.address = addr })
}

// WithShutdownWait bounds how long Serve waits for in-flight calls after its
// context ends (default 10 s); calls still running then see their contexts
// end, and those not returned a second later are abandoned (Serve returns
// without them).
func WithShutdownWait(d time.Duration) ServerOption {
	return serverOption(func(c *serverConfig) { c.shutdownWait = d })
}

// WithServerTimeout bounds each call on the server, whatever the caller
// asked: when a method has not returned after d, the caller gets
// SERVER_TIMEOUT at once and the method's context ends. Zero (the default)
// leaves only the caller's own timeout, which the method's context carries.
func WithServerTimeout(d time.Duration) ServerOption {
	return serverOption(func(c *serverConfig) { c.callTimeout = d })
}

// WithHealth makes the server report its application's health in the
// answers to Pulse clients' heartbeats: "SERVING" (the default), "DEGRADED"
// (serving, but something it depends on is slow or failing) or "FAILING".
// Pulse clients weight a degraded provider down and a failing one further
// before any call fails there; Java and dubbo-go peers see only the standard
// heartbeat. f is called once per heartbeat answer and must be fast.
func WithHealth(f func() string) ServerOption {
	return serverOption(func(c *serverConfig) { c.health = f })
}

// WithRegisterHost sets the host written into registered provider URLs. The
// default is the listen address's host, or the machine's first non-loopback
// address when the server listens on all interfaces.
func WithRegisterHost(host string) ServerOption {
	return serverOption(func(c *serverConfig) { c.host = host })
}

type clientConfig struct {
	common
	defaults     []ServiceOption
	connections  int
	interceptors []Interceptor
}

type clientOption func(*clientConfig)

func (f clientOption) applyClient(c *clientConfig) { f(c) }

// WithConnections sets how many connections the client keeps to each
// provider address (default 1: one shared connection, as Java Dubbo).
func WithConnections(n int) ClientOption {
	return clientOption(func(c *clientConfig) {
		if n > 0 {
			c.connections = n
		}
	})
}

// WithDefaults sets service options every Refer and Invoke of the client
// starts from (for example a Timeout for all services).
func WithDefaults(opts ...ServiceOption) ClientOption {
	return clientOption(func(c *clientConfig) { c.defaults = append(c.defaults, opts...) })
}

// serviceConfig is what Register and Refer options set.
type serviceConfig struct {
	version, group string
	urls           []string
	names          map[string]string
	types          map[string][]string
	exclude        []string
	call           callConfig
	methods        map[string]callConfig // by Java method name
}

// ServiceOption configures one Register or Refer (and Invoke). Options that
// do not concern the side they are given to are ignored.
type ServiceOption interface{ applyService(*serviceConfig) }

type serviceOption func(*serviceConfig)

func (f serviceOption) applyService(c *serviceConfig) { f(c) }

// Version sets the service version ("" for none: Java consumers send 0.0.0).
func Version(v string) ServiceOption {
	return serviceOption(func(c *serviceConfig) { c.version = v })
}

// Group sets the service group.
func Group(g string) ServiceOption {
	return serviceOption(func(c *serviceConfig) { c.group = g })
}

// URL refers a service at fixed provider addresses, "dubbo://host:port"
// (repeat the option or separate with commas for several), bypassing the
// registry. Refer only.
func URL(urls ...string) ServiceOption {
	return serviceOption(func(c *serviceConfig) { c.urls = append(c.urls, urls...) })
}

// MethodName maps a Go method to a Java method name where the default (Go
// name with a lower-case first letter) is wrong. Give several Go methods the
// same Java name to serve Java overloads. Register only; on the client side
// use the stub field's `pulse:"name"` tag.
func MethodName(goName, javaName string) ServiceOption {
	return serviceOption(func(c *serviceConfig) {
		if c.names == nil {
			c.names = map[string]string{}
		}
		c.names[goName] = javaName
	})
}

// ParamTypes sets the Java parameter types of a Go method ("int",
// "java.lang.Integer", "java.util.List", "long[]"), where the Go types alone
// do not say it. Register only; on the client side use the stub field's
// `pulse:"name,types=int;java.lang.String"` tag.
func ParamTypes(goName string, javaTypes ...string) ServiceOption {
	return serviceOption(func(c *serviceConfig) {
		if c.types == nil {
			c.types = map[string][]string{}
		}
		c.types[goName] = javaTypes
	})
}

// Exclude leaves exported Go methods out of a registered service.
func Exclude(goNames ...string) ServiceOption {
	return serviceOption(func(c *serviceConfig) { c.exclude = append(c.exclude, goNames...) })
}

// callConfig is what a call is made with.
type callConfig struct {
	timeout     time.Duration
	retries     int
	retriesSet  bool
	cluster     string
	loadBalance string
	idempotent  bool
}

func (c callConfig) merge(over callConfig) callConfig {
	if over.timeout > 0 {
		c.timeout = over.timeout
	}
	if over.retriesSet {
		c.retries, c.retriesSet = over.retries, true
	}
	if over.cluster != "" {
		c.cluster = over.cluster
	}
	if over.loadBalance != "" {
		c.loadBalance = over.loadBalance
	}
	if over.idempotent {
		c.idempotent = true
	}
	return c
}

// clusterRetries is the retries to give the cluster strategy, if any: the
// user's, or Pulse's default (2, failover's); failback keeps its own Java
// default (3 background retries) unless the user set retries.
func (c callConfig) clusterRetries() (int, bool) {
	if !c.retriesSet && c.cluster == cluster.Failback {
		return 0, false
	}
	return c.retries, true
}

// CallOption configures calls: for a whole service (given to Refer or
// Invoke) or for one method (inside Method).
type CallOption interface {
	ServiceOption
	applyCall(*callConfig)
}

type callOption func(*callConfig)

func (f callOption) applyCall(c *callConfig)       { f(c) }
func (f callOption) applyService(c *serviceConfig) { f(&c.call) }

// Timeout bounds each call (default 1 s, Java's default). A context deadline
// that comes sooner wins.
func Timeout(d time.Duration) CallOption {
	return callOption(func(c *callConfig) { c.timeout = d })
}

// Retries sets how many other providers a failed call is retried on
// (default 2; 0 disables). With Cluster("failback") it is the number of
// background retries (default 3, as Java).
func Retries(n int) CallOption {
	return callOption(func(c *callConfig) { c.retries, c.retriesSet = n, true })
}

// Cluster sets the cluster strategy by its Dubbo name: failover (default),
// failfast, failsafe, failback, forking, broadcast.
func Cluster(name string) CallOption {
	return callOption(func(c *callConfig) { c.cluster = name })
}

// LoadBalance sets the load balancer by its Dubbo name: random (default),
// roundrobin, leastactive, consistenthash, shortestresponse.
func LoadBalance(name string) CallOption {
	return callOption(func(c *callConfig) { c.loadBalance = name })
}

// Idempotent says calls may run twice without harm, so that failover also
// retries a call that timed out or whose connection died while it was in
// flight (the provider may have run it). Without it only calls that never
// reached a provider are retried elsewhere.
func Idempotent() CallOption {
	return callOption(func(c *callConfig) { c.idempotent = true })
}

// Method applies call options to one Java method of a referred service.
func Method(javaName string, opts ...CallOption) ServiceOption {
	return serviceOption(func(c *serviceConfig) {
		if c.methods == nil {
			c.methods = map[string]callConfig{}
		}
		mc := c.methods[javaName]
		for _, o := range opts {
			o.applyCall(&mc)
		}
		c.methods[javaName] = mc
	})
}

func newServiceConfig(defaults []ServiceOption, opts []ServiceOption) serviceConfig {
	c := serviceConfig{call: callConfig{timeout: DefaultTimeout, retries: DefaultRetries, cluster: DefaultCluster,
		loadBalance: DefaultLoadBalance}}
	for _, o := range defaults {
		o.applyService(&c)
	}
	for _, o := range opts {
		o.applyService(&c)
	}
	return c
}

// callFor returns the call configuration of a Java method.
func (c *serviceConfig) callFor(method string) callConfig {
	if mc, ok := c.methods[method]; ok {
		return c.call.merge(mc)
	}
	return c.call
}
