package registry

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// URL is a Dubbo URL such as
//
//	dubbo://192.168.0.10:20880/org.apache.dubbo.samples.api.GreetingsService?interface=...&methods=sayHi&side=provider
//
// Params keep one value per key; String writes them sorted by key, as Java's
// URL.toFullString does. Host is kept without IPv6 brackets; String adds them.
type URL struct {
	Protocol string // "dubbo", "consumer", "empty", ...
	Username string
	Password string
	Host     string // host without port
	Port     int
	Path     string // the service path, usually the Java interface name
	Params   map[string]string
}

// ErrInvalidURL matches (with errors.Is) every error returned by Parse and
// by the key decoders of this package.
var ErrInvalidURL = errors.New("registry: invalid URL")

func invalid(reason, input string) error {
	const max = 200
	if len(input) > max {
		input = input[:max] + "..."
	}
	return fmt.Errorf("%w: %s: %q", ErrInvalidURL, reason, input)
}

// Parameter keys written and read by Java Dubbo.
const (
	KeyInterface     = "interface"
	KeyMethods       = "methods"
	KeySide          = "side"
	KeyApplication   = "application"
	KeyDubbo         = "dubbo"
	KeyRelease       = "release"
	KeyTimestamp     = "timestamp"
	KeyPID           = "pid"
	KeySerialization = "serialization"
	KeyVersion       = "version"
	KeyGroup         = "group"
	KeyWeight        = "weight"
	KeyWarmup        = "warmup"
	KeyAnyHost       = "anyhost"
	KeyDynamic       = "dynamic"
	KeyDeprecated    = "deprecated"
	KeyGeneric       = "generic"
	KeyCategory      = "category"
	KeyEnabled       = "enabled"
	KeyClassifier    = "classifier"
	KeyCheck         = "check"
	KeySticky        = "sticky"
	KeyTimeout       = "timeout"
	KeyHeartbeat     = "heartbeat"
)

// Values of the side and category parameters, and the "any" wildcard.
const (
	SideProvider        = "provider"
	SideConsumer        = "consumer"
	CategoryProviders   = "providers"
	CategoryConsumers   = "consumers"
	CategoryRouters     = "routers"
	CategoryConfigurors = "configurators"
	AnyValue            = "*"
)

// Defaults Java Dubbo applies when a parameter is absent.
const (
	DefaultWeight = 100
	DefaultWarmup = 10 * time.Minute
)

// Parse reads a URL in the textual form Java's URL.valueOf accepts:
// protocol://user:password@host:port/path?k=v&k2=v2. Parameter values are
// taken raw (no percent-decoding), like Java. A parameter without '=' gets
// its own name as value, like Java. Only an unparsable port, an empty input
// or a bracketed IPv6 host without its closing bracket are errors.
func Parse(s string) (URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return URL{}, invalid("empty", s)
	}
	var u URL
	rest := s
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		u.Params = parseParams(rest[i+1:])
		rest = rest[:i]
	}
	if i := strings.Index(rest, "://"); i >= 0 {
		if i == 0 {
			return URL{}, invalid("missing protocol", s)
		}
		u.Protocol, rest = rest[:i], rest[i+3:]
	} else if i := strings.Index(rest, ":/"); i >= 0 {
		// file:/path/to/file: a path and no authority.
		if i == 0 {
			return URL{}, invalid("missing protocol", s)
		}
		u.Protocol, u.Path = rest[:i], strings.TrimSpace(rest[i+2:])
		return u, nil
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		u.Path, rest = strings.TrimSpace(rest[i+1:]), rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		user := rest[:i]
		rest = rest[i+1:]
		if j := strings.IndexByte(user, ':'); j >= 0 {
			u.Username, u.Password = user[:j], user[j+1:]
		} else {
			u.Username = user
		}
	}
	host, port, err := splitHostPort(strings.TrimSpace(rest))
	if err != nil {
		return URL{}, invalid(err.Error(), s)
	}
	u.Host, u.Port = strings.TrimSpace(host), port
	return u, nil
}

