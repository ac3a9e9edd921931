// Package etcd is the etcd v3 implementation of registry.Registry, with the
// key layout of Java Dubbo's etcd3 registry:
//
//	/dubbo/<URLEncode(interface)>/providers/<URLEncode(url.String())>   value: lease id in decimal
//	/dubbo/<URLEncode(interface)>/consumers/<URLEncode(url.String())>
//
// Leases. One lease per Registry (as Java's client), TTL 30 s by default, kept
// alive by the etcd client; one goroutine drains every keepalive response.
// When the lease is lost (an etcd outage longer than the TTL, a paused
// process, a revoke) the registry grants a new lease and puts every key it
// owns again as soon as etcd answers, retrying with backoff; then it revokes
// the old lease in case it still lives. Close deletes the keys it owns and
// revokes the lease. URLs with dynamic=false are written as Java writes
// persistent nodes: no lease, the Java String.hashCode of the key as value,
// kept after Close.
//
// Connection: the client connects lazily (with username/password it
// authenticates at New, so New fails when etcd does not answer); several
// endpoints, TLS and authentication are options. etcd client logs at warning
// level and above go to the registry's slog logger.
//
// Subscriptions. A subscription reads every key one segment below
// /dubbo/<interface>/providers/, then watches that prefix from the read's
// revision + 1. When the watch fails (compaction, lost leader, cancel) it
// reads everything again and watches from the new revision: subscribers get a
// snapshot built from the truth, never a stale provider and never a missed
// change. While etcd does not answer nothing is delivered, so an outage does
// not empty a consumer's provider list. Keys written by dubbo-go (Go's
// QueryEscape encoding, empty values) are read as well.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"

	"github.com/pulse-rpc/pulse/registry"
	"github.com/pulse-rpc/pulse/registry/internal/zapslog"
)

// Registry registers URLs in etcd and watches providers. It is safe for
// concurrent use.
type Registry struct {
	cli    *clientv3.Client
	opts   options
	log    *slog.Logger
	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}

	mu      sync.Mutex
	closed  bool
	owned   map[string]*entry
	deletes []*deletion
	subs    map[*subscription]struct{}
	lease   clientv3.LeaseID // current lease, 0 when none
}

type entry struct {
	key        string
	persistent bool             // dynamic=false: no lease, kept after Close (as Java)
	written    clientv3.LeaseID // lease the key was last put with; persistentWritten once a persistent key is put
	done       chan struct{}    // closed at the first successful put
	closed     bool
}

// persistentWritten marks a persistent entry as written (it has no lease).
const persistentWritten clientv3.LeaseID = -1

// needsPut reports whether e must be put (again) under lease.
func (e *entry) needsPut(lease clientv3.LeaseID) bool {
	if e.persistent {
		return e.written != persistentWritten
	}
	return lease == 0 || e.written != lease
}

type deletion struct {
	key  string
	done chan struct{}
}

var _ registry.Registry = (*Registry)(nil)

// New connects to etcd with the given options; WithEndpoints is required.
// It does not wait for etcd: registrations and subscriptions made while etcd
// is unreachable take effect when it answers.
func New(opts ...Option) (*Registry, error) {
	o := defaultOptions()
	for _, f := range opts {
		f(&o)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:         o.endpoints,
		DialTimeout:       o.dialTimeout,
		DialKeepAliveTime: 10 * time.Second,
		TLS:               o.tls,
		Username:          o.username,
		Password:          o.password,
		Logger:            zapslog.New(o.logger.With("component", "etcd-client"), zapcore.WarnLevel),
		// Reconnect soon after etcd comes back (gRPC's default backoff
		// grows to 120 s).
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           grpcbackoff.Config{BaseDelay: o.backoffMin, Multiplier: 1.6, Jitter: 0.2, MaxDelay: o.backoffMax},
			MinConnectTimeout: o.dialTimeout,
		})},
	})
	if err != nil {
		return nil, fmt.Errorf("etcd registry: connect %v: %w", o.endpoints, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Registry{
		cli:    cli,
		opts:   o,
		log:    o.logger,
		ctx:    ctx,
		cancel: cancel,
		kick:   make(chan struct{}, 1),
		owned:  make(map[string]*entry),
		subs:   make(map[*subscription]struct{}),
	}
	r.wg.Add(1)
	go r.keep()
	return r, nil
}

// Open is New from an address string: "etcd://host:port[,host:port...]",
// optionally with user:password@ before the hosts and ttl, root,
// dial-timeout, request-timeout parameters after '?'. Options given after
// the address override it. ctx is unused by the lazy connect and kept for
// symmetry with other registries.
func Open(ctx context.Context, address string, opts ...Option) (*Registry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fromAddr, err := parseAddress(address)
	if err != nil {
		return nil, err
	}
	return New(append(fromAddr, opts...)...)
}

// Client returns the etcd client, for tools and tests.
func (r *Registry) Client() *clientv3.Client { return r.cli }

// Lease returns the current lease, 0 while there is none.
func (r *Registry) Lease() clientv3.LeaseID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lease
}

