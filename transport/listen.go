package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Listener accepts TCP connections and runs each on its own getty session.
type Listener struct {
	ln       net.Listener
	o        options
	frameLen FrameLen
	h        Handler

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup // one per live connection, done after its OnClose

	done       chan struct{}
	acceptDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// Listen listens on addr ("host:port"; port 0 picks one) and serves every
// accepted connection: OnOpen, then OnFrame for each whole frame as cut by
// frameLen, OnError if it breaks, OnClose once.
func Listen(addr string, frameLen FrameLen, h Handler, opts ...Option) (*Listener, error) {
	if frameLen == nil || h == nil {
		return nil, errors.New("transport: Listen needs a FrameLen and a Handler")
	}
	lc := net.ListenConfig{KeepAlive: -1} // set per connection by tcpopt
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: listen %s: %w", addr, err)
	}
	l := &Listener{
		ln:         ln,
		o:          newOptions(opts),
		frameLen:   frameLen,
		h:          h,
		conns:      make(map[*conn]struct{}),
		done:       make(chan struct{}),
		acceptDone: make(chan struct{}),
	}
	go l.acceptLoop()
	return l, nil
}

// Addr is the address the listener is bound to.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting, closes every connection the listener accepted and
// waits until each has run OnClose.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.done)
		l.closeErr = l.ln.Close()
		<-l.acceptDone
		l.mu.Lock()
		conns := make([]*conn, 0, len(l.conns))
		for c := range l.conns {
			conns = append(conns, c)
		}
		l.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		l.wg.Wait()
	})
	return l.closeErr
}

func (l *Listener) acceptLoop() {
	defer close(l.acceptDone)
	var delay time.Duration
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or a similar passing failure: back off
			// instead of spinning, 5 ms doubling to 1 s.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.o.logger.Warn("transport: accept failed", "addr", l.ln.Addr().String(), "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-l.done:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		delay = 0
		if err := l.serve(nc.(*net.TCPConn)); err != nil {
			l.o.logger.Debug("transport: connection refused", "remote", nc.RemoteAddr().String(), "err", err)
		}
	}
}

func (l *Listener) serve(nc *net.TCPConn) error {
	if err := setSocketOptions(nc, &l.o); err != nil {
		return err
	}
	c := newConn(nc, &l.o, l.frameLen, l.h, l)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		nc.Close()
		return ErrClosed
	}
	l.conns[c] = struct{}{}
	l.wg.Add(1)
	l.mu.Unlock()
	if err := startSession(c, true); err != nil {
		nc.Close()
		l.remove(c)
		return err
	}
	return nil
}

func (l *Listener) remove(c *conn) {
	l.mu.Lock()
	if _, ok := l.conns[c]; ok {
		delete(l.conns, c)
		l.wg.Done()
	}
	l.mu.Unlock()
}