func splitHostPort(hp string) (string, int, error) {
	if hp == "" {
		return "", 0, nil
	}
	var host, port string
	if hp[0] == '[' {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", 0, errors.New("missing ']' in host")
		}
		host = hp[1:end]
		if strings.IndexByte(host, '[') >= 0 {
			return "", 0, errors.New("bracket in host")
		}
		switch after := hp[end+1:]; {
		case after == "":
		case after[0] == ':':
			port = after[1:]
		default:
			return "", 0, errors.New("junk after IPv6 host")
		}
	} else if strings.ContainsAny(hp, "[]") {
		return "", 0, errors.New("bracket in host")
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		if strings.IndexByte(hp[:i], ':') >= 0 {
			// A bare IPv6 address without brackets and without port.
			return hp, 0, nil
		}
		host, port = hp[:i], hp[i+1:]
	} else {
		host = hp
	}
	if port == "" {
		return host, 0, nil
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, errors.New("bad port")
	}
	return host, p, nil
}

func parseParams(q string) map[string]string {
	if q == "" {
		return nil
	}
	m := make(map[string]string, strings.Count(q, "&")+1)
	for part := range strings.SplitSeq(q, "&") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			v = k // Java's URL.valueOf: "a&b" means a=a, b=b.
		}
		if k == "" {
			continue
		}
		m[k] = v
	}
	return m
}

// MustParse is Parse for constants in tests and examples; it panics on error.
func MustParse(s string) URL {
	u, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// String returns the full form of the URL with parameters sorted by key, the
// form Java's URL.toFullString produces and the etcd registry encodes into
// its keys. Parameters with an empty key are left out.
func (u URL) String() string {
	var b strings.Builder
	n := len(u.Protocol) + len(u.Username) + len(u.Password) + len(u.Host) + len(u.Path) + 16
	keys := make([]string, 0, len(u.Params))
	for k, v := range u.Params {
		if k == "" {
			continue
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	b.Grow(n)
	u.writeBase(&b)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(u.Params[k])
	}
	return b.String()
}

func (u URL) writeBase(b *strings.Builder) {
	if u.Protocol != "" {
		b.WriteString(u.Protocol)
		b.WriteString("://")
	}
	if u.Username != "" || u.Password != "" {
		b.WriteString(u.Username)
		if u.Password != "" {
			b.WriteByte(':')
			b.WriteString(u.Password)
		}
		b.WriteByte('@')
	}
	if strings.IndexByte(u.Host, ':') >= 0 {
		b.WriteByte('[')
		b.WriteString(u.Host)
		b.WriteByte(']')
	} else {
		b.WriteString(u.Host)
	}
	if u.Port > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(u.Port))
	}
	if u.Path != "" {
		b.WriteByte('/')
		b.WriteString(u.Path)
	}
}

// Clone returns a copy whose Params map may be changed without touching u.
func (u URL) Clone() URL {
	if u.Params != nil {
		m := make(map[string]string, len(u.Params))
		for k, v := range u.Params {
			m[k] = v
		}
		u.Params = m
	}
	return u
}

// With returns a copy of u with parameter key set to value; an empty value
// removes the parameter (Java's URL.addParameter ignores empty values).
func (u URL) With(key, value string) URL {
	u = u.Clone()
	u.set(key, value)
	return u
}

func (u *URL) set(key, value string) {
	if value == "" {
		delete(u.Params, key)
		return
	}
	if u.Params == nil {
		u.Params = make(map[string]string)
	}
	u.Params[key] = value
}

// Param returns the value of a parameter, or "" when absent.
func (u URL) Param(key string) string { return u.Params[key] }

// ParamOr returns the value of a parameter, or def when absent or empty.
func (u URL) ParamOr(key, def string) string {
	if v := u.Params[key]; v != "" {
		return v
	}
	return def
}

// IntParam returns a parameter as an integer, or def when absent or not a number.
func (u URL) IntParam(key string, def int64) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(u.Params[key]), 10, 64)
	if err != nil {
		return def
	}
	return v
}

// BoolParam returns a parameter as a boolean ("true" or "false", any case,
// as Java's Boolean.parseBoolean reads it), or def when absent.
func (u URL) BoolParam(key string, def bool) bool {
	v := strings.TrimSpace(u.Params[key])
	if v == "" {
		return def
	}
	return strings.EqualFold(v, "true")
}

