package pulse

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// callContext is the context a provider method gets: the connection's
// context, the call's attachments (IncomingAttachments, SetReplyAttachment)
// and, when the caller sent its timeout, that deadline. It behaves as
// context.WithTimeout(context.WithValue(parent, ...)) cancelled when the
// method returns, but costs one allocation: the timer and channel of the
// deadline are made only when something asks for Done (most methods never
// do), and without a deadline it is the parent's.
type callContext struct {
	parent   context.Context
	deadline time.Time // zero: none
	call     serverCall
	self     context.Context // this one, in a variable: handed to the method without an allocation

	made    atomic.Bool // real is set
	ended   atomic.Bool // the method returned
	expired bool        // the deadline had passed when it returned; set before ended
	mu      sync.Mutex
	real    context.Context
	cancel  context.CancelFunc
}

func newCallContext(parent context.Context, a Attachments, timeout time.Duration) *callContext {
	c := &callContext{parent: parent, call: serverCall{incoming: a}}
	c.self = c
	if timeout > 0 {
		c.deadline = time.Now().Add(timeout)
	}
	return c
}

// Deadline is the earlier of the caller's deadline and the parent's.
func (c *callContext) Deadline() (time.Time, bool) {
	d, ok := c.parent.Deadline()
	if c.deadline.IsZero() || (ok && d.Before(c.deadline)) {
		return d, ok
	}
	return c.deadline, true
}

func (c *callContext) Done() <-chan struct{} {
	if c.deadline.IsZero() {
		return c.parent.Done()
	}
	return c.realContext().Done()
}

func (c *callContext) Err() error {
	if c.deadline.IsZero() {
		return c.parent.Err()
	}
	if !c.made.Load() && !c.ended.Load() && c.parent.Err() == nil && time.Now().Before(c.deadline) {
		return nil
	}
	return c.realContext().Err()
}

func (c *callContext) Value(key any) any {
	if key == (serverCallKey{}) {
		return &c.call
	}
	if !c.made.Load() && !c.deadline.IsZero() && (c.ended.Load() || !time.Now().Before(c.deadline)) {
		c.realContext() // ended: context.Cause must find the real cause
	}
	if c.made.Load() {
		// Through the real context, so that context.WithCancel(c) finds
		// its cancelCtx and attaches to it directly.
		return c.real.Value(key)
	}
	return c.parent.Value(key)
}

// AfterFunc lets context.AfterFunc and the contexts derived from this one
// attach without a goroutine of their own.
func (c *callContext) AfterFunc(f func()) (stop func() bool) {
	if c.deadline.IsZero() {
		return context.AfterFunc(c.parent, f)
	}
	return context.AfterFunc(c.realContext(), f)
}

// realContext makes (once) the context.WithDeadline this one stands for:
// ended already if the method has returned.
func (c *callContext) realContext() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil {
		if c.ended.Load() && !c.expired {
			c.real, c.cancel = context.WithCancel(c.parent) // cancelled at return, before the deadline
		} else {
			c.real, c.cancel = context.WithDeadline(c.parent, c.deadline)
		}
		if c.ended.Load() {
			c.cancel()
		}
		c.made.Store(true)
	}
	return c.real
}

// end is the method's return: as the cancel func of context.WithTimeout, it
// ends the context for whatever the method left running with it.
func (c *callContext) end() {
	if c.deadline.IsZero() {
		return
	}
	if !c.made.Load() {
		c.expired = !time.Now().Before(c.deadline)
	}
	c.ended.Store(true)
	c.mu.Lock()
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
