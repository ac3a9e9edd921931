package registry

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// javaProvider is the shape of a registered Java Dubbo 2.7 provider URL
// (research/dubbo-protocol.md section 9).
const javaProvider = "dubbo://192.168.0.102:20881/com.foo.DemoService?anyhost=true&application=app&deprecated=false" +
	"&dubbo=2.0.2&dynamic=true&generic=false&group=g&interface=com.foo.DemoService&methods=a,b&pid=17134" +
	"&register=true&release=2.7.3&revision=1.0.0&side=provider&timestamp=1564826098503&version=1.0.0"

// javaProviderEncoded is java.net.URLEncoder.encode(javaProvider, "UTF-8"),
// produced by a JDK on this machine.
const javaProviderEncoded = "dubbo%3A%2F%2F192.168.0.102%3A20881%2Fcom.foo.DemoService%3Fanyhost%3Dtrue%26application%3Dapp" +
	"%26deprecated%3Dfalse%26dubbo%3D2.0.2%26dynamic%3Dtrue%26generic%3Dfalse%26group%3Dg%26interface%3Dcom.foo.DemoService" +
	"%26methods%3Da%2Cb%26pid%3D17134%26register%3Dtrue%26release%3D2.7.3%26revision%3D1.0.0%26side%3Dprovider" +
	"%26timestamp%3D1564826098503%26version%3D1.0.0"

// dubbogoProvider is the shape of what dubbo-go v1.5.9 registers: timestamp
// in seconds, its own parameters, sorted, unescaped.
const dubbogoProvider = "dubbo://10.0.0.5:20000/com.ikurento.user.UserProvider?anyhost=true&app.version=0.0.1" +
	"&application=BDTService&cluster=failover&environment=dev&interface=com.ikurento.user.UserProvider&ip=10.0.0.5" +
	"&loadbalance=random&methods=GetUser,GetUser0&module=dubbogo user-info server&name=BDTService" +
	"&organization=ikurento.com&owner=ZX&pid=4242&registry.role=3&release=dubbo-golang-1.5.8" +
	"&service.filter=echo,token&side=provider&timestamp=1669430000&version=1.0~beta&warmup=100"

