package exchange

import (
	"sync"

	"github.com/pulse-rpc/pulse/transport"
)

// maxPooled is the largest frame buffer kept for reuse.
const maxPooled = 64 << 10

// framePool holds frame buffers (one per Client or Server):
// transport.Conn.Write keeps no reference to its argument once it returns (it
// writes it or copies it into its queue), so a frame is encoded into a pooled
// buffer, written, and given back.
type framePool struct{ p sync.Pool }

func (fp *framePool) get() *[]byte {
	if bp, ok := fp.p.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 512)
	return &b
}

// connWriter writes frames on one connection. Coalescing concurrent writes
// into few syscalls is package transport's job (its Write batches callers).
type connWriter struct {
	conn transport.Conn
	pool *framePool
}

// writeFrame encodes one frame into a pooled buffer and writes it.
func (w connWriter) writeFrame(flags byte, st Status, id int64, body []byte) error {
	bp := w.pool.get()
	b := appendFrame((*bp)[:0], flags, st, id, body)
	err := w.conn.Write(b)
	if cap(b) <= maxPooled {
		*bp = b[:0]
		w.pool.p.Put(bp)
	}
	return err
}

// write writes frames already encoded.
func (w connWriter) write(frames []byte) error { return w.conn.Write(frames) }
