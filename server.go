package pulse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/internal/service"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/serialization"
)

// Server exports Go services to Dubbo consumers (Java, dubbo-go, Node,
// Pulse) over the Dubbo 2 TCP protocol.
//
//	srv := pulse.NewServer(pulse.WithAddress(":20880"))
//	err := srv.Register("org.apache.dubbo.samples.api.GreetingsService", greetings{})
//	err = srv.Serve(ctx) // until ctx ends, then a graceful shutdown
type Server struct {
	cfg serverConfig

	mu        sync.Mutex
	services  map[string]*exported // by service key: group/path:version
	started   bool
	ex        *exchange.Server
	ready     chan struct{}
	decode    []dubbo.DecodeOption // built once by Serve: no allocation per call
	resps     sync.Pool            // *exchange.Response, given back by exchange once written
	intercept CallFunc             // the interceptors and serve; nil without interceptors
}

// registerWait bounds how long Serve waits for the registry before it
// serves anyway.
const registerWait = 10 * time.Second

// exported is one registered service.
type exported struct {
	svc            *service.Service
	iface          string
	version, group string
}

// NewServer returns a Server; nothing listens until Serve.
func NewServer(opts ...ServerOption) *Server {
	cfg := serverConfig{common: defaultCommon(), address: DefaultAddress, shutdownWait: DefaultShutdownWait}
	for _, o := range opts {
		o.applyServer(&cfg)
	}
	s := &Server{cfg: cfg, services: map[string]*exported{}, ready: make(chan struct{})}
	s.intercept = chain(cfg.interceptors, s.serveIntercepted)
	return s
}

// serviceKey is Java's group/path:version, with version "0.0.0" as none.
func serviceKey(group, path, version string) string {
	if version == "0.0.0" {
		version = ""
	}
	k := path
	if group != "" {
		k = group + "/" + k
	}
	if version != "" {
		k += ":" + version
	}
	return k
}

// Register exports impl as the Java interface iface. Every exported method of
// impl is served (see MethodName, ParamTypes and Exclude for the rules'
// exceptions). Register fails, naming the method and type, when a method
// cannot be served; it must be called before Serve.
func (s *Server) Register(iface string, impl any, opts ...ServiceOption) error {
	sc := newServiceConfig(nil, opts)
	types := map[string][]string{}
	for goName, javaTypes := range sc.types {
		descs := make([]string, len(javaTypes))
		for i, jt := range javaTypes {
			d, err := typeDescriptor(jt)
			if err != nil {
				return fmt.Errorf("pulse: cannot register %s: method %s: %w", iface, goName, err)
			}
			descs[i] = d
		}
		types[goName] = descs
	}
	svc, err := service.New(iface, impl, service.Options{Names: sc.names, Types: types, Exclude: sc.exclude,
		Describe: describe})
	if err != nil {
		return err
	}
	for _, m := range svc.All() {
		for _, t := range m.ParamTypes {
			registerPOJOs(t)
		}
		if m.Result != nil {
			registerPOJOs(m.Result)
		}
	}
	key := serviceKey(sc.group, iface, sc.version)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("pulse: cannot register %s: the server is already serving", iface)
	}
	if _, dup := s.services[key]; dup {
		return fmt.Errorf("pulse: cannot register %s: already registered (group %q, version %q)", iface, sc.group, sc.version)
	}
	s.services[key] = &exported{svc: svc, iface: iface, version: sc.version, group: sc.group}
	return nil
}

// Ready is closed once Serve listens and has registered the services in the
// registry, if any.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr returns the address the server listens on (nil before it listens).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ex == nil {
		return nil
	}
	return s.ex.Addr()
}

