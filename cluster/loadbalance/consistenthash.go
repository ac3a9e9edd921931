package loadbalance

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/pulse-rpc/pulse/protocol/dubbo"
)

// DefaultHashNodes is Java's default `hash.nodes`: virtual nodes per provider.
const DefaultHashNodes = 160

// MaxHashNodes bounds `hash.nodes`: the value comes from URLs (a registry
// entry, a consumer's parameters), and the ring holds that many points per
// provider, so an absurd value must not decide how much memory a consumer
// takes. 4096 points per provider already spread keys evenly.
const MaxHashNodes = 4096

// NewConsistentHash returns Java's ConsistentHashLoadBalance: a ring of
// virtual nodes, hash.nodes per provider (default 160), placed as Java
// places them: for i in [0, nodes/4), md5(Key + i) gives four points, each a
// little-endian uint32 of the digest. A call goes to the first point at or
// after the little-endian uint32 of md5 over its key arguments (hash.arguments,
// default the first) written as Java's String.valueOf writes them: exact for
// strings, integers, booleans and nil ("null"); other values use fmt's %v.
// A Java Dubbo 3 consumer and a Pulse consumer thus send the same key to the
// same provider (checked against Dubbo 3.3.6). Dubbo 2.7.23 adds "bounded
// loads": a provider that got 1.5x its share of that consumer's picks passes
// keys on to the next one, so its choice depends on history; Pulse keeps the
// pure function, where a key's provider changes only with membership. The ring depends only on provider addresses, so it serves every
// method; removing a provider moves only the keys it held. An unavailable or
// already tried provider is skipped by walking on along the ring.
func NewConsistentHash(opts ...Option) Balancer {
	return &consistentHash{o: buildOptions(opts), points: map[string][]uint32{}}
}

type consistentHash struct {
	o      *options
	mu     sync.Mutex
	points map[string][]uint32 // virtual points per Key, kept for nodes still present
}

// hashPicker's ring holds one uint64 per virtual node: the point's hash in
// the high half, the complement of the node's index in the low half, so that
// among equal hashes the node put last sorts first and survives, as in
// Java's TreeMap.
type hashPicker struct {
	base
	ring []uint64
}

func (c *consistentHash) Picker(nodes []*Node) Picker {
	p := &hashPicker{}
	p.init(nodes, c.o)
	c.mu.Lock()
	seen := make(map[string]bool, len(nodes))
	p.ring = make([]uint64, 0, len(nodes)*(c.o.hashNodes/4)*4)
	for i, nd := range nodes {
		pts, ok := c.points[nd.Key]
		if !ok {
			pts = virtualPoints(nd.Key, c.o.hashNodes)
			c.points[nd.Key] = pts
		}
		seen[nd.Key] = true
		for _, h := range pts {
			p.ring = append(p.ring, uint64(h)<<32|uint64(^uint32(i)))
		}
	}
	for k := range c.points {
		if !seen[k] {
			delete(c.points, k)
		}
	}
	c.mu.Unlock()
	slices.Sort(p.ring)
	p.ring = slices.CompactFunc(p.ring, func(a, b uint64) bool { return a>>32 == b>>32 })
	return p
}

// virtualPoints are a provider's places on the ring.
func virtualPoints(key string, nodes int) []uint32 {
	out := make([]uint32, 0, nodes/4*4)
	for i := range nodes / 4 {
		d := md5.Sum([]byte(key + strconv.Itoa(i)))
		for h := range 4 {
			out = append(out, binary.LittleEndian.Uint32(d[h*4:]))
		}
	}
	return out
}

// HashKey is the string consistenthash hashes for inv: the chosen arguments,
// each as Java's String.valueOf would write it, concatenated.
func HashKey(inv *dubbo.Invocation, args []int) string {
	return string(appendKey(nil, inv, args))
}

func appendKey(dst []byte, inv *dubbo.Invocation, args []int) []byte {
	if inv == nil {
		return dst
	}
	for _, i := range args {
		if i >= 0 && i < len(inv.Arguments) {
			dst = appendJava(dst, inv.Arguments[i])
		}
	}
	return dst
}

func appendJava(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	}
	return fmt.Append(dst, v)
}

// Hash is the ring position of a key: the first four bytes of its md5,
// little-endian, as Java's ConsistentHashSelector.hash(digest, 0).
func Hash(key string) uint32 { return hashBytes([]byte(key)) }

func hashBytes(key []byte) uint32 {
	d := md5.Sum(key)
	return binary.LittleEndian.Uint32(d[:4])
}

func (p *hashPicker) Pick(inv *dubbo.Invocation, tried []*Node) int {
	if len(p.nodes) <= 1 {
		return len(p.nodes) - 1
	}
	var buf [64]byte
	h := hashBytes(appendKey(buf[:0], inv, p.o.hashArgs))
	start, _ := slices.BinarySearch(p.ring, uint64(h)<<32)
	for level := range levels {
		for k := range p.ring {
			i := int(^uint32(p.ring[(start+k)%len(p.ring)]))
			if eligible(level, p.nodes[i], tried) {
				return i
			}
		}
	}
	return 0
}