func TestParseString(t *testing.T) {
	tests := []struct {
		in   string
		want URL
		out  string // expected String(); "" means in
	}{
		{in: javaProvider, want: URL{Protocol: "dubbo", Host: "192.168.0.102", Port: 20881, Path: "com.foo.DemoService"}},
		{in: dubbogoProvider, want: URL{Protocol: "dubbo", Host: "10.0.0.5", Port: 20000, Path: "com.ikurento.user.UserProvider"}},
		{in: "consumer://10.0.0.1/org.apache.dubbo.samples.api.GreetingsService?category=consumers&side=consumer",
			want: URL{Protocol: "consumer", Host: "10.0.0.1", Path: "org.apache.dubbo.samples.api.GreetingsService"}},
		{in: "dubbo://u:p@[::1]:20880/svc?b=2&a=1", out: "dubbo://u:p@[::1]:20880/svc?a=1&b=2",
			want: URL{Protocol: "dubbo", Username: "u", Password: "p", Host: "::1", Port: 20880, Path: "svc"}},
		{in: "etcd://127.0.0.1:2379", want: URL{Protocol: "etcd", Host: "127.0.0.1", Port: 2379}},
		{in: "empty://0.0.0.0/svc?category=providers", want: URL{Protocol: "empty", Host: "0.0.0.0", Path: "svc"}},
		{in: "dubbo://h:1/p?flag&k=v=w&&=x", out: "dubbo://h:1/p?flag=flag&k=v=w",
			want: URL{Protocol: "dubbo", Host: "h", Port: 1, Path: "p"}},
		{in: "file:/tmp/x", want: URL{Protocol: "file", Path: "tmp/x"}, out: "file:///tmp/x"},
		{in: "  dubbo://h:1  ", out: "dubbo://h:1", want: URL{Protocol: "dubbo", Host: "h", Port: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			base := got
			base.Params = nil
			if base.Protocol != tt.want.Protocol || base.Username != tt.want.Username || base.Password != tt.want.Password ||
				base.Host != tt.want.Host || base.Port != tt.want.Port || base.Path != tt.want.Path {
				t.Fatalf("Parse = %+v, want %+v", base, tt.want)
			}
			out := tt.out
			if out == "" {
				out = tt.in
			}
			if s := got.String(); s != out {
				t.Fatalf("String =\n %s\nwant\n %s", s, out)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "   ", "://h:1/p", "dubbo://h:99999/p", "dubbo://h:x/p", "dubbo://[::1/p", "dubbo://[::1]x/p", ":/x"} {
		if _, err := Parse(in); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("Parse(%q) err = %v, want ErrInvalidURL", in, err)
		}
	}
}

func TestGetters(t *testing.T) {
	j := MustParse(javaProvider)
	g := MustParse(dubbogoProvider)
	if j.Address() != "192.168.0.102:20881" || j.Interface() != "com.foo.DemoService" || j.Version() != "1.0.0" ||
		j.Group() != "g" || j.Side() != SideProvider || j.Application() != "app" || j.Release() != "2.7.3" {
		t.Fatalf("java getters: %+v", j)
	}
	if !slices.Equal(j.Methods(), []string{"a", "b"}) || j.Weight() != 100 || j.Warmup() != 10*time.Minute {
		t.Fatalf("methods %v weight %d warmup %v", j.Methods(), j.Weight(), j.Warmup())
	}
	if ts := j.Timestamp(); !ts.Equal(time.UnixMilli(1564826098503)) {
		t.Fatalf("java timestamp %v", ts)
	}
	if ts := g.Timestamp(); !ts.Equal(time.Unix(1669430000, 0)) {
		t.Fatalf("dubbo-go timestamp (seconds) %v", ts)
	}
	if g.Warmup() != 100*time.Millisecond || g.Version() != "1.0~beta" {
		t.Fatalf("dubbo-go warmup %v version %q", g.Warmup(), g.Version())
	}
	if j.ServiceKey() != "g/com.foo.DemoService:1.0.0" || g.ServiceKey() != "com.ikurento.user.UserProvider:1.0~beta" {
		t.Fatalf("service keys %q %q", j.ServiceKey(), g.ServiceKey())
	}
	if j.Category() != CategoryProviders || !j.Enabled() || !j.Dynamic() {
		t.Fatal("category/enabled/dynamic defaults")
	}
	v6 := MustParse("dubbo://[fe80::1]:20880/s")
	if v6.Address() != "[fe80::1]:20880" {
		t.Fatalf("ipv6 address %q", v6.Address())
	}
	if w := j.With(KeyWeight, "250").Weight(); w != 250 {
		t.Fatalf("weight %d", w)
	}
	if _, ok := j.Params[KeyWeight]; ok {
		t.Fatal("With changed the original")
	}
}

func TestEncodeComponentMatchesJava(t *testing.T) {
	tests := []struct{ in, java string }{
		// Outputs of java.net.URLEncoder.encode(in, "UTF-8") on a JDK.
		{javaProvider, javaProviderEncoded},
		{"a b~c*d-e.f_g/h:i?j=k&l,m$n%o+p\u00e9\u4e2d", "a+b%7Ec*d-e.f_g%2Fh%3Ai%3Fj%3Dk%26l%2Cm%24n%25o%2Bp%C3%A9%E4%B8%AD"},
		{"com.foo.Outer$Inner", "com.foo.Outer%24Inner"},
		{"plain", "plain"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EncodeComponent(tt.in); got != tt.java {
			t.Errorf("EncodeComponent(%q) =\n %s\nwant\n %s", tt.in, got, tt.java)
		}
		back, err := DecodeComponent(tt.java)
		if err != nil || back != tt.in {
			t.Errorf("DecodeComponent(%q) = %q, %v", tt.java, back, err)
		}
	}
	// Go's QueryEscape differs only on '*' and '~'; both forms decode alike.
	if q := url.QueryEscape("~*"); q != "~%2A" {
		t.Fatalf("QueryEscape changed: %q", q)
	}
	if e := EncodeComponent("~*"); e != "%7E*" {
		t.Fatalf("EncodeComponent(~*) = %q", e)
	}
	if _, err := DecodeComponent("%zz"); !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("bad escape err = %v", err)
	}
}

func TestKeys(t *testing.T) {
	j := MustParse(javaProvider)
	wantKey := "/dubbo/com.foo.DemoService/providers/" + javaProviderEncoded
	if k := EncodeKey("", j); k != wantKey {
		t.Fatalf("EncodeKey =\n %s\nwant\n %s", k, wantKey)
	}
	c := NewConsumerURL("10.0.0.1", "com.foo.Outer$Inner", WithTimestamp(time.UnixMilli(1)), WithPID(7))
	if k := EncodeKey("/dubbo/", c); !strings.HasPrefix(k, "/dubbo/com.foo.Outer%24Inner/consumers/consumer%3A%2F%2F10.0.0.1%2Fcom.foo.Outer%24Inner%3Fcategory%3Dconsumers") {
		t.Fatalf("consumer key %s", k)
	}
	dg := MustParse(dubbogoProvider)
	keys := []struct {
		name, key, raw string
		root, iface    string
	}{
		{"java", wantKey, javaProvider, "dubbo", "com.foo.DemoService"},
		// dubbo-go: /dubbo/<QueryEscape(service)>/providers/<QueryEscape(rawURL)>
		{"dubbo-go", "/dubbo/" + url.QueryEscape(dg.Interface()) + "/providers/" + url.QueryEscape(dubbogoProvider),
			dubbogoProvider, "dubbo", "com.ikurento.user.UserProvider"},
		{"pulse", EncodeKey("a/b", dg), dubbogoProvider, "a/b", "com.ikurento.user.UserProvider"},
	}
	for _, tt := range keys {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if k.Root != tt.root || k.Interface != tt.iface || k.Category != CategoryProviders || k.Raw != tt.raw {
				t.Fatalf("ParseKey = %+v", k)
			}
			if k.URL.String() != tt.raw {
				t.Fatalf("URL round trip:\n %s\n %s", k.URL.String(), tt.raw)
			}
		})
	}
	if !strings.Contains(url.QueryEscape(dubbogoProvider), "1.0~beta") {
		t.Fatal("QueryEscape should keep '~' (dubbo-go keys)")
	}
	for _, bad := range []string{"", "nokey", "/a/b", "/dubbo//providers/x", "/dubbo/s/providers/", "/dubbo/s/providers/%zz", "/dubbo/s/providers/%3A%2F%2F"} {
		if _, err := ParseKey(bad); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("ParseKey(%q) err = %v", bad, err)
		}
	}
}

