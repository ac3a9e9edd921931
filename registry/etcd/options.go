package etcd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pulse-rpc/pulse/registry"
)

// ErrConfig matches (with errors.Is) every configuration error of New and Open.
var ErrConfig = errors.New("etcd registry: bad configuration")

// Defaults, as Java Dubbo's etcd3 registry uses them where it has one.
const (
	DefaultTTL            = 30 * time.Second // Java: session 30000 ms
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	minTTL                = 2 * time.Second
)

// Option configures New and Open.
type Option func(*options)

type options struct {
	endpoints      []string
	dialTimeout    time.Duration
	requestTimeout time.Duration
	tls            *tls.Config
	username       string
	password       string
	ttl            time.Duration
	root           string
	logger         *slog.Logger
	backoffMin     time.Duration
	backoffMax     time.Duration
}

func defaultOptions() options {
	return options{
		dialTimeout:    DefaultDialTimeout,
		requestTimeout: DefaultRequestTimeout,
		ttl:            DefaultTTL,
		root:           registry.DefaultRoot,
		backoffMin:     100 * time.Millisecond,
		backoffMax:     2 * time.Second,
	}
}

// WithEndpoints sets the etcd endpoints (host:port or http(s)://host:port);
// the client spreads over all of them and fails over between them.
func WithEndpoints(eps ...string) Option {
	return func(o *options) { o.endpoints = append(o.endpoints, eps...) }
}

// WithDialTimeout bounds connection set-up to an endpoint (default 5 s).
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }

// WithRequestTimeout bounds each background request to etcd: lease grants,
// puts and deletes of registrations, resync reads (default 5 s).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.requestTimeout = d } }

// WithTLS sets the TLS configuration of the client connections.
func WithTLS(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// WithAuth sets etcd username and password.
func WithAuth(username, password string) Option {
	return func(o *options) { o.username, o.password = username, password }
}

// WithTTL sets the lease TTL of registrations: how long keys outlive a
// process that stopped without unregistering (default 30 s, as Java;
// rounded to whole seconds, at least 2 s).
func WithTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithRoot sets the first key segment (default "dubbo"; Java: the registry
// URL's group parameter).
func WithRoot(root string) Option { return func(o *options) { o.root = root } }

// WithLogger sets the logger (default slog.Default()). etcd client warnings
// and errors go to it too.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRetryBackoff sets the bounds of the exponential backoff (with jitter)
// between retries while etcd does not answer (default 100 ms to 2 s).
func WithRetryBackoff(min, max time.Duration) Option {
	return func(o *options) { o.backoffMin, o.backoffMax = min, max }
}

func (o *options) check() error {
	if len(o.endpoints) == 0 {
		return fmt.Errorf("%w: no endpoints", ErrConfig)
	}
	for _, ep := range o.endpoints {
		if strings.TrimSpace(ep) == "" {
			return fmt.Errorf("%w: empty endpoint", ErrConfig)
		}
	}
	if o.ttl < minTTL {
		return fmt.Errorf("%w: TTL %v below %v", ErrConfig, o.ttl, minTTL)
	}
	if o.root = strings.Trim(o.root, "/"); o.root == "" {
		return fmt.Errorf("%w: empty root", ErrConfig)
	}
	if o.dialTimeout <= 0 || o.requestTimeout <= 0 || o.backoffMin <= 0 || o.backoffMax < o.backoffMin {
		return fmt.Errorf("%w: timeouts and backoff must be positive", ErrConfig)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return nil
}

// parseAddress reads "etcd://[user:password@]host:port[,host:port...][?ttl=10s&root=dubbo&dial-timeout=3s]";
// the "etcd://" prefix is optional.
func parseAddress(addr string) ([]Option, error) {
	s := strings.TrimSpace(addr)
	if rest, ok := strings.CutPrefix(s, "etcd://"); ok {
		s = rest
	} else if strings.Contains(s, "://") && !strings.HasPrefix(s, "http") {
		return nil, fmt.Errorf("%w: address %q: scheme is not etcd", ErrConfig, addr)
	}
	var opts []Option
	if i := strings.IndexByte(s, '?'); i >= 0 {
		q := s[i+1:]
		s = s[:i]
		for kv := range strings.SplitSeq(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "":
			case "ttl", "dial-timeout", "request-timeout":
				d, err := parseDuration(v)
				if err != nil {
					return nil, fmt.Errorf("%w: address %q: %s: %v", ErrConfig, addr, k, err)
				}
				switch k {
				case "ttl":
					opts = append(opts, WithTTL(d))
				case "dial-timeout":
					opts = append(opts, WithDialTimeout(d))
				default:
					opts = append(opts, WithRequestTimeout(d))
				}
			case "root", "group":
				opts = append(opts, WithRoot(v))
			default:
				return nil, fmt.Errorf("%w: address %q: unknown parameter %q", ErrConfig, addr, k)
			}
		}
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		user, pass, _ := strings.Cut(s[:i], ":")
		opts = append(opts, WithAuth(user, pass))
		s = s[i+1:]
	}
	var eps []string
	for ep := range strings.SplitSeq(s, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			eps = append(eps, ep)
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("%w: address %q: no endpoints", ErrConfig, addr)
	}
	return append(opts, WithEndpoints(eps...)), nil
}

// parseDuration reads a Go duration ("10s") or plain milliseconds ("10000"),
// as Java Dubbo writes durations.
func parseDuration(v string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(ms) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}
