package loadbalance

import (
	"math"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// NewLeastActive returns Java's LeastActiveLoadBalance: the node with the
// fewest calls in flight for the invocation's method (Node.Stats, which the
// caller keeps with Begin/End); ties are broken at random in proportion to
// effective weights, so warm-up and health still count among equals.
func NewLeastActive(opts ...Option) Balancer { return &leastActive{o: buildOptions(opts)} }

type leastActive struct{ o *options }

func (l *leastActive) Picker(nodes []*Node) Picker {
	p := &scorePicker{score: func(nd *Node, method string) int64 { return activeOf(nd, method) }}
	p.init(nodes, l.o)
	return p
}

func activeOf(nd *Node, method string) int64 {
	if nd.Stats == nil {
		return 0
	}
	return nd.Stats.Method(method).Active()
}

// scorePicker picks the lowest score, ties broken by weighted random.
type scorePicker struct {
	base
	score func(nd *Node, method string) int64
	// prepare, when set, runs before scoring and returns the score function
	// for this pick.
	prepare func(p *scorePicker, level int, method string, tried []*Node) func(*Node, string) int64
}

func (p *scorePicker) Pick(inv *dubbo.Invocation, tried []*Node) int {
	if len(p.nodes) <= 1 {
		return len(p.nodes) - 1
	}
	method := methodOf(inv)
	t := p.table()
	for level := range levels {
		score := p.score
		if p.prepare != nil {
			score = p.prepare(p, level, method, tried)
		}
		least, count, total, first, same, last := int64(math.MaxInt64), 0, 0, -1, true, -1
		for i, nd := range p.nodes {
			if !eligible(level, nd, tried) {
				continue
			}
			s, w := score(nd, method), p.weightOf(t, i, method)
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
				if eligible(level, nd, tried) && score(nd, method) == least {
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
			if eligible(level, nd, tried) && score(nd, method) == least {
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