// Key returns the etcd key of u under this registry's root.
func (r *Registry) Key(u registry.URL) string { return registry.EncodeKey(r.opts.root, u) }

func (r *Registry) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Register puts u under its category with the registry's lease. It returns
// when the key is written or when ctx ends; in the second case the key is
// still written when etcd answers, unless Unregister or Close come first.
//
// A URL with dynamic=false is written as Java writes persistent nodes:
// without lease, with the Java String.hashCode of the key as value; it stays
// after Close and is removed only by Unregister.
func (r *Registry) Register(ctx context.Context, u registry.URL) error {
	if u.Interface() == "" {
		return fmt.Errorf("%w: register needs an interface: %s", registry.ErrInvalidURL, u)
	}
	key := r.Key(u)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return registry.ErrClosed
	}
	e := r.owned[key]
	if e == nil {
		e = &entry{key: key, persistent: !u.Dynamic(), done: make(chan struct{})}
		r.owned[key] = e
	}
	r.mu.Unlock()
	r.wake()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("etcd registry: register %s: %w", u.ServiceKey(), ctx.Err())
	case <-r.ctx.Done():
		return registry.ErrClosed
	}
}

// Unregister deletes u's key and stops keeping it. It returns when the key
// is deleted or ctx ends (the delete is still retried in the background).
func (r *Registry) Unregister(ctx context.Context, u registry.URL) error {
	key := r.Key(u)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return registry.ErrClosed
	}
	delete(r.owned, key)
	d := &deletion{key: key, done: make(chan struct{})}
	r.deletes = append(r.deletes, d)
	r.mu.Unlock()
	r.wake()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("etcd registry: unregister %s: %w", u.ServiceKey(), ctx.Err())
	case <-r.ctx.Done():
		return registry.ErrClosed
	}
}

// Close stops the subscriptions, deletes the keys this registry owns,
// revokes its lease and closes the client. Keys that cannot be deleted
// (etcd down) expire with the lease.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	subs := make([]*subscription, 0, len(r.subs))
	for s := range r.subs {
		subs = append(subs, s)
	}
	r.mu.Unlock()
	for _, s := range subs {
		s.stop()
	}
	r.cancel()
	r.wg.Wait()

	r.mu.Lock()
	keys := make([]string, 0, len(r.owned))
	for k, e := range r.owned {
		if !e.persistent && e.closed { // written at least once
			keys = append(keys, k)
		}
	}
	lease := r.lease
	r.lease = 0
	r.mu.Unlock()

	var errs []error
	if lease != 0 || len(keys) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), r.opts.requestTimeout)
		const batch = 64 // below etcd's default of 128 operations per transaction
		for len(keys) > 0 {
			n := min(batch, len(keys))
			ops := make([]clientv3.Op, n)
			for i, k := range keys[:n] {
				ops[i] = clientv3.OpDelete(k)
			}
			keys = keys[n:]
			if _, err := r.cli.Txn(ctx).Then(ops...).Commit(); err != nil {
				errs = append(errs, fmt.Errorf("etcd registry: delete on close: %w", err))
				break
			}
		}
		if lease != 0 {
			if _, err := r.cli.Revoke(ctx, lease); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
				errs = append(errs, fmt.Errorf("etcd registry: revoke on close: %w", err))
			}
		}
		cancel()
	}
	if err := r.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// keep is the single writer: it owns the lease, drains its keepalive
// responses, and performs every put and delete of registrations.
func (r *Registry) keep() {
	defer r.wg.Done()
	k := keeper{r: r, bo: backoff{min: r.opts.backoffMin, max: r.opts.backoffMax}}
	defer k.dropLease()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if !k.step() {
			retry.Reset(k.bo.next())
		} else {
			k.bo.reset()
		}
		select {
		case <-r.ctx.Done():
			return
		case <-r.kick:
		case <-retry.C:
		case _, ok := <-k.ka:
			if !ok && r.ctx.Err() == nil {
				r.log.Warn("etcd registry: lease lost, re-registering", "lease", strconv.FormatInt(int64(k.lease), 16))
				k.loseLease()
			}
		}
		retry.Stop()
	}
}

