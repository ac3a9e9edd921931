package registry

// URL is a Dubbo URL such as
//
//	dubbo://192.168.0.10:20880/org.apache.dubbo.samples.api.GreetingsService?interface=...&methods=sayHi&side=provider
//
// Params keep one value per key; String writes them sorted by key, as Java's
// URL.toFullString does.
type URL struct {
	Protocol string // "dubbo", "consumer", "empty", ...
	Username string
	Password string
	Host     string // host without port
	Port     int
	Path     string // the service path, usually the Java interface name
	Params   map[string]string
}
