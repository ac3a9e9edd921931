package loadgen

import (
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 123456, 1 << 40} {
		i := bucketOf(v)
		if lo, hi := lowOf(i), highOf(i); v < lo || v > hi {
			t.Errorf("value %d in bucket %d [%d, %d]", v, i, lo, hi)
		}
		if i > 0 && highOf(i-1)+1 != lowOf(i) {
			t.Errorf("bucket %d does not follow %d", i, i-1)
		}
	}
}

func TestQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {0.999, 9990 * time.Microsecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d > 0.01 || d < -0.01 {
			t.Errorf("q%.3f = %v, want about %v", c.q, got, c.want)
		}
	}
	var m Histogram
	m.Merge(&h)
	if m.Count() != 10000 || m.Max() != 10*time.Millisecond {
		t.Errorf("merged count %d max %v", m.Count(), m.Max())
	}
}
