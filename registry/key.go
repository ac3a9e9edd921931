package registry

import (
	"net/url"
	"strings"
)

// DefaultRoot is the first segment of every registry key unless configured
// otherwise (Java: the registry URL's group parameter, default "dubbo").
const DefaultRoot = "dubbo"

// EncodeComponent encodes s as java.net.URLEncoder.encode(s, "UTF-8") does:
// ASCII letters, digits and the four characters * - . _ stay, a space becomes
// '+', every other byte of the UTF-8 form becomes %XX with upper-case hex.
// It differs from Go's url.QueryEscape on two characters: '*' stays (Go
// writes %2A) and '~' is escaped to %7E (Go keeps it).
func EncodeComponent(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !javaKeeps[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case javaKeeps[c]:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// javaKeeps marks the bytes URLEncoder leaves alone (a read-only table).
var javaKeeps = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '*' || c == '-' || c == '.' || c == '_'
	}
	return t
}()

// DecodeComponent reverses form encoding: '+' is a space, %XX a byte, any
// other character itself. It reads both Java's URLEncoder output and Go's
// url.QueryEscape output (dubbo-go's keys).
func DecodeComponent(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	d, err := url.QueryUnescape(s)
	if err != nil {
		return "", invalid("bad escape", s)
	}
	return d, nil
}

// Key is the decoded form of an etcd registry key
// /<root>/<encoded interface>/<category>/<encoded URL>.
type Key struct {
	Root      string // "dubbo" by default
	Interface string // decoded
	Category  string // providers, consumers, routers, configurators
	URL       URL
	Raw       string // the decoded URL text as written by the registering process
}

// CategoryPrefix returns /<root>/<encoded interface>/<category>/, the prefix
// under which the children of one category live. An empty root means
// DefaultRoot.
func CategoryPrefix(root, iface, category string) string {
	if root == "" {
		root = DefaultRoot
	}
	root = strings.Trim(root, "/")
	return "/" + root + "/" + EncodeComponent(iface) + "/" + category + "/"
}

// EncodeKey returns the key under which Java's etcd3 registry stores u:
// /<root>/<URLEncode(interface)>/<category>/<URLEncode(u.String())>. The
// category is u's category parameter, "providers" by default, and
// "consumers" for a URL with protocol consumer and no category.
func EncodeKey(root string, u URL) string {
	return CategoryPrefix(root, u.Interface(), categoryOf(u)) + EncodeComponent(u.String())
}

func categoryOf(u URL) string {
	if c := u.Params[KeyCategory]; c != "" {
		return c
	}
	if u.Protocol == SideConsumer {
		return CategoryConsumers
	}
	return CategoryProviders
}

// ParseKey decodes a registry key written by Java Dubbo, dubbo-go or Pulse.
// The last three segments are interface, category and URL; what is before
// them is the root. The URL must have a protocol, which refuses the
// directory nodes Java (/dubbo/<iface>, /dubbo/<iface>/configurators) and
// dubbo-go (/dubbo/<iface>/providers) write beside the URLs.
func ParseKey(key string) (Key, error) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return Key{}, invalid("not a registry key", key)
	}
	encURL, rest := key[i+1:], key[:i]
	i = strings.LastIndexByte(rest, '/')
	if i < 0 {
		return Key{}, invalid("not a registry key", key)
	}
	category, rest := rest[i+1:], rest[:i]
	i = strings.LastIndexByte(rest, '/')
	if i < 0 {
		return Key{}, invalid("not a registry key", key)
	}
	encIface, root := rest[i+1:], strings.Trim(rest[:i], "/")
	if encURL == "" || category == "" || encIface == "" {
		return Key{}, invalid("empty key segment", key)
	}
	iface, err := DecodeComponent(encIface)
	if err != nil {
		return Key{}, err
	}
	raw, err := DecodeComponent(encURL)
	if err != nil {
		return Key{}, err
	}
	u, err := Parse(raw)
	if err != nil {
		return Key{}, err
	}
	if u.Protocol == "" {
		// /dubbo/<iface>/configurators and dubbo-go's /dubbo/<iface>/providers
		// are directory nodes, not URLs.
		return Key{}, invalid("no URL in key", key)
	}
	return Key{Root: root, Interface: iface, Category: category, URL: u, Raw: raw}, nil
}