// Keys observed in an embedded etcd, written by the peers of
// integration/ (Java Dubbo 2.7.23 and 3.3.6 with the etcd3 registry,
// dubbo-go v1.5.9 with etcdv3), with their values.
const (
	observedJava27Key = "/dubbo/org.apache.dubbo.samples.api.GreetingsService/providers/dubbo%3A%2F%2F127.0.0.1%3A20998" +
		"%2Forg.apache.dubbo.samples.api.GreetingsService%3Fanyhost%3Dtrue%26application%3Djava-probe%26deprecated%3Dfalse" +
		"%26dubbo%3D2.0.2%26dynamic%3Dtrue%26generic%3Dfalse%26heartbeat%3D60000" +
		"%26interface%3Dorg.apache.dubbo.samples.api.GreetingsService%26methods%3DsayHi%26pid%3D32489%26release%3D2.7.23" +
		"%26serialization%3Dhessian2%26service.name%3DServiceBean%3A%2Forg.apache.dubbo.samples.api.GreetingsService" +
		"%26side%3Dprovider%26timestamp%3D1795434022321" // value "7302483476936556817" = its lease, shared by both services, TTL 30 s
	observedJava33Key = "/dubbo/org.apache.dubbo.samples.api.UserService/providers/dubbo%3A%2F%2F127.0.0.1%3A20998" +
		"%2Forg.apache.dubbo.samples.api.UserService%3Fapplication%3Djava-probe%26deprecated%3Dfalse%26dubbo%3D2.0.2" +
		"%26dynamic%3Dtrue%26generic%3Dfalse%26heartbeat%3D60000%26interface%3Dorg.apache.dubbo.samples.api.UserService" +
		"%26methods%3DgetUser%26release%3D3.3.6%26serialization%3Dhessian2%26side%3Dprovider%26timestamp%3D1795434045464"
	observedDubbogoKey = "/dubbo/org.apache.dubbo.samples.api.GreetingsService/providers/dubbo%3A%2F%2F127.0.0.1%3A20999" +
		"%2Forg.apache.dubbo.samples.api.GreetingsService%3Fanyhost%3Dtrue%26app.version%3D1.0.0" +
		"%26application%3Ddubbogo-peer-provider%26bean.name%3DGreetingsProvider%26cluster%3Dfailover%26environment%3Dtest" +
		"%26export%3Dtrue%26interface%3Dorg.apache.dubbo.samples.api.GreetingsService%26ip%3D192.0.2.2" +
		"%26loadbalance%3Drandom%26message_size%3D4%26methods%3DsayHi%26module%3Ddubbogo+peer" +
		"%26name%3Ddubbogo-peer-provider%26organization%3Dpulse%26owner%3Dpulse%26pid%3D30303%26registry.role%3D3" +
		"%26release%3Ddubbo-golang-1.5.8%26serialization%3Dhessian2" +
		"%26service.filter%3Decho%2Ctoken%2Caccesslog%2Ctps%2Cgeneric_service%2Cexecute%2Cpshutdown%26side%3Dprovider" +
		"%26ssl-enabled%3Dfalse%26timestamp%3D1795433981" // value "", a lease of its own, TTL 30 s
)