type keeper struct {
	r        *Registry
	bo       backoff
	lease    clientv3.LeaseID
	ka       <-chan *clientv3.LeaseKeepAliveResponse
	kaCancel context.CancelFunc
	old      []clientv3.LeaseID // lost leases to revoke once keys moved to the new one
}

func (k *keeper) reqCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(k.r.ctx, k.r.opts.requestTimeout)
}

// step does all pending work; false means something failed and must be retried.
func (k *keeper) step() bool {
	r := k.r
	r.mu.Lock()
	deletes := r.deletes
	var puts []*entry
	leased := false
	for _, e := range r.owned {
		if e.needsPut(k.lease) {
			puts = append(puts, e)
			leased = leased || !e.persistent
		}
	}
	r.mu.Unlock()

	for len(deletes) > 0 {
		d := deletes[0]
		ctx, cancel := k.reqCtx()
		_, err := r.cli.Delete(ctx, d.key)
		cancel()
		if err != nil {
			r.log.Debug("etcd registry: delete failed, will retry", "key", d.key, "err", err)
			return false
		}
		close(d.done)
		deletes = deletes[1:]
		r.mu.Lock()
		r.deletes = r.deletes[1:]
		r.mu.Unlock()
	}
	if len(puts) == 0 {
		return k.revokeOld()
	}
	if leased && k.lease == 0 && !k.grant() {
		return false
	}
	value := strconv.FormatInt(int64(k.lease), 10)
	for _, e := range puts {
		ctx, cancel := k.reqCtx()
		var err error
		if e.persistent {
			_, err = r.cli.Put(ctx, e.key, strconv.Itoa(int(javaHashCode(e.key))))
		} else {
			_, err = r.cli.Put(ctx, e.key, value, clientv3.WithLease(k.lease))
		}
		cancel()
		if errors.Is(err, rpctypes.ErrLeaseNotFound) {
			r.log.Warn("etcd registry: lease not found, granting a new one", "lease", strconv.FormatInt(int64(k.lease), 16))
			k.loseLease()
			return false
		}
		if err != nil {
			r.log.Debug("etcd registry: put failed, will retry", "key", e.key, "err", err)
			return false
		}
		r.mu.Lock()
		if r.owned[e.key] == e {
			e.written = k.lease
			if e.persistent {
				e.written = persistentWritten
			}
			if !e.closed {
				e.closed = true
				close(e.done)
			}
		}
		r.mu.Unlock()
	}
	return k.revokeOld()
}

func (k *keeper) grant() bool {
	r := k.r
	ctx, cancel := k.reqCtx()
	resp, err := r.cli.Grant(ctx, int64((r.opts.ttl+time.Second/2)/time.Second))
	cancel()
	if err != nil {
		r.log.Debug("etcd registry: lease grant failed, will retry", "err", err)
		return false
	}
	kctx, kcancel := context.WithCancel(r.ctx)
	ka, err := r.cli.KeepAlive(kctx, resp.ID)
	if err != nil {
		kcancel()
		r.log.Debug("etcd registry: keepalive failed, will retry", "err", err)
		// The granted lease expires on its own.
		return false
	}
	k.lease, k.ka, k.kaCancel = resp.ID, ka, kcancel
	r.mu.Lock()
	r.lease = resp.ID
	r.mu.Unlock()
	r.log.Info("etcd registry: lease granted", "lease", strconv.FormatInt(int64(resp.ID), 16), "ttl", resp.TTL)
	return true
}

// loseLease forgets the current lease; the next step grants a new one and
// puts every owned key again.
func (k *keeper) loseLease() {
	if k.lease != 0 {
		k.old = append(k.old, k.lease)
	}
	k.dropLease()
	k.r.mu.Lock()
	k.r.lease = 0
	k.r.mu.Unlock()
}

func (k *keeper) dropLease() {
	if k.kaCancel != nil {
		k.kaCancel()
	}
	k.lease, k.ka, k.kaCancel = 0, nil, nil
}

// revokeOld revokes leases lost earlier, now that the keys are attached to
// the current lease: a lease that survived an outage on the server side
// (etcd renews leases when a leader takes over) holds nothing any more.
func (k *keeper) revokeOld() bool {
	for len(k.old) > 0 {
		ctx, cancel := k.reqCtx()
		_, err := k.r.cli.Revoke(ctx, k.old[0])
		cancel()
		if err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return false
		}
		k.old = k.old[1:]
	}
	return true
}

// backoff is exponential with +/-20% jitter.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	j := float64(b.cur) * (0.8 + 0.4*rand.Float64())
	return time.Duration(j)
}

func (b *backoff) reset() { b.cur = 0 }

// javaHashCode is Java's String.hashCode over UTF-16 code units.
func javaHashCode(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
