package cluster

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// failback makes one attempt; on failure it answers an empty result at once
// and retries the call in the background, on any provider, every interval,
// up to the retries. One goroutine, started at the first failure and
// stopped by Close, serves a bounded queue: when it is full, new failures
// are logged and dropped. For notifications that must eventually arrive.
type failback struct {
	*caller
	stop    context.Context
	cancel  context.CancelFunc
	queue   chan *retryTask
	mu      sync.Mutex
	started bool // guarded by mu
	closed  bool // guarded by mu
	wg      sync.WaitGroup
}

type retryTask struct {
	ctx     context.Context // the caller's values, without its cancellation
	inv     dubbo.Invocation
	retries int // background attempts made
	due     time.Time
}

func newFailback(c *caller) *failback {
	stop, cancel := context.WithCancel(context.Background())
	return &failback{caller: c, stop: stop, cancel: cancel, queue: make(chan *retryTask, c.cfg.fbQueue)}
}

func (f *failback) Invoke(ctx context.Context, inv *dubbo.Invocation) (*dubbo.Result, error) {
	to, node, err := f.pick(inv, nil)
	if err == nil {
		var res *dubbo.Result
		if res, err = f.call(ctx, to, node, inv); err == nil {
			return res, nil
		}
	}
	f.cfg.log.Warn("cluster: failback call failed, will retry in background",
		"service", inv.Path, "method", inv.Method, "err", err)
	f.enqueue(&retryTask{ctx: context.WithoutCancel(ctx), inv: detach(inv), due: time.Now().Add(f.cfg.fbInterval)})
	return &dubbo.Result{}, nil
}

// detach copies inv for a retry that outlives Invoke: the caller may reuse
// its argument slice and attachment map once Invoke has returned.
func detach(inv *dubbo.Invocation) dubbo.Invocation {
	c := *inv
	c.ParameterTypes = slices.Clone(inv.ParameterTypes)
	c.Arguments = slices.Clone(inv.Arguments)
	c.Attachments = maps.Clone(inv.Attachments)
	return c
}

func (f *failback) enqueue(t *retryTask) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		f.cfg.log.Error("cluster: failback closed, call dropped", "service", t.inv.Path, "method", t.inv.Method)
		return
	}
	if !f.started {
		f.started = true
		f.wg.Add(1)
		go f.run()
	}
	select {
	case f.queue <- t:
	default:
		f.cfg.log.Error("cluster: failback queue full, call dropped",
			"service", t.inv.Path, "method", t.inv.Method, "queue", cap(f.queue))
	}
}

func (f *failback) run() {
	defer f.wg.Done()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		var t *retryTask
		select {
		case <-f.stop.Done():
			return
		case t = <-f.queue:
		}
		if d := time.Until(t.due); d > 0 {
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			select {
			case <-f.stop.Done():
				return
			case <-timer.C:
			}
		}
		f.retry(t)
	}
}

func (f *failback) retry(t *retryTask) {
	ctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	unhook := context.AfterFunc(f.stop, cancel)
	defer unhook()
	to, node, err := f.pick(&t.inv, nil)
	if err == nil {
		if _, err = f.call(ctx, to, node, &t.inv); err == nil {
			return
		}
	}
	if f.stop.Err() != nil {
		return
	}
	if t.retries++; t.retries >= f.cfg.fbRetries {
		f.cfg.log.Error("cluster: failback gave up", "service", t.inv.Path, "method", t.inv.Method,
			"retries", t.retries, "err", err)
		return
	}
	t.due = time.Now().Add(f.cfg.fbInterval)
	f.enqueue(t)
}

// Close stops the background retries and waits for the goroutine; calls
// still queued are dropped.
func (f *failback) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
	return f.caller.Close()
}