func TestObservedPeerKeys(t *testing.T) {
	tests := []struct {
		name, key, iface, release string
		port                      int
		ts                        time.Time
		reencodes                 bool
	}{
		{"java 2.7.23", observedJava27Key, "org.apache.dubbo.samples.api.GreetingsService", "2.7.23", 20998, time.UnixMilli(1795434022321), true},
		{"java 3.3.6", observedJava33Key, "org.apache.dubbo.samples.api.UserService", "3.3.6", 20998, time.UnixMilli(1795434045464), true},
		// Go's QueryEscape and Java's URLEncoder agree on this URL too.
		{"dubbo-go 1.5.9", observedDubbogoKey, "org.apache.dubbo.samples.api.GreetingsService", "dubbo-golang-1.5.8", 20999, time.Unix(1795433981, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			u := k.URL
			if k.Root != "dubbo" || k.Category != CategoryProviders || k.Interface != tt.iface || u.Interface() != tt.iface ||
				u.Port != tt.port || u.Host != "127.0.0.1" || u.Release() != tt.release || !u.Timestamp().Equal(tt.ts) ||
				u.Side() != SideProvider || u.Serialization() != "hessian2" || len(u.Methods()) != 1 {
				t.Fatalf("parsed %+v / %s", k, u)
			}
			if got := EncodeKey("", u) == tt.key; got != tt.reencodes {
				t.Fatalf("re-encoded key equal = %v:\n %s\n %s", got, EncodeKey("", u), tt.key)
			}
			if !IsMatch(NewConsumerURL("10.0.0.9", tt.iface).With(KeyCategory, ""), u) {
				t.Fatal("a consumer without group and version does not match")
			}
		})
	}
	if dg := MustParse(mustRaw(t, observedDubbogoKey)); dg.Param("module") != "dubbogo peer" {
		t.Fatalf("dubbo-go '+' not decoded to a space: %q", dg.Param("module"))
	}
	// Directory nodes written beside the URLs are not registrations.
	for _, dir := range []string{"/dubbo/org.apache.dubbo.samples.api.GreetingsService",
		"/dubbo/org.apache.dubbo.samples.api.GreetingsService/configurators",
		"/dubbo/org.apache.dubbo.samples.api.GreetingsService/providers"} {
		if _, err := ParseKey(dir); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("ParseKey(%q) = %v", dir, err)
		}
	}
}

func mustRaw(t *testing.T, key string) string {
	t.Helper()
	k, err := ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return k.Raw
}

