package registry

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Values Pulse writes into the dubbo and release parameters. Java peers read
// dubbo as the protocol version and release as the framework version; Pulse
// speaks the protocol of this Java release.
const (
	DubboProtocolVersion = "2.0.2"
	DefaultRelease       = "2.7.23"
)

// URLOption sets parameters of a URL built by NewProviderURL or NewConsumerURL.
type URLOption func(*URL)

// WithParam sets one parameter; an empty value removes it.
func WithParam(key, value string) URLOption { return func(u *URL) { u.set(key, value) } }

// WithApplication sets the application name.
func WithApplication(name string) URLOption { return WithParam(KeyApplication, name) }

// WithVersion sets the service version.
func WithVersion(v string) URLOption { return WithParam(KeyVersion, v) }

// WithGroup sets the service group.
func WithGroup(g string) URLOption { return WithParam(KeyGroup, g) }

// WithSerialization sets the serialization name (e.g. "hessian2").
func WithSerialization(name string) URLOption { return WithParam(KeySerialization, name) }

// WithRelease overrides the release parameter.
func WithRelease(r string) URLOption { return WithParam(KeyRelease, r) }

// WithWeight sets the provider weight (Java's default is 100).
func WithWeight(w int) URLOption { return WithParam(KeyWeight, strconv.Itoa(w)) }

// WithWarmup sets the provider warm-up period, written in milliseconds.
func WithWarmup(d time.Duration) URLOption {
	return WithParam(KeyWarmup, strconv.FormatInt(d.Milliseconds(), 10))
}

// WithMethods sets the methods parameter: the names sorted, duplicates
// dropped, joined by commas.
func WithMethods(names ...string) URLOption {
	m := slices.Clone(names)
	slices.Sort(m)
	m = slices.Compact(m)
	return WithParam(KeyMethods, strings.Join(m, ","))
}

// WithTimestamp sets the timestamp parameter (milliseconds, as Java writes
// it). The builders use the current time by default.
func WithTimestamp(t time.Time) URLOption {
	return WithParam(KeyTimestamp, strconv.FormatInt(t.UnixMilli(), 10))
}

// WithPID sets the pid parameter (the builders use os.Getpid by default).
func WithPID(pid int) URLOption { return WithParam(KeyPID, strconv.Itoa(pid)) }

// WithAnyHost sets anyhost: true when the provider listens on all addresses.
func WithAnyHost(any bool) URLOption { return WithParam(KeyAnyHost, strconv.FormatBool(any)) }

// NewProviderURL builds the URL a Java Dubbo 2.7 provider registers for a
// service exported with the dubbo protocol at host:port:
//
//	dubbo://host:port/iface?anyhost=false&application=...&deprecated=false&dubbo=2.0.2
//	  &dynamic=true&generic=false&interface=iface&methods=...&pid=...&release=2.7.23
//	  &side=provider&timestamp=<ms>
//
// plus what the options add (version, group, weight, serialization, ...).
func NewProviderURL(host string, port int, iface string, opts ...URLOption) URL {
	u := URL{Protocol: "dubbo", Host: host, Port: port, Path: iface, Params: map[string]string{
		KeyAnyHost:    "false",
		KeyDeprecated: "false",
		KeyDubbo:      DubboProtocolVersion,
		KeyDynamic:    "true",
		KeyGeneric:    "false",
		KeyInterface:  iface,
		KeyPID:        strconv.Itoa(os.Getpid()),
		KeyRelease:    DefaultRelease,
		KeySide:       SideProvider,
		KeyTimestamp:  strconv.FormatInt(time.Now().UnixMilli(), 10),
	}}
	for _, o := range opts {
		o(&u)
	}
	return u
}

// NewConsumerURL builds the URL a Java Dubbo 2.7 consumer registers under the
// consumers category:
//
//	consumer://host/iface?application=...&category=consumers&check=false&dubbo=2.0.2
//	  &interface=iface&pid=...&release=2.7.23&side=consumer&sticky=false&timestamp=<ms>
//
// Subscribe uses the same URL (its interface, group and version) to select
// providers.
func NewConsumerURL(host, iface string, opts ...URLOption) URL {
	u := URL{Protocol: SideConsumer, Host: host, Path: iface, Params: map[string]string{
		KeyCategory:  CategoryConsumers,
		KeyCheck:     "false",
		KeyDubbo:     DubboProtocolVersion,
		KeyInterface: iface,
		KeyPID:       strconv.Itoa(os.Getpid()),
		KeyRelease:   DefaultRelease,
		KeySide:      SideConsumer,
		KeySticky:    "false",
		KeyTimestamp: strconv.FormatInt(time.Now().UnixMilli(), 10),
	}}
	for _, o := range opts {
		o(&u)
	}
	return u
}
