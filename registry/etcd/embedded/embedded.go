// Package embedded runs etcd inside the process (go.etcd.io/etcd/server/v3/embed):
// the one-machine default registry of Pulse (`--registry embedded`) and the
// etcd of the registry tests, including a several-member cluster whose
// leader can be stopped and whose members can be restarted.
//
// Members listen on 127.0.0.1 on free ports unless ports are given, keep
// their data in a directory (a temporary one, removed on Close, unless one
// is given) and log only warnings and errors, through slog.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap/zapcore"

	"github.com/pulse-rpc/pulse/registry/internal/zapslog"
)

// ErrStart matches (with errors.Is) every failure to start a member.
var ErrStart = errors.New("embedded etcd: start failed")

// Option configures Start and StartCluster.
type Option func(*config)

type config struct {
	dir         string
	name        string
	clientPort  int
	peerPort    int
	logger      *slog.Logger
	noFsync     bool
	tickMs      uint
	electionMs  uint
	startTimout time.Duration
	bcryptCost  uint
	certFile    string
	keyFile     string
}

// WithDir keeps the data in dir (created if missing, kept on Close). For a
// cluster each member uses a sub-directory named after it.
func WithDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithName names the (single) member; default "pulse".
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithClientPort sets the client port of a single member (default: a free port).
func WithClientPort(p int) Option { return func(c *config) { c.clientPort = p } }

// WithPeerPort sets the peer port of a single member (default: a free port).
func WithPeerPort(p int) Option { return func(c *config) { c.peerPort = p } }

// WithLogger sends etcd's warnings and errors to l (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithUnsafeNoFsync skips fsync: faster, loses data on a machine crash.
// For tests.
func WithUnsafeNoFsync() Option { return func(c *config) { c.noFsync = true } }

// WithTiming sets etcd's heartbeat interval and election timeout
// (defaults 100 ms and 1 s).
func WithTiming(tick, election time.Duration) Option {
	return func(c *config) {
		c.tickMs, c.electionMs = uint(tick.Milliseconds()), uint(election.Milliseconds())
	}
}

// WithBcryptCost sets the bcrypt cost of password hashing when
// authentication is enabled (etcd's default 10; 4 is the minimum, for tests).
func WithBcryptCost(cost uint) Option { return func(c *config) { c.bcryptCost = cost } }

// WithClientTLS serves clients over TLS with the given PEM certificate and
// key (client URLs become https://). Members talk to each other in plain
// text on loopback.
func WithClientTLS(certFile, keyFile string) Option {
	return func(c *config) { c.certFile, c.keyFile = certFile, keyFile }
}

// WithStartTimeout bounds how long Start waits for a member to be ready
// (default 30 s).
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimout = d } }

func newConfig(opts []Option) config {
	c := config{name: "pulse", tickMs: 100, electionMs: 1000, startTimout: 30 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// Server is one running etcd member.
type Server struct {
	cfg      *embed.Config
	etcd     *embed.Etcd
	ownDir   bool
	endpoint string
	logger   *slog.Logger
	noFsync  bool
	timeout  time.Duration
}

// Start runs a single-member etcd and returns when it serves clients.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	c := newConfig(opts)
	ports, err := freePorts(2, c.clientPort, c.peerPort)
	if err != nil {
		return nil, err
	}
	dir, own := c.dir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pulse-etcd-"); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStart, err)
		}
		own = true
	}
	m := member{name: c.name, dir: dir, clientPort: ports[0], peerPort: ports[1], tls: c.certFile != ""}
	s := newServer(c, m, m.name+"="+m.peerURL(), "pulse-"+c.name)
	s.ownDir = own
	if err := s.start(ctx); err != nil {
		if own {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	return s, nil
}

type member struct {
	name                 string
	dir                  string
	clientPort, peerPort int
	tls                  bool
}

func (m member) clientURL() string {
	scheme := "http"
	if m.tls {
		scheme = "https"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(m.clientPort)
}
func (m member) peerURL() string { return "http://127.0.0.1:" + strconv.Itoa(m.peerPort) }

func newServer(c config, m member, initialCluster, token string) *Server {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cu, _ := url.Parse(m.clientURL())
	pu, _ := url.Parse(m.peerURL())
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = initialCluster
	cfg.InitialClusterToken = token
	cfg.TickMs, cfg.ElectionMs = c.tickMs, c.electionMs
	cfg.UnsafeNoFsync = c.noFsync
	if m.tls {
		cfg.ClientTLSInfo = transport.TLSInfo{CertFile: c.certFile, KeyFile: c.keyFile}
	}
	if c.bcryptCost > 0 {
		cfg.BcryptCost = c.bcryptCost
	}
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zapslog.New(c.logger.With("etcd", m.name), zapcore.WarnLevel))
	return &Server{cfg: cfg, endpoint: m.clientURL(), logger: c.logger, timeout: c.startTimout}
}

func (s *Server) start(ctx context.Context) error {
	e, err := embed.StartEtcd(s.cfg)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrStart, s.cfg.Name, err)
	}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case <-e.Server.ReadyNotify():
		s.etcd = e
		return nil
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("%w: %s: %v", ErrStart, s.cfg.Name, err)
	case <-ctx.Done():
		e.Close()
		return fmt.Errorf("%w: %s: %w", ErrStart, s.cfg.Name, ctx.Err())
	case <-t.C:
		e.Close()
		return fmt.Errorf("%w: %s: not ready after %v", ErrStart, s.cfg.Name, s.timeout)
	}
}