func TestBuilders(t *testing.T) {
	ts := time.UnixMilli(1700000000123)
	p := NewProviderURL("10.1.2.3", 20880, "org.apache.dubbo.samples.api.GreetingsService",
		WithApplication("pulse-demo"), WithMethods("sayHi", "sayHello", "sayHi"), WithSerialization("hessian2"),
		WithVersion("1.0.0"), WithGroup("blue"), WithWeight(200), WithTimestamp(ts), WithPID(99))
	want := "dubbo://10.1.2.3:20880/org.apache.dubbo.samples.api.GreetingsService?anyhost=false&application=pulse-demo" +
		"&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&group=blue" +
		"&interface=org.apache.dubbo.samples.api.GreetingsService&methods=sayHello,sayHi&pid=99&release=2.7.23" +
		"&serialization=hessian2&side=provider&timestamp=1700000000123&version=1.0.0&weight=200"
	if p.String() != want {
		t.Fatalf("provider URL\n %s\nwant\n %s", p, want)
	}
	c := NewConsumerURL("10.1.2.4", "org.apache.dubbo.samples.api.GreetingsService", WithApplication("app"),
		WithTimestamp(ts), WithPID(5), WithGroup(""))
	wantC := "consumer://10.1.2.4/org.apache.dubbo.samples.api.GreetingsService?application=app&category=consumers" +
		"&check=false&dubbo=2.0.2&interface=org.apache.dubbo.samples.api.GreetingsService&pid=5&release=2.7.23" +
		"&side=consumer&sticky=false&timestamp=1700000000123"
	if c.String() != wantC {
		t.Fatalf("consumer URL\n %s\nwant\n %s", c, wantC)
	}
	if p2 := NewProviderURL("h", 1, "s", WithAnyHost(true), WithWarmup(time.Minute)); p2.Param(KeyAnyHost) != "true" || p2.Warmup() != time.Minute {
		t.Fatalf("anyhost/warmup: %s", p2)
	}
}

func TestIsMatch(t *testing.T) {
	prov := func(q string) URL { return MustParse("dubbo://10.0.0.1:20880/com.foo.S?interface=com.foo.S" + q) }
	cons := func(q string) URL { return MustParse("consumer://10.0.0.2/com.foo.S?interface=com.foo.S" + q) }
	tests := []struct {
		name     string
		c, p     URL
		expected bool
	}{
		{"plain", cons(""), prov(""), true},
		{"other interface", cons(""), MustParse("dubbo://h:1/com.foo.T?interface=com.foo.T"), false},
		{"interface from path", MustParse("consumer://h/com.foo.S"), MustParse("dubbo://h:1/com.foo.S"), true},
		{"any interface", MustParse("consumer://h/x?interface=*"), prov(""), true},
		{"version equal", cons("&version=1.0"), prov("&version=1.0"), true},
		{"version differs", cons("&version=1.0"), prov("&version=2.0"), false},
		{"provider without version", cons("&version=1.0"), prov(""), false},
		{"consumer without version", cons(""), prov("&version=1.0"), false},
		{"version any", cons("&version=*"), prov("&version=2.0"), true},
		{"group equal", cons("&group=a"), prov("&group=a"), true},
		{"group differs", cons("&group=a"), prov("&group=b"), false},
		{"group any", cons("&group=*"), prov("&group=b"), true},
		{"group list", cons("&group=a,b"), prov("&group=b"), true},
		{"group list miss", cons("&group=a,b"), prov("&group=c"), false},
		{"no group vs group", cons(""), prov("&group=a"), false},
		{"disabled", cons(""), prov("&enabled=false"), false},
		{"disabled but consumer enabled=*", cons("&enabled=*"), prov("&enabled=false"), true},
		{"provider category routers", cons(""), prov("&category=routers"), false},
		{"consumer categories", cons("&category=providers,routers"), prov("&category=routers"), true},
		{"consumer category any", cons("&category=*"), prov("&category=configurators"), true},
		{"consumer category excluded", cons("&category=*,-routers"), prov("&category=routers"), true},
		{"consumer category minus", cons("&category=-routers,providers"), prov("&category=routers"), false},
		{"registered consumer URL", cons("&category=consumers"), prov(""), false},
		{"classifier", cons("&classifier=x"), prov("&classifier=y"), false},
		{"classifier any", cons("&classifier=*"), prov("&classifier=y"), true},
	}
	for _, tt := range tests {
		if got := IsMatch(tt.c, tt.p); got != tt.expected {
			t.Errorf("%s: IsMatch = %v, want %v", tt.name, got, tt.expected)
		}
	}
}

