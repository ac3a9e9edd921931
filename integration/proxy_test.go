package integration

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
)

// frameProxy is a TCP proxy on loopback that forwards bytes unchanged and
// counts Dubbo frames by kind and direction, reading only their 16-byte
// headers and the lengths they announce.
type frameProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	counts [2]frameCounts // index: toServer, toClient
	conns  []net.Conn
	notes  []string // odd frames seen, for the test log
	wg     sync.WaitGroup
}

const (
	toServer = 0
	toClient = 1
)

// frameCounts counts the frames seen in one direction.
type frameCounts struct {
	HeartbeatRequests  int // event requests with a null body
	HeartbeatResponses int // event responses with status OK (20)
	BadEventResponses  int // event responses with another status
	OtherEvents        int // event requests with a body (READONLY "R", ...)
	Requests           int // calls
	Responses          int // call results
}

func startFrameProxy(t *testing.T, target string) *frameProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &frameProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *frameProxy) addr() string { return p.ln.Addr().String() }

func (p *frameProxy) snapshot() [2]frameCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}

// oddities returns descriptions of unexpected frames seen so far.
func (p *frameProxy) oddities() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.notes...)
}

func (p *frameProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *frameProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(s, c, toServer)
		go p.pipe(c, s, toClient)
	}
}

// pipe copies src to dst frame by frame, counting; on anything that is not a
// Dubbo frame it falls back to a plain copy.
func (p *frameProxy) pipe(dst, src net.Conn, dir int) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	hdr := make([]byte, 16)
	for {
		if _, err := io.ReadFull(src, hdr); err != nil {
			return
		}
		if hdr[0] != 0xda || hdr[1] != 0xbb {
			if _, err := dst.Write(hdr); err == nil {
				_, _ = io.Copy(dst, src)
			}
			return
		}
		n := binary.BigEndian.Uint32(hdr[12:16])
		body := make([]byte, min(n, 64))
		if _, err := io.ReadFull(src, body); err != nil {
			return
		}
		p.count(dir, hdr, body)
		if _, err := dst.Write(hdr); err != nil {
			return
		}
		if _, err := dst.Write(body); err != nil {
			return
		}
		if rest := int64(n) - int64(len(body)); rest > 0 {
			if _, err := io.CopyN(dst, src, rest); err != nil {
				return
			}
		}
	}
}

func (p *frameProxy) count(dir int, hdr, body []byte) {
	flags, status := hdr[2], hdr[3]
	const (
		flagRequest = 0x80
		flagEvent   = 0x20
	)
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &p.counts[dir]
	switch {
	case flags&flagRequest != 0 && flags&flagEvent != 0:
		if isNullBody(body) {
			c.HeartbeatRequests++
		} else {
			c.OtherEvents++
		}
	case flags&flagRequest != 0:
		c.Requests++
	case flags&flagEvent != 0 && status == 20:
		c.HeartbeatResponses++
	case flags&flagEvent != 0:
		c.BadEventResponses++
		if len(p.notes) < 20 {
			p.notes = append(p.notes, fmt.Sprintf("event response status %d: % x | % x", status, hdr, body))
		}
	default:
		c.Responses++
	}
}

// isNullBody reports a hessian2 null body: 'N' (Java, Pulse) or 'N','N' (dubbo-go).
func isNullBody(b []byte) bool {
	for _, c := range b {
		if c != 'N' {
			return false
		}
	}
	return len(b) > 0
}
