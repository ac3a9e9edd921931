package exchange

import (
	"sync"
	"time"
)

// DefaultMaxWorkers is how many calls a Server runs at once unless
// WithMaxWorkers says otherwise. Beyond it a call is refused with
// StatusServerThreadpoolExhausted, as Java refuses a call its full thread
// pool cannot take (Java's default pool has 200 threads; goroutines are
// cheaper, so the default here is far larger).
const DefaultMaxWorkers = 10000

// workerIdle is how long a worker waits for a call before it exits: between
// one and two of these.
const workerIdle = time.Second

// job is one call handed to a worker: the request with its own copy of the
// body, pooled with the buffer so that a call allocates neither.
type job struct {
	sc  *serverConn
	req Request
	buf []byte
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// newJob copies the request out of the frame, which the transport reuses
// once OnFrame returns.
func newJob(sc *serverConn, h *Header, body []byte) *job {
	j := jobPool.Get().(*job)
	j.sc = sc
	j.buf = append(j.buf[:0], body...)
	j.req = Request{ID: h.ID(), TwoWay: h.IsTwoWay(), Serialization: h.SerializationID(), Body: j.buf}
	return j
}

// free gives the job back once the handler has returned: the Handler
// contract ends the request's validity there.
func (j *job) free() {
	j.sc, j.req = nil, Request{}
	if cap(j.buf) > maxPooled {
		j.buf = nil
	}
	jobPool.Put(j)
}

// workers runs a Server's calls on long-lived goroutines, so that the
// stack a call grows (reflection, decoding) is grown once and reused
// instead of copied again on a fresh goroutine for every call. A call goes
// to the worker that went idle last (warm stack and cache), or to a new
// worker when none is idle, up to max; workers idle for workerIdle exit.
// A handler that blocks holds only its own worker.
type workers struct {
	run func(*job) // serves one call
	max int

	mu       sync.Mutex
	idle     []*worker // a stack: the most recently parked last
	n        int       // workers alive
	gen      uint64    // sweeps so far
	sweeping bool      // the sweeper goroutine runs
	stopped  bool
	stop     chan struct{} // closed by close: the sweeper leaves
	wg       sync.WaitGroup
}

type worker struct {
	jobs chan *job // a nil job: exit
	gen  uint64    // the sweep count when it parked
}

func newWorkers(max int, run func(*job)) *workers {
	if max <= 0 {
		max = DefaultMaxWorkers
	}
	return &workers{run: run, max: max, stop: make(chan struct{})}
}

// dispatch hands j to a worker; false when all max workers are busy or the
// pool is closed (j was not taken).
func (p *workers) dispatch(j *job) bool {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j // buffered: never blocks
		return true
	}
	if p.stopped || p.n >= p.max {
		p.mu.Unlock()
		return false
	}
	p.n++
	sweep := !p.sweeping
	p.sweeping = true
	p.wg.Add(1)
	if sweep {
		p.wg.Add(1)
	}
	p.mu.Unlock()
	if sweep {
		go p.sweep()
	}
	go p.loop(&worker{jobs: make(chan *job, 1)}, j)
	return true
}

func (p *workers) loop(w *worker, j *job) {
	running := false
	defer func() {
		if running { // the call ended the goroutine (runtime.Goexit): one worker less
			p.mu.Lock()
			p.n--
			p.mu.Unlock()
		}
		p.wg.Done()
	}()
	for j != nil {
		running = true
		p.run(j)
		running = false
		if !p.park(w) {
			return
		}
		j = <-w.jobs
	}
}

// park puts w on the idle stack; false when the pool is closed (w exits).
func (p *workers) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		p.n--
		return false
	}
	w.gen = p.gen
	p.idle = append(p.idle, w)
	return true
}

// sweep runs while workers are alive: once per workerIdle it tells the
// workers idle since before the previous sweep to exit.
func (p *workers) sweep() {
	defer p.wg.Done()
	t := time.NewTicker(workerIdle)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		p.gen++
		stale := 0 // the oldest are at the bottom of the stack
		for stale < len(p.idle) && p.idle[stale].gen+1 < p.gen {
			p.idle[stale].jobs <- nil
			stale++
		}
		if stale > 0 {
			n := copy(p.idle, p.idle[stale:])
			clear(p.idle[n:])
			p.idle = p.idle[:n]
			p.n -= stale
		}
		done := p.n == 0
		if done {
			p.sweeping = false
		}
		p.mu.Unlock()
		if done {
			return
		}
	}
}

// busy reports how many workers are alive and how many of them are idle.
func (p *workers) busy() (alive, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n, len(p.idle)
}

// free reports whether a call would be taken now.
func (p *workers) free() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.stopped && (len(p.idle) > 0 || p.n < p.max)
}

// close makes every worker exit once its call is done and waits for them.
func (p *workers) close() {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.stop)
		for _, w := range p.idle {
			w.jobs <- nil
		}
		p.n -= len(p.idle)
		clear(p.idle)
		p.idle = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
}
