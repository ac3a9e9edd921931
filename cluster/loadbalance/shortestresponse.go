package loadbalance

import "time"

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
	p := &scorePicker{}
	p.prepare = prepareShortest
	p.init(nodes, s.o)
	return p
}

func prepareShortest(p *scorePicker, level int, method string, tried []*Node) func(*Node, string) int64 {
	var sum, n int64
	for _, nd := range p.nodes {
		if nd.Stats == nil || !eligible(level, nd, tried) {
			continue
		}
		if e := nd.Stats.Method(method).Elapsed(); e > 0 {
			sum += int64(e)
			n++
		}
	}
	mean := time.Duration(1)
	if n > 0 {
		mean = time.Duration(sum / n)
	}
	return func(nd *Node, method string) int64 {
		if nd.Stats == nil {
			return int64(mean)
		}
		c := nd.Stats.Method(method)
		e := c.Elapsed()
		if e <= 0 {
			e = mean
		}
		return int64(e) * (c.Active() + 1)
	}
}
