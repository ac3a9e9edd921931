package loadbalance

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// NewLeastActive returns Java's LeastActiveLoadBalance: the node with the
// fewest calls in flight for the invocation's method (Node.Stats, which the
// caller keeps with Begin/End); ties are broken at random in proportion to
// effective weights, so warm-up and health still count among equals.
func NewLeastActive(opts ...Option) Balancer { return &leastActive{o: buildOptions(opts)} }

type leastActive struct{ o *options }

func (l *leastActive) Picker(nodes []*Node) Picker {
	p := &scorePicker{}
	p.init(nodes, l.o)
	return p
}

// NewShortestResponse returns Java's ShortestResponseLoadBalance: the node
// whose expected wait is shortest, ties broken by weighted random. The
// expected wait is the moving average (EWMA, 1/8 per sample) of successful
// response times for the method times (active calls + 1). Java multiplies by
// active alone, which makes every idle provider tie at 0; the +1 lets idle
// providers differ by their speed. A provider with no successful call yet is
// given the mean average of those that have one, so it is neither shunned
// nor flooded.
func NewShortestResponse(opts ...Option) Balancer { return &shortestResponse{o: buildOptions(opts)} }

type shortestResponse struct{ o *options }

func (s *shortestResponse) Picker(nodes []*Node) Picker {
	p := &scorePicker{shortest: true}
	p.init(nodes, s.o)
	return p
}

// scorePicker picks the lowest score, ties broken by weighted random: the
// score is active calls (leastactive) or expected wait (shortestresponse).
type scorePicker struct {
	base
	shortest bool
	mu       sync.Mutex
	counters atomic.Pointer[map[string][]*Counter] // per method, aligned with nodes
}

// countersOf returns each node's counter for method, resolved once per
// method and snapshot. A node without Stats gets a counter of its own.
func (p *scorePicker) countersOf(method string) []*Counter {
	if m := p.counters.Load(); m != nil {
		if cs, ok := (*m)[method]; ok {
			return cs
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var old map[string][]*Counter
	if m := p.counters.Load(); m != nil {
		old = *m
	}
	if cs, ok := old[method]; ok {
		return cs
	}
	cs := make([]*Counter, len(p.nodes))
	for i, nd := range p.nodes {
		if nd.Stats == nil {
			cs[i] = new(Counter)
		} else {
			cs[i] = nd.Stats.Method(method)
		}
	}
	next := make(map[string][]*Counter, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[method] = cs
	p.counters.Store(&next)
	return cs
}

// score is node i's figure; mean stands in for an unknown response time.
func (p *scorePicker) score(c *Counter, mean time.Duration) int64 {
	if !p.shortest {
		return c.Active()
	}
	e := c.Elapsed()
	if e <= 0 {
		e = mean
	}
	return int64(e) * (c.Active() + 1)
}

func (p *scorePicker) meanElapsed(level int, cs []*Counter, tried []*Node) time.Duration {
	if !p.shortest {
		return 0
	}
	var sum, n int64
	for i, nd := range p.nodes {
		if e := cs[i].Elapsed(); e > 0 && eligible(level, nd, tried) {
			sum += int64(e)
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return time.Duration(sum / n)
}

func (p *scorePicker) Pick(inv *dubbo.Invocation, tried []*Node) int {
	if len(p.nodes) <= 1 {
		return len(p.nodes) - 1
	}
	method := methodOf(inv)
	t := p.table()
	cs := p.countersOf(method)
	for level := range levels {
		mean := p.meanElapsed(level, cs, tried)
		least, count, total, first, same, last := int64(math.MaxInt64), 0, 0, -1, true, -1
		for i, nd := range p.nodes {
			if !eligible(level, nd, tried) {
				continue
			}
			s, w := p.score(cs[i], mean), p.weightOf(t, i, method)
			switch {
			case s < least:
				least, count, total, first, same, last = s, 1, w, w, true, i
			case s == least:
				count++
				total += w
				same = same && w == first
				last = i
			}
		}
		switch {
		case count == 0:
			continue
		case count == 1:
			return last
		}
		// Scores may move between the passes: fall back to the last tie.
		if !same && total > 0 {
			r := p.o.intn(total)
			for i, nd := range p.nodes {
				if eligible(level, nd, tried) && p.score(cs[i], mean) == least {
					w := p.weightOf(t, i, method)
					if r < w {
						return i
					}
					r -= w
				}
			}
			return last
		}
		k := p.o.intn(count)
		for i, nd := range p.nodes {
			if eligible(level, nd, tried) && p.score(cs[i], mean) == least {
				if k == 0 {
					return i
				}
				k--
			}
		}
		return last
	}
	return 0
}
