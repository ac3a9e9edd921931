package cluster

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/pulse-rpc/pulse/cluster/loadbalance"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// forking sends the call to `forks` different providers at once and returns
// the first success; the others are canceled through their context. For
// latency-critical reads, at the cost of load. Close waits for forks still
// running after their call returned; calls after Close fail with ErrClosed.
type forking struct {
	*caller
	mu     sync.Mutex // orders starting forks against Close's Wait
	closed bool
	wg     sync.WaitGroup
}

func (f *forking) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
	return f.caller.Close()
}

type forkResult struct {
	res *dubbo.Result
	err error
}

func (f *forking) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	var tos []Invoker
	var tried []*loadbalance.Node
	var keys []string
	for len(tos) < f.cfg.forks {
		to, node, err := f.pick(inv, tried)
		if err != nil {
			return nil, f.fail(inv, keys, err)
		}
		if slices.Contains(keys, node.Key) {
			break // every provider already chosen
		}
		tos, tried, keys = append(tos, to), append(tried, node), append(keys, node.Key)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan forkResult, len(tos))
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, f.fail(inv, nil, ErrClosed)
	}
	f.wg.Add(len(tos))
	f.mu.Unlock()
	for i, to := range tos {
		go func() {
			defer f.wg.Done()
			res, err := f.call(ctx, to, tried[i], inv)
			out <- forkResult{res, err}
		}()
	}
	var last error
	for range tos {
		select {
		case r := <-out:
			if r.err == nil {
				return r.res, nil
			}
			last = r.err
		case <-ctx.Done():
			return nil, f.fail(inv, keys, ctx.Err())
		}
	}
	return nil, f.fail(inv, keys, last)
}

// broadcast sends the call to every provider, one after another; any
// failure fails the call (all errors joined). For cache refreshes and the
// like. Unavailable providers are skipped unless all are.
type broadcast struct{ *caller }

func (b *broadcast) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	snap := b.current().snap
	avail := 0
	for _, to := range snap.invokers {
		if to.Available() {
			avail++
		}
	}
	if len(snap.invokers) == 0 {
		return nil, b.fail(inv, nil, ErrNoProvider)
	}
	var errs []error
	var keys []string
	var res *dubbo.Result
	for i, to := range snap.invokers {
		if avail > 0 && !to.Available() {
			continue
		}
		keys = append(keys, snap.nodes[i].Key)
		r, err := b.call(ctx, to, snap.nodes[i], inv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res = r
	}
	if len(errs) > 0 {
		return nil, b.fail(inv, keys, errors.Join(errs...))
	}
	return res, nil
}
