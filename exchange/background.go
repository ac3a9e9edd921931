package exchange

import "sync"

// background runs the short-lived goroutines of a Client or Server (a
// heartbeat write off the ticker, a READONLY write) so that Close can wait
// for them: after stop, nothing new starts.
type background struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// run starts f on its own goroutine; false if stop was called (f does not run).
func (b *background) run(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.wg.Go(f)
	return true
}

// stop refuses new work and waits for what runs.
func (b *background) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	b.wg.Wait()
}
