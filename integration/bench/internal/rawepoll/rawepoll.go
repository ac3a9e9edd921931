//go:build linux

// Package rawepoll is the floor of the idle-connection benchmark for any
// design, not only a goroutine per connection: one goroutine and one
// level-triggered epoll instance serve every connection, with raw
// syscalls and no Go netpoller. Each readable connection costs one read;
// each read's answers leave in one write. Like rawecho it answers each
// request of the Dubbo 16-byte framing with its own body (a heartbeat as an
// event response) and ignores frames that are not requests.
package rawepoll

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

const (
	headerLen = 16
	flagResp  = 2
	flagEvent = 0x20
	statusOK  = 20
	maxBody   = 8 << 20
)

// Serve listens on addr (host:port, IPv4), calls ready with the address it
// got, and serves until ctx ends.
func Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return fmt.Errorf("rawepoll: need an IPv4 host:port, got %q", addr)
	}
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(lfd)
	if err := unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return err
	}
	if err := unix.Listen(lfd, 4096); err != nil {
		return err
	}
	sa, err := unix.Getsockname(lfd)
	if err != nil {
		return err
	}
	in4 := sa.(*unix.SockaddrInet4)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(ep)
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lfd)}); err != nil {
		return err
	}
	ready(&net.TCPAddr{IP: net.IP(in4.Addr[:]), Port: in4.Port})

	s := &server{ep: ep, pending: map[int32][]byte{}, buf: make([]byte, 64<<10)}
	defer s.closeAll()
	events := make([]unix.EpollEvent, 512)
	for ctx.Err() == nil {
		n, err := unix.EpollWait(ep, events, 200)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return err
		}
		for _, ev := range events[:n] {
			if ev.Fd == int32(lfd) {
				s.accept(lfd)
				continue
			}
			s.serve(ev.Fd)
		}
	}
	return nil
}

type server struct {
	ep      int
	pending map[int32][]byte // bytes of a frame not yet whole, by fd
	buf     []byte
	out     []byte
}

func (s *server) accept(lfd int) {
	for {
		fd, _, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN: all taken; anything else: try again on the next event
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if unix.EpollCtl(s.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}) != nil {
			unix.Close(fd)
			continue
		}
		s.pending[int32(fd)] = nil
	}
}

// serve reads what fd has (one read: level-triggered epoll reports it again
// if more is left), answers every whole request in it with one write.
func (s *server) serve(fd int32) {
	n, err := unix.Read(int(fd), s.buf)
	if n <= 0 {
		if n == 0 || !errors.Is(err, unix.EAGAIN) {
			s.close(fd)
		}
		return
	}
	data := s.buf[:n]
	if p := s.pending[fd]; len(p) > 0 {
		data = append(p, data...)
	}
	s.out = s.out[:0]
	for len(data) >= headerLen {
		if data[0] != 0xda || data[1] != 0xbb {
			s.close(fd)
			return
		}
		body := int(binary.BigEndian.Uint32(data[12:16]))
		if body > maxBody {
			s.close(fd)
			return
		}
		if len(data) < headerLen+body {
			break
		}
		if flags := data[2]; flags&0x80 != 0 {
			var h [headerLen]byte
			h[0], h[1], h[2], h[3] = 0xda, 0xbb, flagResp|flags&flagEvent, statusOK
			copy(h[4:12], data[4:12])
			binary.BigEndian.PutUint32(h[12:16], uint32(body))
			s.out = append(append(s.out, h[:]...), data[headerLen:headerLen+body]...)
		}
		data = data[headerLen+body:]
	}
	s.pending[fd] = append(s.pending[fd][:0], data...)
	if len(s.out) > 0 {
		// A heartbeat answer is a few bytes: it fits the socket buffer of
		// any live connection. A short write means a stuck peer: drop it.
		if w, err := unix.Write(int(fd), s.out); err != nil || w != len(s.out) {
			s.close(fd)
		}
	}
}

func (s *server) close(fd int32) {
	_ = unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, int(fd), nil)
	unix.Close(int(fd))
	delete(s.pending, fd)
}

func (s *server) closeAll() {
	for fd := range s.pending {
		s.close(fd)
	}
}
