package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: 2^subBits sub-buckets per power of
// two, so a recorded value is off by at most 1/128 (under 1%).
const subBits = 7

const subCount = 1 << subBits

// Histogram is an HDR-style log-linear histogram of latencies in
// nanoseconds: fixed size, no allocation per record, merged after a run.
// It is not safe for concurrent use: each caller keeps its own.
type Histogram struct {
	counts [64 * subCount]uint64
	n      uint64
	max    int64
}

func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - subBits // >= 1
	return e*subCount + int(uint64(v)>>uint(e-1)) - subCount
}

// lowOf is the smallest value of bucket i; highOf the largest.
func lowOf(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := i / subCount
	m := int64(i%subCount + subCount)
	return m << uint(e-1)
}

func highOf(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := i / subCount
	return lowOf(i) + (int64(1) << uint(e-1)) - 1
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded value.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the value at quantile q (0..1), the midpoint of its bucket.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := (lowOf(i) + highOf(i)) / 2
			return time.Duration(min(v, h.max))
		}
	}
	return time.Duration(h.max)
}
