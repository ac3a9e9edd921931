// Package dubbotest provides a scripted Dubbo peer on real TCP for tests: a
// provider or a consumer that answers or ignores heartbeats, answers calls by
// echoing their body, records every frame it reads, and can freeze (stop
// reading and writing, as a SIGSTOPped process whose kernel still accepts
// connections) and thaw. It speaks the 16-byte header itself and imports
// nothing of Pulse, so any Pulse package can test against it.
package dubbotest

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Frame is one frame the peer read, with when it was read.
type Frame struct {
	Header [16]byte
	Body   []byte
	At     time.Time
}

// IsRequest, IsTwoWay, IsEvent and ID read the header.
func (f Frame) IsRequest() bool { return f.Header[2]&0x80 != 0 }
func (f Frame) IsTwoWay() bool  { return f.Header[2]&0x40 != 0 }
func (f Frame) IsEvent() bool   { return f.Header[2]&0x20 != 0 }
func (f Frame) ID() int64       { return int64(binary.BigEndian.Uint64(f.Header[4:12])) }

// IsHeartbeat reports a heartbeat request (two-way event, body null).
func (f Frame) IsHeartbeat() bool {
	return f.IsRequest() && f.IsTwoWay() && f.IsEvent() && len(f.Body) == 1 && f.Body[0] == 'N'
}

// IsHeartbeatAnswer reports an event response.
func (f Frame) IsHeartbeatAnswer() bool { return !f.IsRequest() && f.IsEvent() }

// Option configures a Peer.
type Option func(*Peer)

// IgnoreHeartbeats makes the peer read heartbeats without answering them.
func IgnoreHeartbeats() Option { return func(p *Peer) { p.ignoreHB = true } }

// IgnoreCalls makes the peer read calls without answering them.
func IgnoreCalls() Option { return func(p *Peer) { p.ignoreCalls = true } }

// CallDelay delays each call's answer (answers are sent from a goroutine).
func CallDelay(d time.Duration) Option { return func(p *Peer) { p.delay = d } }

// Peer is a scripted Dubbo peer.
type Peer struct {
	t           testing.TB
	ln          net.Listener
	ignoreHB    bool
	ignoreCalls bool
	delay       time.Duration

	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	closed bool
	conns  map[net.Conn]bool
	frames []Frame
	wmu    sync.Mutex // serialises writes
	wg     sync.WaitGroup
	nextID int64
}

func newPeer(t testing.TB, opts []Option) *Peer {
	p := &Peer{t: t, conns: make(map[net.Conn]bool), nextID: 1 << 40}
	p.cond = sync.NewCond(&p.mu)
	for _, o := range opts {
		o(p)
	}
	t.Cleanup(p.Close)
	return p
}

// NewProvider listens on 127.0.0.1 and serves every connection.
func NewProvider(t testing.TB, opts ...Option) *Peer {
	p := newPeer(t, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	p.wg.Add(1)
	go p.accept()
	return p
}

// Dial connects a scripted consumer to addr.
func Dial(t testing.TB, addr string, opts ...Option) *Peer {
	p := newPeer(t, opts)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(c)
	return p
}

// Addr is the provider's listening address.
func (p *Peer) Addr() string { return p.ln.Addr().String() }

func (p *Peer) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.serve(c)
	}
}

func (p *Peer) serve(c net.Conn) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c] = true
	p.mu.Unlock()
	p.wg.Add(1)
	go p.read(c)
}

// waitThawed blocks while the peer is frozen; false once closed.
func (p *Peer) waitThawed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.frozen && !p.closed {
		p.cond.Wait()
	}
	return !p.closed
}

func (p *Peer) read(c net.Conn) {
	defer p.wg.Done()
	defer func() {
		c.Close()
		p.mu.Lock()
		delete(p.conns, c)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	for {
		if !p.waitThawed() {
			return
		}
		var f Frame
		if _, err := io.ReadFull(c, f.Header[:]); err != nil {
			return
		}
		n := int(int32(binary.BigEndian.Uint32(f.Header[12:16])))
		if n < 0 || n > 16<<20 {
			return
		}
		f.Body = make([]byte, n)
		if _, err := io.ReadFull(c, f.Body); err != nil {
			return
		}
		f.At = time.Now()
		if !p.waitThawed() { // frozen mid-read: hold the frame until thawed
			return
		}
		p.mu.Lock()
		p.frames = append(p.frames, f)
		p.mu.Unlock()
		p.react(c, f)
	}
}

func (p *Peer) react(c net.Conn, f Frame) {
	ser := f.Header[2] & 0x1f
	switch {
	case f.IsHeartbeat():
		if !p.ignoreHB {
			p.write(c, Encode(0x20|ser, 20, f.ID(), []byte{'N'}))
		}
	case f.IsRequest() && !f.IsEvent() && f.IsTwoWay():
		if p.ignoreCalls {
			return
		}
		answer := Encode(ser, 20, f.ID(), f.Body)
		if p.delay > 0 {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				time.Sleep(p.delay)
				if p.waitThawed() {
					p.write(c, answer)
				}
			}()
			return
		}
		p.write(c, answer)
	}
}

func (p *Peer) write(c net.Conn, b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Write(b)
	return err
}

// Encode builds one frame.
func Encode(flags, status byte, id int64, body []byte) []byte {
	b := make([]byte, 16+len(body))
	b[0], b[1], b[2], b[3] = 0xda, 0xbb, flags, status
	binary.BigEndian.PutUint64(b[4:12], uint64(id))
	binary.BigEndian.PutUint32(b[12:16], uint32(len(body)))
	copy(b[16:], body)
	return b
}

// Broadcast writes raw bytes to every live connection (unless frozen).
func (p *Peer) Broadcast(b []byte) {
	for _, c := range p.liveConns() {
		p.write(c, b)
	}
}

// Ping sends a Java heartbeat request to every connection and returns its id.
func (p *Peer) Ping() int64 {
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.mu.Unlock()
	p.Broadcast(Encode(0xe2, 0, id, []byte{'N'}))
	return id
}

// ReadOnly sends Java's READONLY event to every connection.
func (p *Peer) ReadOnly() {
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.mu.Unlock()
	p.Broadcast(Encode(0xa2, 0, id, []byte{0x01, 'R'}))
}

func (p *Peer) liveConns() []net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		out = append(out, c)
	}
	return out
}

// Conns is the number of live connections.
func (p *Peer) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Freeze stops reading and answering on every connection; the listener
// still accepts, as a stopped process's kernel does.
func (p *Peer) Freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// Thaw resumes reading and answering.
func (p *Peer) Thaw() {
	p.mu.Lock()
	p.frozen = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Frames returns a copy of every frame read so far.
func (p *Peer) Frames() []Frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Frame(nil), p.frames...)
}

// Count returns how many frames read so far satisfy keep.
func (p *Peer) Count(keep func(Frame) bool) int {
	n := 0
	for _, f := range p.Frames() {
		if keep(f) {
			n++
		}
	}
	return n
}

// KillConns closes every live connection (as a crashed peer's kernel would).
func (p *Peer) KillConns() {
	for _, c := range p.liveConns() {
		c.Close()
	}
}

// Close stops the listener, closes every connection and waits for the
// peer's goroutines.
func (p *Peer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
	}
	p.KillConns()
	p.wg.Wait()
}
