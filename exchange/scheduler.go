package exchange

import (
	"sync"
	"time"
)

// checker is a connection the scheduler looks at on every tick.
type checker interface {
	check(now time.Time)
}

// Scheduler is the one ticker that drives the heartbeat checks of every
// connection of a Client or a Server: no goroutine or timer per connection.
// Each Client and Server makes its own unless WithScheduler gives them one
// to share, as a consumer with one Client per provider should: then one
// ticker serves every connection of the process.
type Scheduler struct {
	mu   sync.Mutex
	set  map[checker]struct{}
	buf  []checker
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewScheduler starts a Scheduler that checks its connections every tick. The
// tick should be at most a third of the shortest heartbeat interval of the
// Clients and Servers that share it (their timeouts are then met within a
// tick). Close it after them.
func NewScheduler(tick time.Duration) *Scheduler {
	if tick <= 0 {
		tick = time.Second
	}
	s := &Scheduler{set: make(map[checker]struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(tick)
	return s
}

func (s *Scheduler) run(tick time.Duration) {
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

func (s *Scheduler) add(c checker) {
	s.mu.Lock()
	s.set[c] = struct{}{}
	s.mu.Unlock()
}

func (s *Scheduler) remove(c checker) {
	s.mu.Lock()
	delete(s.set, c)
	s.mu.Unlock()
}

func (s *Scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.set)
}

// Close stops the ticker and waits for a check in progress.
func (s *Scheduler) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}