// DurationParam reads a parameter in milliseconds, as Java Dubbo writes
// timeouts, heartbeats and warm-up times.
func (u URL) DurationParam(key string, def time.Duration) time.Duration {
	ms := u.IntParam(key, -1)
	if ms < 0 {
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// Address returns host:port, with brackets around an IPv6 host.
func (u URL) Address() string {
	if u.Port <= 0 {
		return u.Host
	}
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
}

// Interface returns the service interface: the interface parameter, or the
// path when that is absent (Java's URL.getServiceInterface).
func (u URL) Interface() string { return u.ParamOr(KeyInterface, u.Path) }

// Version returns the service version ("" when none).
func (u URL) Version() string { return u.Params[KeyVersion] }

// Group returns the service group ("" when none).
func (u URL) Group() string { return u.Params[KeyGroup] }

// Side returns "provider" or "consumer" as written in the side parameter.
func (u URL) Side() string { return u.Params[KeySide] }

// Application returns the application name.
func (u URL) Application() string { return u.Params[KeyApplication] }

// Serialization returns the serialization parameter ("" when not configured;
// Java then uses hessian2 for Dubbo 2.7).
func (u URL) Serialization() string { return u.Params[KeySerialization] }

// Release returns the release of the framework that wrote the URL.
func (u URL) Release() string { return u.Params[KeyRelease] }

// Category returns the category parameter, "providers" when absent.
func (u URL) Category() string { return u.ParamOr(KeyCategory, CategoryProviders) }

// Weight returns the weight parameter, 100 when absent (Java's default).
func (u URL) Weight() int {
	w := u.IntParam(KeyWeight, DefaultWeight)
	if w < 0 {
		return 0
	}
	if w > 1<<31-1 {
		return 1<<31 - 1
	}
	return int(w)
}

// Warmup returns the warm-up period, 10 minutes when absent (Java's default).
func (u URL) Warmup() time.Duration { return u.DurationParam(KeyWarmup, DefaultWarmup) }

// Timestamp returns the registration time. Java writes milliseconds since the
// epoch; dubbo-go v1.5.9 writes seconds. Values below 10^11 are read as
// seconds (10^11 ms is 1973, 10^11 s is year 5138). Zero when absent.
func (u URL) Timestamp() time.Time {
	ts := u.IntParam(KeyTimestamp, 0)
	switch {
	case ts <= 0:
		return time.Time{}
	case ts < 1e11:
		return time.Unix(ts, 0)
	default:
		return time.UnixMilli(ts)
	}
}

// Methods returns the comma-separated methods parameter as a slice.
func (u URL) Methods() []string {
	v := u.Params[KeyMethods]
	if v == "" {
		return nil
	}
	out := strings.Split(v, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// Enabled reports the enabled parameter, true when absent.
func (u URL) Enabled() bool { return u.BoolParam(KeyEnabled, true) }

// Dynamic reports the dynamic parameter, true when absent: dynamic
// registrations live only as long as the registering process's lease.
func (u URL) Dynamic() bool { return u.BoolParam(KeyDynamic, true) }

// ServiceKey returns group/interface:version, Java's URL.getServiceKey, with
// the group and version parts left out when empty.
func (u URL) ServiceKey() string {
	iface := u.Interface()
	g, v := u.Group(), u.Version()
	if g == "" && v == "" {
		return iface
	}
	var b strings.Builder
	b.Grow(len(g) + len(iface) + len(v) + 2)
	if g != "" {
		b.WriteString(g)
		b.WriteByte('/')
	}
	b.WriteString(iface)
	if v != "" {
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// Identity names one exported service of one process: protocol, address,
// path, group and version. Two registrations of the same service at the same
// address (for example before and after a restart with a new timestamp)
// share it; directories keep one entry per identity.
func (u URL) Identity() string {
	var b strings.Builder
	b.Grow(len(u.Protocol) + len(u.Host) + len(u.Path) + 32)
	b.WriteString(u.Protocol)
	b.WriteString("://")
	b.WriteString(u.Address())
	b.WriteByte('/')
	b.WriteString(u.Path)
	if g := u.Group(); g != "" {
		b.WriteString("?group=")
		b.WriteString(g)
	}
	if v := u.Version(); v != "" {
		b.WriteString("#version=")
		b.WriteString(v)
	}
	return b.String()
}

// Equal reports whether u and o have the same full string form.
func (u URL) Equal(o URL) bool {
	if u.Protocol != o.Protocol || u.Username != o.Username || u.Password != o.Password ||
		u.Host != o.Host || u.Port != o.Port || u.Path != o.Path || len(u.Params) != len(o.Params) {
		return false
	}
	for k, v := range u.Params {
		if ov, ok := o.Params[k]; !ok || ov != v {
			return false
		}
	}
	return true
}
