package etcd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pulse-rpc/pulse/registry"
)

type subscription struct {
	r        *Registry
	consumer registry.URL
	prefix   string
	l        registry.Listener
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
	snap     registry.Snapshot // the providers matching the consumer, by key
}

// Subscribe watches the providers of consumer's interface and delivers those
// matching consumer (registry.IsMatch; a consumer URL's category is read as
// providers) to l: first the list read from etcd, then every change. It
// returns at once; while etcd does not answer, nothing is delivered. ctx only
// gates the call: the subscription lives until cancel or Close.
func (r *Registry) Subscribe(ctx context.Context, consumer registry.URL, l registry.Listener) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i := consumer.Interface(); i == "" || i == registry.AnyValue {
		return nil, fmt.Errorf("%w: subscribe needs one interface, got %q", registry.ErrInvalidURL, i)
	}
	if c := consumer.Params[registry.KeyCategory]; c == "" || c == registry.CategoryConsumers {
		consumer = consumer.With(registry.KeyCategory, registry.CategoryProviders)
	}
	s := &subscription{
		r:        r,
		consumer: consumer,
		prefix:   registry.CategoryPrefix(r.opts.root, consumer.Interface(), registry.CategoryProviders),
		l:        l,
		done:     make(chan struct{}),
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, registry.ErrClosed
	}
	s.ctx, s.cancel = context.WithCancel(r.ctx)
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	go s.run()
	return s.stop, nil
}

func (s *subscription) stop() {
	s.cancel()
	<-s.done
	s.r.mu.Lock()
	delete(s.r.subs, s)
	s.r.mu.Unlock()
}

func (s *subscription) run() {
	defer close(s.done)
	bo := backoff{min: s.r.opts.backoffMin, max: s.r.opts.backoffMax}
	failures := 0
	for s.ctx.Err() == nil {
		rev, err := s.resync()
		if err != nil {
			failures++
			lvl := slog.LevelDebug
			if failures == 1 {
				lvl = slog.LevelWarn
			}
			s.r.log.Log(s.ctx, lvl, "etcd registry: read of providers failed, will retry", "prefix", s.prefix, "err", err)
			if !s.sleep(bo.next()) {
				return
			}
			continue
		}
		failures = 0
		started := time.Now()
		err = s.watch(rev)
		if s.ctx.Err() != nil {
			return
		}
		s.r.log.Info("etcd registry: watch ended, resyncing", "prefix", s.prefix, "err", err)
		// A watch that keeps failing at once must not spin: back off unless
		// it lived a while.
		if time.Since(started) > 5*time.Second {
			bo.reset()
		} else if !s.sleep(bo.next()) {
			return
		}
	}
}

func (s *subscription) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// resync reads every provider key and delivers the truth; it returns the
// revision of the read.
func (s *subscription) resync() (int64, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.r.opts.requestTimeout)
	resp, err := s.r.cli.Get(ctx, s.prefix, clientv3.WithPrefix())
	cancel()
	if err != nil {
		return 0, err
	}
	s.snap.Clear()
	for _, kv := range resp.Kvs {
		s.put(string(kv.Key))
	}
	s.deliver()
	return resp.Header.Revision, nil
}

// watch follows changes from rev+1 until the watch fails or the
// subscription ends.
func (s *subscription) watch(rev int64) error {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(s.ctx))
	defer cancel()
	wch := s.r.cli.Watch(ctx, s.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	for wr := range wch {
		if err := wr.Err(); err != nil {
			return err
		}
		for _, ev := range wr.Events {
			switch ev.Type {
			case mvccpb.PUT:
				s.put(string(ev.Kv.Key))
			case mvccpb.DELETE:
				s.snap.Delete(string(ev.Kv.Key))
			}
		}
		s.deliver()
	}
	return ctx.Err()
}

// put records a provider key if it is a direct child of the prefix whose
// URL matches the consumer, and forgets it otherwise.
func (s *subscription) put(key string) {
	child, ok := strings.CutPrefix(key, s.prefix)
	if !ok || child == "" || strings.IndexByte(child, '/') >= 0 {
		return
	}
	k, err := registry.ParseKey(key)
	if err != nil {
		s.r.log.Debug("etcd registry: ignoring key", "key", key, "err", err)
		s.snap.Delete(key)
		return
	}
	if !registry.IsMatch(s.consumer, k.URL) {
		s.snap.Delete(key)
		return
	}
	s.snap.Put(key, k.URL)
}

func (s *subscription) deliver() {
	if u, ok := s.snap.Flush(); ok && s.ctx.Err() == nil {
		s.l.Notify(u)
	}
}
