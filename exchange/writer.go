package exchange

import (
	"github.com/pulse-rpc/pulse/internal/bufpool"
	"github.com/pulse-rpc/pulse/transport"
)

// maxPooled is the largest buffer kept for reuse.
const maxPooled = bufpool.MaxKept

// connWriter writes frames on one connection. Coalescing concurrent writes
// into few syscalls is package transport's job (its Write batches callers).
type connWriter struct {
	conn transport.Conn
	pool *bufpool.Pool // frame buffers: Conn.Write keeps no reference once it returns
}

// writeFrame encodes one frame into a pooled buffer and writes it.
func (w connWriter) writeFrame(flags byte, st Status, id int64, body []byte) error {
	bp := w.pool.Get()
	*bp = appendFrame((*bp)[:0], flags, st, id, body)
	err := w.conn.Write(*bp)
	w.pool.Put(bp)
	return err
}

// write writes frames already encoded.
func (w connWriter) write(frames []byte) error { return w.conn.Write(frames) }