func TestSnapshot(t *testing.T) {
	a1 := MustParse("dubbo://10.0.0.1:1/s?interface=s&timestamp=1000000000001")
	a2 := MustParse("dubbo://10.0.0.1:1/s?interface=s&timestamp=1000000000002&weight=5")
	b := MustParse("dubbo://10.0.0.2:1/s?interface=s&timestamp=1000000000001")
	var s Snapshot
	u, ok := s.Replace(nil)
	if !ok || len(u.Providers) != 0 || len(u.Events) != 0 {
		t.Fatalf("first empty update: %v %+v", ok, u)
	}
	if _, ok := s.Replace(nil); ok {
		t.Fatal("unchanged empty list delivered again")
	}
	u, _ = s.Replace([]URL{b, a1})
	if len(u.Providers) != 2 || !u.Providers[0].Equal(a1) || len(u.Events) != 2 || u.Events[0].Type != EventAdd {
		t.Fatalf("adds: %+v", u)
	}
	// Old and new registration of one process: the newer one wins, as an update.
	u, ok = s.Replace([]URL{a1, b, a2})
	if !ok || len(u.Providers) != 2 || !u.Providers[0].Equal(a2) || len(u.Events) != 1 ||
		u.Events[0].Type != EventUpdate || !u.Events[0].Old.Equal(a1) || u.Providers[0].Weight() != 5 {
		t.Fatalf("update: %+v", u)
	}
	u, ok = s.Replace([]URL{a2})
	if !ok || len(u.Providers) != 1 || len(u.Events) != 1 || u.Events[0].Type != EventDelete || !u.Events[0].URL.Equal(b) {
		t.Fatalf("delete: %+v", u)
	}
	if EventAdd.String() != "add" || EventDelete.String() != "delete" || EventUpdate.String() != "update" || EventType(9).String() != "unknown" {
		t.Fatal("event names")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{javaProvider, dubbogoProvider, "dubbo://[::1]:1/p?a", "file:/x", "a@b:c@d:1/p?=&x=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		// The string form parses back to the same string form.
		out := u.String()
		if out == "" {
			return
		}
		u2, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse %q (from %q): %v", out, s, err)
		}
		if u2.String() != out {
			t.Fatalf("not stable: %q -> %q -> %q", s, out, u2.String())
		}
		k, err := ParseKey(EncodeKey("", u))
		if err == nil && k.URL.String() != out {
			t.Fatalf("key round trip: %q -> %q", out, k.URL.String())
		}
	})
}

func TestSnapshotIncremental(t *testing.T) {
	old := MustParse("dubbo://10.0.0.1:1/s?interface=s&timestamp=1000000000001")
	newer := MustParse("dubbo://10.0.0.1:1/s?interface=s&timestamp=1000000000002")
	other := MustParse("dubbo://10.0.0.2:1/s?interface=s")
	var s Snapshot
	s.Put("k-old", old)
	s.Put("k-other", other)
	if u, ok := s.Flush(); !ok || len(u.Providers) != 2 || len(u.Events) != 2 {
		t.Fatalf("first flush %+v", u)
	}
	s.Put("k-other", other)
	if _, ok := s.Flush(); ok {
		t.Fatal("same URL again is a change")
	}
	s.Put("k-new", newer) // the provider restarted; its old key lingers
	u, ok := s.Flush()
	if !ok || len(u.Providers) != 2 || len(u.Events) != 1 || u.Events[0].Type != EventUpdate || !u.Events[0].URL.Equal(newer) {
		t.Fatalf("restart %+v", u)
	}
	s.Delete("k-old") // the old key expires: nothing visible changes
	if _, ok := s.Flush(); ok {
		t.Fatal("expiry of a shadowed key is a change")
	}
	s.Delete("nope")
	s.Clear()
	s.Put("k-new", newer)
	u, ok = s.Flush()
	if !ok || len(u.Providers) != 1 || len(u.Events) != 1 || u.Events[0].Type != EventDelete || !u.Events[0].URL.Equal(other) {
		t.Fatalf("resync %+v", u)
	}
	s.Delete("k-new")
	if u, ok := s.Flush(); !ok || len(u.Providers) != 0 || u.Events[0].Type != EventDelete {
		t.Fatalf("last delete %+v", u)
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add(observedJava27Key)
	f.Add(observedDubbogoKey)
	f.Add("/dubbo/s/providers/%zz")
	f.Add("/a/b/c/d/e")
	f.Fuzz(func(t *testing.T, key string) {
		k, err := ParseKey(key)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if k.URL.Protocol == "" {
			t.Fatalf("key without protocol accepted: %q", key)
		}
	})
}
