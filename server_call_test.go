package pulse

import (
	"context"
	"errors"
	"testing"
	"time"
)

type testKey struct{}

// waitClosed fails the test if ch is not closed within a generous bound.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still open after 10 s", what)
	}
}

// TestCallContextBehavesAsWithTimeout: the provider's call context carries
// the call and the parent's values, ends at the caller's deadline, with its
// parent, or when the method returns, as context.WithTimeout with a
// deferred cancel does, whether or not Done was asked for first.
func TestCallContextBehavesAsWithTimeout(t *testing.T) {
	att := Attachments{"trace": "t1"}
	base := context.WithValue(context.Background(), testKey{}, "v")

	t.Run("no timeout", func(t *testing.T) {
		parent, cancel := context.WithCancel(base)
		cc := newCallContext(parent, att, 0)
		if cc.Done() != parent.Done() || cc.Err() != nil {
			t.Fatal("without a timeout the context is not the parent's")
		}
		if _, ok := cc.Deadline(); ok {
			t.Fatal("deadline without a timeout")
		}
		if IncomingAttachments(cc)["trace"] != "t1" || cc.Value(testKey{}) != "v" {
			t.Fatal("values lost")
		}
		cc.end()
		if cc.Err() != nil {
			t.Fatal("ended at return without a timeout (WithValue does not end)")
		}
		cancel()
		if !errors.Is(cc.Err(), context.Canceled) {
			t.Fatalf("Err after the parent's cancel: %v", cc.Err())
		}
	})

	for _, askDone := range []bool{false, true} {
		name := "Err only"
		if askDone {
			name = "Done first"
		}
		t.Run("deadline/"+name, func(t *testing.T) {
			cc := newCallContext(base, att, 100*time.Millisecond)
			d, ok := cc.Deadline()
			if !ok || time.Until(d) > 100*time.Millisecond {
				t.Fatalf("Deadline = %v %v", d, ok)
			}
			var done <-chan struct{}
			if askDone {
				done = cc.Done()
			}
			// Only while the deadline is still ahead: a loaded machine may
			// have let it pass already.
			if err := cc.Err(); err != nil && time.Now().Before(d) {
				t.Fatalf("Err before the deadline: %v", err)
			}
			// Err turns DeadlineExceeded once the deadline is behind.
			deadline := time.Now().Add(10 * time.Second)
			for cc.Err() == nil && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if !errors.Is(cc.Err(), context.DeadlineExceeded) {
				t.Fatalf("Err after the deadline: %v", cc.Err())
			}
			if !errors.Is(context.Cause(cc), context.DeadlineExceeded) {
				t.Fatalf("Cause after the deadline: %v", context.Cause(cc))
			}
			if !askDone {
				done = cc.Done()
			}
			waitClosed(t, done, "Done after the deadline")
			cc.end()
			if !errors.Is(cc.Err(), context.DeadlineExceeded) {
				t.Fatalf("Err after a return past the deadline: %v", cc.Err())
			}
		})
		t.Run("parent/"+name, func(t *testing.T) {
			parent, cancel := context.WithCancel(base)
			cc := newCallContext(parent, att, time.Hour)
			var done <-chan struct{}
			if askDone {
				done = cc.Done()
			}
			cancel()
			if !errors.Is(cc.Err(), context.Canceled) {
				t.Fatalf("Err after the parent's cancel: %v", cc.Err())
			}
			if !askDone {
				done = cc.Done()
			}
			waitClosed(t, done, "Done after the parent's cancel")
		})
		t.Run("return/"+name, func(t *testing.T) {
			cc := newCallContext(base, att, time.Hour)
			var done <-chan struct{}
			var child context.Context
			ran := make(chan struct{})
			if askDone {
				done = cc.Done()
				var cancel context.CancelFunc
				child, cancel = context.WithCancel(cc)
				defer cancel()
				context.AfterFunc(cc, func() { close(ran) })
			}
			cc.end()
			if !errors.Is(context.Cause(cc), context.Canceled) {
				t.Fatalf("Cause after return: %v", context.Cause(cc))
			}
			if !errors.Is(cc.Err(), context.Canceled) {
				t.Fatalf("Err after return: %v", cc.Err())
			}
			if !askDone {
				done = cc.Done()
				var cancel context.CancelFunc
				child, cancel = context.WithCancel(cc)
				defer cancel()
				context.AfterFunc(cc, func() { close(ran) })
			}
			waitClosed(t, done, "Done after return")
			waitClosed(t, child.Done(), "a derived context after return")
			waitClosed(t, ran, "an AfterFunc after return")
			if IncomingAttachments(child)["trace"] != "t1" || child.Value(testKey{}) != "v" {
				t.Fatal("values lost in a derived context")
			}
		})
	}

	t.Run("parent deadline earlier", func(t *testing.T) {
		parent, cancel := context.WithTimeout(base, time.Minute)
		defer cancel()
		cc := newCallContext(parent, att, time.Hour)
		pd, _ := parent.Deadline()
		if d, ok := cc.Deadline(); !ok || !d.Equal(pd) {
			t.Fatalf("Deadline = %v, want the parent's %v", d, pd)
		}
	})
}