// Serve listens, registers the services in the registry (if one was given)
// and serves until ctx ends. Then it shuts down gracefully: it sends READONLY
// to every connected client (they stop sending new calls here at once),
// removes its URLs from the registry, waits for calls in flight (at most the
// shutdown wait), and closes. It returns nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("pulse: Serve called twice")
	}
	s.started = true
	if len(s.services) == 0 {
		s.mu.Unlock()
		return errors.New("pulse: no services registered")
	}
	s.decode = []dubbo.DecodeOption{dubbo.WithPayloadLimit(s.cfg.payloadLimit), dubbo.WithInterned(s.interned())}
	s.mu.Unlock()

	reg, err := openRegistry(ctx, s.cfg.registry, s.cfg.logger)
	if err != nil {
		return err
	}
	if reg != nil {
		defer reg.Close()
	}
	ex, err := exchange.Listen(s.cfg.address, provider{s}, s.cfg.exchangeOptions()...)
	if err != nil {
		return fmt.Errorf("pulse: listen %s: %w", s.cfg.address, err)
	}
	s.mu.Lock()
	s.ex = ex
	s.mu.Unlock()

	var urls []registry.URL
	if reg != nil {
		urls = s.providerURLs(ex.Addr())
		// Wait a while for etcd; if it is not reachable yet, serve anyway:
		// the registry keeps registering in the background.
		regCtx, cancel := context.WithTimeout(ctx, registerWait)
		for _, u := range urls {
			err := reg.Register(regCtx, u)
			switch {
			case err == nil, ctx.Err() != nil:
			case errors.Is(err, context.DeadlineExceeded):
				s.cfg.logger.Warn("pulse: registry not reachable yet; registering in the background",
					"service", u.Path, "registry", s.cfg.registry)
			default:
				cancel()
				ex.Close()
				return fmt.Errorf("pulse: register %s: %w", u.Path, err)
			}
		}
		cancel()
	}
	s.cfg.logger.Info("pulse: serving", "addr", ex.Addr().String(), "services", len(s.services))
	close(s.ready)
	<-ctx.Done()

	// Graceful shutdown: READONLY first (Shutdown sends it before it starts
	// waiting), then unregister, then drain, then close.
	wait, cancel := context.WithTimeout(context.Background(), s.cfg.shutdownWait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ex.Shutdown(wait) }()
	if reg != nil {
		for _, u := range urls {
			if err := reg.Unregister(wait, u); err != nil {
				s.cfg.logger.Warn("pulse: unregister failed", "service", u.Path, "err", err)
			}
		}
	}
	err = nil
	select {
	case err = <-done:
	case <-wait.Done():
		// The calls still running have seen their contexts end; those
		// that do not return soon are abandoned, not waited for.
		grace := time.NewTimer(abandonGrace)
		select {
		case err = <-done:
		case <-grace.C:
			s.cfg.logger.Warn("pulse: calls still running after the shutdown wait are abandoned",
				"addr", ex.Addr().String(), "in_flight", ex.Load().InFlight)
		}
		grace.Stop()
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	s.cfg.logger.Info("pulse: stopped", "addr", ex.Addr().String())
	return nil
}

// abandonGrace is how long Serve waits, once its shutdown wait has run
// out and the contexts of the calls still running have ended, for them to
// return; it then returns without them.
const abandonGrace = time.Second

// interned is the table of the strings the calls to this server repeat:
// its services' names, versions and groups, their methods' names and
// parameter descriptors. Decoding them then allocates nothing.
func (s *Server) interned() *dubbo.Interned {
	var strs []string
	for _, e := range s.services {
		strs = append(strs, e.iface, e.version, e.group)
		for _, m := range e.svc.All() {
			strs = append(strs, m.JavaName, m.Descriptor())
		}
	}
	return dubbo.NewInterned(strs...)
}

// providerURLs builds the URLs Java Dubbo 2.7 would register for the services.
func (s *Server) providerURLs(addr net.Addr) []registry.URL {
	host, portStr, _ := net.SplitHostPort(addr.String())
	port, _ := strconv.Atoi(portStr)
	anyHost := false
	if s.cfg.host != "" {
		host = s.cfg.host
	} else if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		anyHost = true
		host = localIP()
	}
	var urls []registry.URL
	for _, e := range s.services {
		opts := []registry.URLOption{
			registry.WithApplication(s.cfg.application),
			registry.WithMethods(e.svc.Methods()...),
			registry.WithSerialization("hessian2"),
			registry.WithAnyHost(anyHost),
		}
		if e.version != "" {
			opts = append(opts, registry.WithVersion(e.version))
		}
		if e.group != "" {
			opts = append(opts, registry.WithGroup(e.group))
		}
		if s.cfg.heartbeat != DefaultHeartbeat {
			opts = append(opts, registry.WithParam(registry.KeyHeartbeat, strconv.FormatInt(s.cfg.heartbeat.Milliseconds(), 10)))
		}
		urls = append(urls, registry.NewProviderURL(host, port, e.iface, opts...))
	}
	return urls
}

// healthAnswer is what the server's answers to Pulse clients' heartbeats
// carry: its load and status, the application's status (WithHealth) unless
// the server is draining.
type healthAnswer struct{ status func() string }

func (h healthAnswer) HeartbeatAnswer(ser byte, load exchange.Health) []byte {
	if serialization.ID(ser) != serialization.Hessian2 {
		return nil
	}
	if h.status != nil && load.Status != "DRAINING" {
		load.Status = h.status()
	}
	return exchange.EncodeHealth(load)
}

// localIP is the machine's first non-loopback IPv4 address, else 127.0.0.1.
func localIP() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

// lookup finds the exported service of an invocation.
func (s *Server) lookup(path, version, group string) *exported {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.services[serviceKey(group, path, version)]
}

// deadlineFrom reads the caller's timeout attachment (ms, a string from Java
// 3.x and dubbo-go, a number from others).
func deadlineFrom(att map[string]any) time.Duration {
	switch v := att["timeout"].(type) {
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return millis(n)
		}
	case int32:
		return millis(int64(v))
	case int64:
		return millis(v)
	case int:
		return millis(int64(v))
	}
	return 0
}

// millis is n ms as a Duration: 0 when n <= 0, the longest Duration when n
// ms would not fit in one (instead of wrapping round, possibly to a
// deadline already passed).
func millis(n int64) time.Duration {
	switch {
	case n <= 0:
		return 0
	case n > int64(math.MaxInt64/time.Millisecond):
		return math.MaxInt64
	}
	return time.Duration(n) * time.Millisecond
}
