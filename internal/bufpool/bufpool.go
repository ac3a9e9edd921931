// Package bufpool owns the reuse of byte buffers on the call path: request
// bodies being encoded, frames being written. A buffer is taken, appended
// to, and given back once nothing refers to it any more; large ones are
// dropped rather than kept.
package bufpool

import "sync"

// MaxKept is the largest capacity a buffer may have and still be kept.
const MaxKept = 64 << 10

// Pool holds *[]byte buffers. The zero value is ready to use.
type Pool struct{ p sync.Pool }

// Get returns an empty buffer.
func (p *Pool) Get() *[]byte {
	if bp, ok := p.p.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 512)
	return &b
}

// Put gives a buffer back, emptied; one larger than MaxKept is let go.
func (p *Pool) Put(bp *[]byte) {
	if cap(*bp) > MaxKept {
		return
	}
	*bp = (*bp)[:0]
	p.p.Put(bp)
}
