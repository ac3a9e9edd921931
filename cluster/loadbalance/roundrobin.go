package loadbalance

import (
	"sync"
	"sync/atomic"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// NewRoundRobin returns Java's RoundRobinLoadBalance: smooth weighted round
// robin (nginx's), with one rotation per method. Each pick adds every
// eligible node's weight to its current value, takes the largest and
// subtracts the total from it; weights 5,1,1 give a a b a c a a. A node
// whose effective weight changes (warm-up, health) restarts from zero, as in
// Java. The rotation carries over to the Picker of the next snapshot for
// nodes still present. Pick is O(n) under a per-method mutex.
func NewRoundRobin(opts ...Option) Balancer { return &roundRobin{o: buildOptions(opts)} }

type roundRobin struct {
	o    *options
	mu   sync.Mutex
	last *rrPicker
}

type rrPicker struct {
	base
	mu      sync.Mutex
	methods atomic.Pointer[map[string]*rrState]
}

// rrState is one method's rotation, aligned with the picker's nodes.
type rrState struct {
	mu      sync.Mutex
	weight  []int
	current []int64
}

func (r *roundRobin) Picker(nodes []*Node) Picker {
	p := &rrPicker{}
	p.init(nodes, r.o)
	r.mu.Lock()
	defer r.mu.Unlock()
	next := map[string]*rrState{}
	if prev := r.last; prev != nil {
		if m := prev.methods.Load(); m != nil {
			for name, st := range *m {
				next[name] = carry(st, prev.nodes, nodes)
			}
		}
	}
	p.methods.Store(&next)
	r.last = p
	return p
}

// carry moves a rotation from one snapshot's nodes to another's by Key.
func carry(st *rrState, from, to []*Node) *rrState {
	st.mu.Lock()
	defer st.mu.Unlock()
	at := make(map[string]int, len(from))
	for i, nd := range from {
		at[nd.Key] = i
	}
	out := &rrState{weight: make([]int, len(to)), current: make([]int64, len(to))}
	for i, nd := range to {
		if j, ok := at[nd.Key]; ok && j < len(st.current) {
			out.weight[i], out.current[i] = st.weight[j], st.current[j]
		}
	}
	return out
}

func (p *rrPicker) state(method string) *rrState {
	if m := p.methods.Load(); m != nil {
		if st, ok := (*m)[method]; ok {
			return st
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.methods.Load()
	if st, ok := old[method]; ok {
		return st
	}
	next := make(map[string]*rrState, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	st := &rrState{weight: make([]int, len(p.nodes)), current: make([]int64, len(p.nodes))}
	next[method] = st
	p.methods.Store(&next)
	return st
}

func (p *rrPicker) Pick(inv *dubbo.Invocation, tried []*Node) int {
	if len(p.nodes) <= 1 {
		return len(p.nodes) - 1
	}
	method := methodOf(inv)
	t := p.table()
	st := p.state(method)
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(tried) == 0 && !t.methods {
		// The common case, spelled out: available nodes, default weights.
		total, best := int64(0), -1
		for i, nd := range p.nodes {
			if nd.State != nil && !nd.State.Available() {
				continue
			}
			w := t.weight[i]
			if st.weight[i] != w {
				st.weight[i], st.current[i] = w, 0
			}
			st.current[i] += int64(w)
			if best < 0 || st.current[i] > st.current[best] {
				best = i
			}
			total += int64(w)
		}
		if best >= 0 {
			st.current[best] -= total
			return best
		}
	}
	for level := range levels {
		total, best := int64(0), -1
		for i, nd := range p.nodes {
			if !eligible(level, nd, tried) {
				continue
			}
			w := p.weightOf(t, i, method)
			if st.weight[i] != w {
				st.weight[i], st.current[i] = w, 0
			}
			st.current[i] += int64(w)
			if best < 0 || st.current[i] > st.current[best] {
				best = i
			}
			total += int64(w)
		}
		if best >= 0 {
			st.current[best] -= total
			return best
		}
	}
	return 0
}