// Endpoint returns the client URL, http://127.0.0.1:<port> (https with
// WithClientTLS).
func (s *Server) Endpoint() string { return s.endpoint }

// Endpoints returns the client URLs, for etcd client configuration.
func (s *Server) Endpoints() []string { return []string{s.endpoint} }

// Dir returns the data directory.
func (s *Server) Dir() string { return s.cfg.Dir }

// Running reports whether the member is started and not stopped.
func (s *Server) Running() bool { return s.etcd != nil }

// Etcd returns the running embed.Etcd, nil when stopped.
func (s *Server) Etcd() *embed.Etcd { return s.etcd }

// Stop stops the member and keeps its data directory; Restart starts it
// again on the same ports and data.
func (s *Server) Stop() {
	if s.etcd != nil {
		s.etcd.Close()
		s.etcd = nil
	}
}

// Restart starts a stopped member again with the same name, ports and data.
func (s *Server) Restart(ctx context.Context) error {
	if s.etcd != nil {
		return nil
	}
	cfg := *s.cfg
	cfg.ClusterState = embed.ClusterStateFlagExisting
	s.cfg = &cfg
	return s.start(ctx)
}

// Close stops the member and removes its data directory if Start created it.
func (s *Server) Close() error {
	s.Stop()
	if s.ownDir {
		return os.RemoveAll(s.cfg.Dir)
	}
	return nil
}

// Cluster is several etcd members started together.
type Cluster struct {
	Members []*Server
	dir     string
	ownDir  bool
}

// StartCluster runs an n-member cluster (n >= 1) and returns when every
// member serves clients. Members are named m0, m1, ...; ports are free ports.
func StartCluster(ctx context.Context, n int, opts ...Option) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: cluster of %d members", ErrStart, n)
	}
	c := newConfig(opts)
	ports, err := freePorts(2*n, 0, 0)
	if err != nil {
		return nil, err
	}
	cl := &Cluster{dir: c.dir}
	if cl.dir == "" {
		if cl.dir, err = os.MkdirTemp("", "pulse-etcd-cluster-"); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStart, err)
		}
		cl.ownDir = true
	}
	members := make([]member, n)
	initial := make([]string, n)
	for i := range members {
		name := "m" + strconv.Itoa(i)
		members[i] = member{name: name, dir: cl.dir + "/" + name, clientPort: ports[2*i], peerPort: ports[2*i+1], tls: c.certFile != ""}
		initial[i] = name + "=" + members[i].peerURL()
	}
	token := "pulse-cluster-" + strconv.Itoa(ports[0])
	for _, m := range members {
		cl.Members = append(cl.Members, newServer(c, m, strings.Join(initial, ","), token))
	}
	// Members of a new cluster wait for each other: start them together.
	errc := make(chan error, n)
	for _, s := range cl.Members {
		go func() { errc <- s.start(ctx) }()
	}
	var errs []error
	for range n {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		cl.Close()
		return nil, errors.Join(errs...)
	}
	return cl, nil
}

// Endpoints returns the client URLs of all members, stopped ones included.
func (c *Cluster) Endpoints() []string {
	eps := make([]string, len(c.Members))
	for i, m := range c.Members {
		eps[i] = m.Endpoint()
	}
	return eps
}

// Leader returns the index of the member that is the raft leader, or -1
// when no running member is the leader at the moment.
func (c *Cluster) Leader() int {
	for i, m := range c.Members {
		if e := m.Etcd(); e != nil && e.Server.Leader() == e.Server.MemberID() {
			return i
		}
	}
	return -1
}

// WaitLeader polls until a running member is leader, or ctx ends.
func (c *Cluster) WaitLeader(ctx context.Context) (int, error) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if i := c.Leader(); i >= 0 {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-t.C:
		}
	}
}

// Close stops every member and removes the data if StartCluster created it.
func (c *Cluster) Close() error {
	for _, m := range c.Members {
		m.Stop()
	}
	if c.ownDir {
		return os.RemoveAll(c.dir)
	}
	return nil
}

// freePorts returns n ports on 127.0.0.1; non-zero fixed ports are used as
// given for the first two. A free port is found by listening on port 0 and
// closing the listener, so another process may take it meanwhile (rare).
func freePorts(n int, fixed ...int) ([]int, error) {
	ports := make([]int, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := range ports {
		if i < len(fixed) && fixed[i] > 0 {
			ports[i] = fixed[i]
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("%w: free port: %v", ErrStart, err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
