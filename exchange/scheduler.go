package exchange

import (
	"sync"
	"time"
)

// checker is a connection the scheduler looks at on every tick.
type checker interface {
	check(now time.Time)
}

// scheduler is the one ticker that drives the heartbeat checks of every
// connection of a Client or a Server: no goroutine or timer per connection.
type scheduler struct {
	mu   sync.Mutex
	set  map[checker]struct{}
	buf  []checker
	stop chan struct{}
	done chan struct{}
}

func newScheduler(tick time.Duration) *scheduler {
	s := &scheduler{set: make(map[checker]struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(tick)
	return s
}

func (s *scheduler) run(tick time.Duration) {
	defer close(s.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			s.buf = s.buf[:0]
			for c := range s.set {
				s.buf = append(s.buf, c)
			}
			batch := s.buf
			s.mu.Unlock()
			for _, c := range batch {
				c.check(now)
			}
			clear(batch)
		}
	}
}

func (s *scheduler) add(c checker) {
	s.mu.Lock()
	s.set[c] = struct{}{}
	s.mu.Unlock()
}

func (s *scheduler) remove(c checker) {
	s.mu.Lock()
	delete(s.set, c)
	s.mu.Unlock()
}

func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.set)
}

// close stops the ticker and waits for a check in progress.
func (s *scheduler) close() {
	close(s.stop)
	<-s.done
}
