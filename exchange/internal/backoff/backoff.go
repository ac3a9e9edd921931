// Package backoff owns reconnect delays: exponential growth from a base, a
// cap, and random jitter so that many clients that lost the same server do
// not come back in step (grpc's connection backoff: 1 s, x1.6, +/-20 %, 120 s).
package backoff

import (
	"math/rand/v2"
	"time"
)

// Config describes an exponential backoff.
type Config struct {
	Base       time.Duration // delay after the first failure; default 1 s
	Multiplier float64       // growth per failure; default 1.6
	Jitter     float64       // delays are spread by +/- this fraction; default 0.2
	Max        time.Duration // cap before jitter; default 120 s
}

// Default is grpc's connection backoff.
var Default = Config{Base: time.Second, Multiplier: 1.6, Jitter: 0.2, Max: 120 * time.Second}

// withDefaults fills zero fields from Default.
func (c Config) withDefaults() Config {
	if c.Base <= 0 {
		c.Base = Default.Base
	}
	if c.Multiplier < 1 {
		c.Multiplier = Default.Multiplier
	}
	if c.Jitter < 0 || c.Jitter > 1 {
		c.Jitter = Default.Jitter
	}
	if c.Max <= 0 {
		c.Max = Default.Max
	}
	if c.Max < c.Base {
		c.Max = c.Base
	}
	return c
}

// Delay returns how long to wait before attempt number retries+1 (retries is
// the number of failures so far, from 0). rnd returns a number in [0, 1); nil
// means math/rand/v2's Float64.
func (c Config) Delay(retries int, rnd func() float64) time.Duration {
	c = c.withDefaults()
	d := float64(c.Base)
	limit := float64(c.Max)
	for i := 0; i < retries && d < limit; i++ {
		d *= c.Multiplier
	}
	if d > limit {
		d = limit
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	d *= 1 + c.Jitter*(2*rnd()-1)
	if d < 0 {
		return 0
	}
	return time.Duration(d)
}
