package exchange

import (
	"math"
	"sync"
	"time"

	"github.com/pulse-rpc/pulse/internal/monotime"
)

// checker is a connection the scheduler looks at when it is due.
type checker interface {
	// check looks at the connection and returns when it next needs a look
	// (the zero time: on the next tick).
	check(now time.Time) (next time.Time)
}

// Scheduler is the one ticker that drives the heartbeat checks of every
// connection of a Client or a Server: no goroutine or timer per connection.
// Each Client and Server makes its own unless WithScheduler gives them one
// to share, as a consumer with one Client per provider should: then one
// ticker serves every connection of the process.
//
// A tick looks only at the connections that are due: each check says when
// its connection could next need anything (a busy or recently pinged one
// not before an interval has passed), so a tick costs a scan of one array
// of due times plus the checks that are due, not a check of every
// connection.
type Scheduler struct {
	mu       sync.Mutex
	checkers []checker       // the connections...
	due      []int64         // ...and when each is next due, a monotime instant (or dueNow)
	index    map[checker]int // position of each in checkers and due
	batch    []checker       // run only: the due ones of this tick
	nexts    []int64         // run only: what their checks returned
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// dueNow is the due time of a connection to check on the next tick, below
// every instant (which may be negative under a fake clock).
const dueNow int64 = math.MinInt64

// NewScheduler starts a Scheduler that wakes every tick and checks the
// connections that are due then. The tick should be at most a third of the
// shortest heartbeat interval of the Clients and Servers that share it
// (their timeouts are then met within a tick). Close it after them.
func NewScheduler(tick time.Duration) *Scheduler {
	if tick <= 0 {
		tick = time.Second
	}
	s := &Scheduler{index: make(map[checker]int), stop: make(chan struct{}), done: make(chan struct{})}
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
			s.tick(now)
		}
	}
}

// tick checks the connections due at now, outside the lock (a check may
// close its connection, whose removal takes the lock), then records when
// each is next due.
func (s *Scheduler) tick(now time.Time) {
	n := monotime.Nanos(now)
	s.mu.Lock()
	s.batch = s.batch[:0]
	for i, d := range s.due {
		if d <= n {
			s.batch = append(s.batch, s.checkers[i])
		}
	}
	s.mu.Unlock()
	s.nexts = s.nexts[:0]
	for _, c := range s.batch {
		next := dueNow
		if t := c.check(now); !t.IsZero() {
			next = monotime.Nanos(t)
		}
		s.nexts = append(s.nexts, next)
	}
	s.mu.Lock()
	for i, c := range s.batch {
		if j, ok := s.index[c]; ok {
			s.due[j] = s.nexts[i]
		}
	}
	s.mu.Unlock()
	clear(s.batch)
}

func (s *Scheduler) add(c checker) {
	s.mu.Lock()
	if _, ok := s.index[c]; !ok {
		s.index[c] = len(s.checkers)
		s.checkers = append(s.checkers, c)
		s.due = append(s.due, dueNow)
	}
	s.mu.Unlock()
}

func (s *Scheduler) remove(c checker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[c]
	if !ok {
		return
	}
	last := len(s.checkers) - 1
	if i != last {
		s.checkers[i], s.due[i] = s.checkers[last], s.due[last]
		s.index[s.checkers[i]] = i
	}
	s.checkers[last] = nil
	s.checkers, s.due = s.checkers[:last], s.due[:last]
	delete(s.index, c)
}

// Len returns how many connections the Scheduler drives: those of every
// Client and Server given it by WithScheduler, while they are connected.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.checkers)
}

// Done returns a channel closed once the ticker has stopped, when Close
// has been called and any check in progress has returned.
func (s *Scheduler) Done() <-chan struct{} { return s.done }

// Close stops the ticker and waits for a check in progress.
func (s *Scheduler) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}
