// Package rawecho is the ceiling of the harness: a server that answers every
// frame of the Dubbo 16-byte framing with the same body, and a pipelined
// client over one connection. No serialization, no dispatch: what loopback
// TCP with this framing costs.
package rawecho

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

const (
	headerLen = 16
	magic0    = 0xda
	magic1    = 0xbb
	flagReq   = 0x80 | 0x40 | 2 // request, two-way, hessian2
	flagResp  = 2
	flagEvent = 0x20
	statusOK  = 20
	maxBody   = 8 << 20
)

// ErrBadFrame is returned for a frame without the Dubbo magic or with a body
// over the limit.
var ErrBadFrame = errors.New("rawecho: bad frame")

func putHeader(b []byte, flags, status byte, id uint64, n int) {
	b[0], b[1], b[2], b[3] = magic0, magic1, flags, status
	binary.BigEndian.PutUint64(b[4:12], id)
	binary.BigEndian.PutUint32(b[12:16], uint32(n))
}

func readFrame(r *bufio.Reader, hdr []byte, body []byte) (id uint64, b []byte, err error) {
	if _, err = io.ReadFull(r, hdr); err != nil {
		return 0, nil, err
	}
	if hdr[0] != magic0 || hdr[1] != magic1 {
		return 0, nil, ErrBadFrame
	}
	n := binary.BigEndian.Uint32(hdr[12:16])
	if n > maxBody {
		return 0, nil, ErrBadFrame
	}
	if cap(body) < int(n) {
		body = make([]byte, n)
	}
	body = body[:n]
	if _, err = io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return binary.BigEndian.Uint64(hdr[4:12]), body, nil
}

// Serve answers frames on every connection accepted from ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go serveConn(c)
	}
}

// serveConn echoes requests, flushing once per read batch. A heartbeat (an
// event request) is echoed as an event response, so that a Dubbo client's
// heartbeats are answered as by any provider; a frame that is not a request
// gets no answer. That makes it the idle-connection benchmark's floor for a
// goroutine per connection: one write per heartbeat, and the reads of Go's
// netpoller (two: the second finds nothing and parks), nothing else.
func serveConn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(c, 64<<10)
	hdr := make([]byte, headerLen)
	var body []byte
	for {
		id, b, err := readFrame(r, hdr, body)
		if err != nil {
			return
		}
		body = b
		if flags := hdr[2]; flags&0x80 != 0 {
			var out [headerLen]byte
			putHeader(out[:], flagResp|flags&flagEvent, statusOK, id, len(b))
			w.Write(out[:])
			w.Write(b)
		}
		if r.Buffered() == 0 && w.Buffered() > 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

// Client is a pipelined client over one connection: callers queue their
// frames, one goroutine writes what is queued in one syscall, another reads
// answers and hands each to its caller by request id (the caller's index:
// each caller has one call in flight).
type Client struct {
	c     net.Conn
	body  []byte
	mu    sync.Mutex
	queue []byte
	wake  chan struct{}
	done  []chan error
	close chan struct{}
	once  sync.Once
	err   error
}

// Dial connects a client for conc callers sending bodies of size n.
func Dial(ctx context.Context, addr string, conc, n int) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	cl := &Client{c: c, body: make([]byte, n), wake: make(chan struct{}, 1), done: make([]chan error, conc), close: make(chan struct{})}
	for i := range cl.body {
		cl.body[i] = byte('a' + i%26)
	}
	for i := range cl.done {
		cl.done[i] = make(chan error, 1)
	}
	go cl.writeLoop()
	go cl.readLoop()
	return cl, nil
}

// Call sends one frame as caller worker and waits for its answer.
func (cl *Client) Call(ctx context.Context, worker int) error {
	var hdr [headerLen]byte
	putHeader(hdr[:], flagReq, 0, uint64(worker), len(cl.body))
	cl.mu.Lock()
	if cl.err != nil {
		err := cl.err
		cl.mu.Unlock()
		return err
	}
	cl.queue = append(cl.queue, hdr[:]...)
	cl.queue = append(cl.queue, cl.body...)
	cl.mu.Unlock()
	select {
	case cl.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-cl.done[worker]:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (cl *Client) writeLoop() {
	var buf []byte
	for {
		select {
		case <-cl.wake:
		case <-cl.close:
			return
		}
		cl.mu.Lock()
		buf, cl.queue = cl.queue, buf[:0]
		cl.mu.Unlock()
		if len(buf) == 0 {
			continue
		}
		if _, err := cl.c.Write(buf); err != nil {
			cl.fail(err)
			return
		}
	}
}

func (cl *Client) readLoop() {
	r := bufio.NewReaderSize(cl.c, 64<<10)
	hdr := make([]byte, headerLen)
	var body []byte
	for {
		id, b, err := readFrame(r, hdr, body)
		if err != nil {
			cl.fail(err)
			return
		}
		body = b
		if id >= uint64(len(cl.done)) || len(b) != len(cl.body) {
			cl.fail(fmt.Errorf("%w: answer id %d, %d bytes", ErrBadFrame, id, len(b)))
			return
		}
		cl.done[id] <- nil
	}
}

func (cl *Client) fail(err error) {
	cl.mu.Lock()
	if cl.err == nil {
		cl.err = err
	}
	cl.mu.Unlock()
	for _, d := range cl.done {
		select {
		case d <- err:
		default:
		}
	}
}

// Close closes the connection.
func (cl *Client) Close() error {
	cl.once.Do(func() { close(cl.close) })
	return cl.c.Close()
}
