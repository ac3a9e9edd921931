package loadbalance

import "github.com/pulse-rpc/pulse/protocol/dubbo"

// NewRandom returns Java's RandomLoadBalance: a random node, in proportion
// to effective weights; uniform when all weights are equal or all zero.
//
// The common case costs O(log n): a node is drawn over every node by binary
// search in the running sums of weights, and kept if it is eligible (available
// and not tried). Otherwise the draw is redone over the eligible nodes only,
// in O(n), which gives each eligible node exactly its share of their weights.
func NewRandom(opts ...Option) Balancer { return &random{o: buildOptions(opts)} }

type random struct{ o *options }

func (r *random) Picker(nodes []*Node) Picker {
	p := &randomPicker{}
	p.init(nodes, r.o)
	return p
}

type randomPicker struct{ base }

func (p *randomPicker) Pick(inv *dubbo.Invocation, tried []*Node) int {
	n := len(p.nodes)
	if n <= 1 {
		return n - 1
	}
	t := p.table()
	if !t.methods {
		var i int
		if total := t.prefix[n-1]; t.same || total <= 0 {
			i = p.o.intn(n)
		} else {
			i = search(t.prefix, p.o.intn(total))
		}
		if eligible(levelAvailableUntried, p.nodes[i], tried) {
			return i
		}
	}
	return p.slow(t, methodOf(inv), tried)
}

// search returns the first index whose running sum exceeds r.
func search(prefix []int, r int) int {
	lo, hi := 0, len(prefix)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if prefix[mid] > r {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func (p *randomPicker) slow(t *table, method string, tried []*Node) int {
	for level := range levels {
		total, count, last, first, same := 0, 0, -1, -1, true
		for i, nd := range p.nodes {
			if !eligible(level, nd, tried) {
				continue
			}
			w := p.weightOf(t, i, method)
			if first < 0 {
				first = w
			} else if w != first {
				same = false
			}
			total += w
			count++
			last = i
		}
		switch {
		case count == 0:
			continue
		case count == 1:
			return last
		case !same && total > 0:
			r := p.o.intn(total)
			for i, nd := range p.nodes {
				if !eligible(level, nd, tried) {
					continue
				}
				w := p.weightOf(t, i, method)
				if r < w {
					return i
				}
				r -= w
			}
			return last
		default:
			k := p.o.intn(count)
			for i, nd := range p.nodes {
				if !eligible(level, nd, tried) {
					continue
				}
				if k == 0 {
					return i
				}
				k--
			}
			return last
		}
	}
	return 0
}
