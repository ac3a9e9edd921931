package transport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulse-rpc/pulse/transport"
)

// echo answers every frame with the same frame.
type echo struct{ nopHandler }

func (echo) OnFrame(c transport.Conn, f []byte) { _ = c.Write(f) }

func TestEchoAndClocks(t *testing.T) {
	l := listen(t, echo{})
	rec := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if opens, _, _ := rec.counts(); opens != 1 {
		t.Fatalf("OnOpen ran %d times before Dial returned, want 1", opens)
	}
	r0, w0 := c.LastRead(), c.LastWrite()
	if r0.IsZero() || w0.IsZero() {
		t.Fatal("clocks must start at connect time")
	}
	eventually(t, "clock tick", func() bool { return time.Since(w0) > time.Millisecond })
	if err := c.Write(frame("hello")); err != nil {
		t.Fatal(err)
	}
	if got := rec.nextFrame(t); got != "hello" {
		t.Fatalf("echo = %q", got)
	}
	if !c.LastWrite().After(w0) || !c.LastRead().After(r0) {
		t.Fatalf("clocks did not move: read %v -> %v, write %v -> %v", r0, c.LastRead(), w0, c.LastWrite())
	}
	st, ok := transport.StatsOf(c)
	if !ok || st.FramesIn != 1 || st.Writes != 1 || st.BytesIn != 9 || st.BytesOut != 9 {
		t.Fatalf("stats = %+v, %v", st, ok)
	}
	if c.LocalAddr() == nil || c.RemoteAddr().String() != l.Addr().String() {
		t.Fatalf("addrs %v %v", c.LocalAddr(), c.RemoteAddr())
	}
}

func TestFramingSplitsAndBatches(t *testing.T) {
	want := []string{"a", "", "bcdef", strings.Repeat("x", 10000), "end"}
	var stream []byte
	for _, s := range want {
		stream = append(stream, frame(s)...)
	}
	tests := []struct {
		name  string
		write func(net.Conn) error
	}{
		{"byte by byte", func(nc net.Conn) error {
			for i := range stream {
				if _, err := nc.Write(stream[i : i+1]); err != nil {
					return err
				}
			}
			return nil
		}},
		{"all in one write", func(nc net.Conn) error { _, err := nc.Write(stream); return err }},
		{"odd chunks", func(nc net.Conn) error {
			for i := 0; i < len(stream); i += 7 {
				if _, err := nc.Write(stream[i:min(i+7, len(stream))]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			l := listen(t, rec)
			nc := rawDial(t, l)
			if err := tt.write(nc); err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if got := rec.nextFrame(t); got != w {
					t.Fatalf("frame %d = %.20q (len %d), want %.20q (len %d)", i, got, len(got), w, len(w))
				}
			}
		})
	}
}

// The frame slice is reused after OnFrame returns: a handler must copy. This
// checks the slice is exactly one frame (len and cap).
func TestFrameSliceBounds(t *testing.T) {
	rec := newRecorder()
	got := make(chan [2]int, 2)
	rec.onFrame = func(_ transport.Conn, f []byte) { got <- [2]int{len(f), cap(f)} }
	l := listen(t, rec)
	nc := rawDial(t, l)
	nc.Write(append(frame("abc"), frame("de")...))
	for _, want := range [][2]int{{7, 7}, {6, 6}} {
		if g := <-got; g != want {
			t.Fatalf("len/cap = %v, want %v", g, want)
		}
	}
}

func TestConcurrentWritersNeverInterleave(t *testing.T) {
	const writers, perWriter = 32, 200
	var mu sync.Mutex
	seen := make(map[int]int) // writer -> next expected sequence
	var bad []string
	done := make(chan struct{})
	total := 0
	srv := newRecorder()
	srv.onFrame = func(_ transport.Conn, f []byte) {
		var w, seq int
		var pad string
		if _, err := fmt.Sscanf(string(f[hdr:]), "%d %d %s", &w, &seq, &pad); err != nil || pad != strings.Repeat("p", 100+w) {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("%.40q", f))
			mu.Unlock()
			return
		}
		mu.Lock()
		if seen[w] != seq {
			bad = append(bad, fmt.Sprintf("writer %d: seq %d, want %d", w, seq, seen[w]))
		}
		seen[w] = seq + 1
		total++
		if total == writers*perWriter*2 {
			close(done)
		}
		mu.Unlock()
	}
	l := listen(t, srv)
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, nopHandler{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < perWriter*2; i += 2 {
				// Two frames in one Write: they must arrive adjacent and whole.
				b := frame(fmt.Sprintf("%d %d %s", w, i, strings.Repeat("p", 100+w)))
				b = append(b, frame(fmt.Sprintf("%d %d %s", w, i+1, strings.Repeat("p", 100+w)))...)
				if err := c.Write(b); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("received %d of %d frames", total, writers*perWriter*2)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("%d bad frames, first: %s", len(bad), bad[0])
	}
}

func TestBadFrameClosesWithOnError(t *testing.T) {
	tests := []struct {
		name  string
		opts  []transport.Option
		bytes []byte
		want  error
	}{
		{"FrameLen error", nil, []byte{0, 0, 0, 1, 9, 9}, errBadLen},
		{"over max frame size", []transport.Option{transport.WithMaxFrameSize(64)}, frame(strings.Repeat("z", 100)), transport.ErrFrameTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			var last error
			l := listen(t, rec, tt.opts...)
			nc := rawDial(t, l)
			// A good frame first, then the bad one in the same write.
			nc.Write(append(frame("ok"), tt.bytes...))
			if got := rec.nextFrame(t); got != "ok" {
				t.Fatalf("first frame %q", got)
			}
			rec.waitClose(t)
			rec.mu.Lock()
			if len(rec.errs) != 1 {
				t.Fatalf("OnError ran %d times: %v", len(rec.errs), rec.errs)
			}
			last = rec.errs[0]
			rec.mu.Unlock()
			if !errors.Is(last, tt.want) {
				t.Fatalf("OnError(%v), want %v", last, tt.want)
			}
			nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := nc.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("peer read after bad frame: %v, want EOF", err)
			}
		})
	}
}

// OnError runs while the socket is still open: a last answer gets through.
func TestOnErrorCanWriteLastAnswer(t *testing.T) {
	h := &lastWord{}
	l := listen(t, h)
	nc := rawDial(t, l)
	nc.Write([]byte{0, 0, 0, 2})
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, frame("bye")) {
		t.Fatalf("got %q", got)
	}
}

type lastWord struct{ nopHandler }

func (lastWord) OnError(c transport.Conn, err error) { _ = c.Write(frame("bye")) }

func TestPeerCloseRunsOnCloseOnce(t *testing.T) {
	rec := newRecorder()
	l := listen(t, rec)
	cli := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "server OnOpen", func() bool { o, _, _ := rec.counts(); return o == 1 })
	rec.mu.Lock()
	sc := rec.conns[0]
	rec.mu.Unlock()
	sc.Close()
	sc.Close()
	rec.waitClose(t)
	cli.waitClose(t)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client Done not closed")
	}
	if err := c.Write(frame("late")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("write after close: %v, want ErrClosed", err)
	}
	c.Close()
	for _, r := range []*recorder{rec, cli} {
		if o, cl, e := r.counts(); o != 1 || cl != 1 || e != 0 {
			t.Fatalf("opens %d closes %d errors %d, want 1 1 0 (%v)", o, cl, e, r.errs)
		}
	}
}

func TestListenerCloseClosesAllConns(t *testing.T) {
	rec := newRecorder()
	l, err := transport.Listen("127.0.0.1:0", frameLen, rec)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	cli := newRecorder()
	var conns []transport.Conn
	for range n {
		c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	eventually(t, "all accepted", func() bool { o, _, _ := rec.counts(); return o == n })
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waits for OnClose of every accepted connection.
	if o, cl, _ := rec.counts(); cl != n {
		t.Fatalf("after Close: %d opens, %d closes", o, cl)
	}
	for _, c := range conns {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("client side not closed")
		}
	}
	eventually(t, "client OnClose", func() bool { _, cl, _ := cli.counts(); return cl == n })
	if _, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli); err == nil {
		t.Fatal("dial after Listener.Close succeeded")
	}
	l.Close() // twice is fine
}

func TestSocketOptions(t *testing.T) {
	opts := []transport.Option{
		transport.WithKeepAlive(7*time.Second, 3*time.Second, 4),
		transport.WithUserTimeout(2500 * time.Millisecond),
	}
	rec := newRecorder()
	l := listen(t, rec, opts...)
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, nopHandler{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	eventually(t, "accept", func() bool { o, _, _ := rec.counts(); return o == 1 })
	rec.mu.Lock()
	sc := rec.conns[0]
	rec.mu.Unlock()
	want := transport.SocketOptions{NoDelay: true, KeepAlive: true, KeepIdle: 7 * time.Second,
		KeepInterval: 3 * time.Second, KeepCount: 4, UserTimeout: 2500 * time.Millisecond}
	for side, conn := range map[string]transport.Conn{"client": c, "server": sc} {
		got, err := transport.ReadSocketOptions(conn)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: %v\nwant %v", side, got, want)
		}
	}
	// Off switches.
	c2, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, nopHandler{},
		transport.WithNoDelay(false), transport.WithoutKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	got, err := transport.ReadSocketOptions(c2)
	if err != nil {
		t.Fatal(err)
	}
	if got.NoDelay || got.KeepAlive || got.UserTimeout != 0 {
		t.Errorf("off: %v", got)
	}
}

func TestDialErrors(t *testing.T) {
	// A port that was just free: connection refused, returned at once, no retry.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	if _, err := transport.Dial(context.Background(), addr, frameLen, nopHandler{}); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refused dial took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := transport.Dial(ctx, addr, frameLen, nopHandler{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("dial with cancelled ctx: %v", err)
	}
}

func TestWriteTimeoutClosesConn(t *testing.T) {
	// The server never reads; the client writes until the kernel buffers fill.
	stall := make(chan struct{})
	defer close(stall)
	blocker := &blockingHandler{stall: stall}
	l := listen(t, blocker)
	cli := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli,
		transport.WithWriteTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	big := frame(strings.Repeat("w", 1<<20))
	var werr error
	for i := 0; i < 1000 && werr == nil; i++ {
		werr = c.Write(big)
	}
	var nerr net.Error
	if !errors.As(werr, &nerr) || !nerr.Timeout() {
		t.Fatalf("write error %v, want a timeout", werr)
	}
	cli.waitClose(t)
	cli.mu.Lock()
	defer cli.mu.Unlock()
	if len(cli.errs) != 1 || !errors.Is(cli.errs[0], werr) && cli.errs[0] != werr {
		t.Fatalf("OnError got %v, want %v", cli.errs, werr)
	}
}

// blockingHandler stalls its read goroutine on the first frame.
type blockingHandler struct {
	nopHandler
	stall chan struct{}
}

func (b *blockingHandler) OnFrame(transport.Conn, []byte) { <-b.stall }

func TestPanicInOnFrameClosesConn(t *testing.T) {
	rec := newRecorder()
	var calls atomic.Int32
	rec.onFrame = func(transport.Conn, []byte) { calls.Add(1); panic("boom") }
	l := listen(t, rec, transport.WithLogger(discardLogger()))
	nc := rawDial(t, l)
	nc.Write(append(frame("x"), frame("y")...)) // y is never delivered
	rec.waitClose(t)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0].Error(), "boom") {
		t.Fatalf("errors %v", rec.errs)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("OnFrame ran %d times, want 1", n)
	}
}

// Answers made while the read goroutine hands out the frames of one read
// leave together: in order, and in fewer syscalls than frames.
func TestAnswersOfOneReadShareASyscall(t *testing.T) {
	srv := &echoRecorder{recorder: newRecorder()}
	l := listen(t, srv)
	nc := rawDial(t, l)
	const n = 100
	var stream, want []byte
	for i := range n {
		f := frame(fmt.Sprintf("%03d", i))
		stream = append(stream, f...)
	}
	want = stream
	if _, err := nc.Write(stream); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(nc, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echo stream differs:\n%q\n%q", got[:40], want[:40])
	}
	srv.mu.Lock()
	sc := srv.conns[0]
	srv.mu.Unlock()
	var st transport.Stats
	eventually(t, "counters", func() bool {
		st, _ = transport.StatsOf(sc)
		return st.BytesOut == uint64(len(want))
	})
	if st.Writes != n || st.Flushes >= n || st.BytesOut != uint64(len(want)) {
		t.Fatalf("stats %+v: want %d writes in fewer syscalls", st, n)
	}
	t.Logf("%d answers in %d syscalls", st.Writes, st.Flushes)
}

type echoRecorder struct{ *recorder }

func (e *echoRecorder) OnFrame(c transport.Conn, f []byte) { _ = c.Write(f) }

// Writers racing Close: no panic, no race, errors are typed, OnClose once.
func TestWritesRacingClose(t *testing.T) {
	srv := newRecorder()
	srv.onFrame = func(transport.Conn, []byte) {}
	l := listen(t, srv)
	for range 20 {
		cli := newRecorder()
		c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		payload := frame(strings.Repeat("r", 3000))
		for range 8 {
			wg.Go(func() {
				for {
					err := c.Write(payload)
					if err == nil {
						continue
					}
					var ioe *transport.IOError
					if !errors.Is(err, transport.ErrClosed) && !errors.As(err, &ioe) {
						t.Errorf("write error %v", err)
					}
					return
				}
			})
		}
		wg.Go(func() { c.Close() })
		wg.Wait()
		cli.waitClose(t)
		if o, cl, _ := cli.counts(); o != 1 || cl != 1 {
			t.Fatalf("opens %d closes %d", o, cl)
		}
	}
}

// getty's read deadline expiring on an idle connection is not a close:
// idleness is for the layer above to judge.
func TestIdleConnectionStaysOpen(t *testing.T) {
	srv := newRecorder()
	poll := transport.WithReadPoll(20 * time.Millisecond)
	l := listen(t, &echoRecorder{srv}, poll)
	cli := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli, poll)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	eventually(t, "ten read deadlines to pass", func() bool { return time.Since(start) > 200*time.Millisecond })
	if err := c.Write(frame("still there")); err != nil {
		t.Fatal(err)
	}
	if got := cli.nextFrame(t); got != "still there" {
		t.Fatalf("got %q", got)
	}
	for _, r := range []*recorder{srv, cli} {
		if _, cl, e := r.counts(); cl != 0 || e != 0 {
			t.Fatalf("closes %d errors %d on an idle connection", cl, e)
		}
	}
}

func TestCloseInOnOpen(t *testing.T) {
	l := listen(t, nopHandler{})
	cli := newRecorder()
	h := &closeOnOpen{recorder: cli}
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, h)
	if err != nil {
		t.Fatal(err)
	}
	cli.waitClose(t)
	<-c.Done()
	if o, cl, e := cli.counts(); o != 1 || cl != 1 || e != 0 {
		t.Fatalf("opens %d closes %d errors %d", o, cl, e)
	}
}

type closeOnOpen struct{ *recorder }

func (h *closeOnOpen) OnOpen(c transport.Conn) { h.recorder.OnOpen(c); c.Close() }

// Answers far larger than the queue limit, written from OnFrame during a
// corked batch, neither deadlock nor get lost.
func TestBigAnswersDuringBatch(t *testing.T) {
	big := strings.Repeat("B", 3<<20)
	srv := newRecorder()
	srv.onFrame = func(c transport.Conn, f []byte) { _ = c.Write(frame(big)) }
	l := listen(t, srv)
	cli := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 8
	var batch []byte
	for range n {
		batch = append(batch, frame("q")...)
	}
	if err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got := cli.nextFrame(t); len(got) != len(big) {
			t.Fatalf("answer %d: %d bytes", i, len(got))
		}
	}
}

// Close while a write is in progress lets that writer finish what is already
// queued behind it, then closes: nothing accepted by Write is lost.
func TestCloseLetsQueuedWritesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			accepted <- nc
		}
	}()
	// The peer reads on only after Close: a write timeout long enough for a
	// loaded machine keeps the big write from being cut off while it waits.
	c, err := transport.Dial(context.Background(), ln.Addr().String(), frameLen, nopHandler{}, transport.WithWriteTimeout(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	defer peer.Close()
	big := frame(strings.Repeat("b", 32<<20)) // more than the socket buffers hold
	bigDone := make(chan error, 1)
	go func() { bigDone <- c.Write(big) }()
	// Wait until the big write is under way: its first bytes reach the peer.
	// Only then queue small ones behind it. A small write made earlier could
	// be the one in progress when the big one arrives; the big frame would
	// then queue behind it, and that small writer (this goroutine) would
	// flush it, blocked until the write timeout, since the peer reads on
	// only after Close.
	head := make([]byte, 64)
	peer.SetReadDeadline(time.Now().Add(2 * time.Minute))
	if _, err := io.ReadFull(peer, head); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a small write queued behind the big one", func() bool {
		err := c.Write(frame("last"))
		if err != nil {
			t.Fatalf("small write: %v", err)
		}
		st, _ := transport.StatsOf(c)
		return st.Writes > st.Flushes // one is queued behind the big one
	})
	c.Close()
	if err := c.Write(frame("after")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	peer.SetReadDeadline(time.Now().Add(2 * time.Minute))
	rest, err := io.ReadAll(peer)
	if err != nil {
		t.Fatal(err)
	}
	got := append(head, rest...)
	if err := <-bigDone; err != nil {
		t.Fatalf("big write: %v", err)
	}
	i := bytes.Index(got, big)
	small := frame("last")
	if i < 0 || i%len(small) != 0 || len(got) == i+len(big) || (len(got)-len(big))%len(small) != 0 {
		t.Fatalf("peer got %d bytes: small frames, the big one, then the queued small ones expected", len(got))
	}
	<-c.Done()
}

// A connection that closes after getty's per-session timer ticked: getty
// reads the session's connection on its timer goroutine before OnCron and
// clears it after OnClose, unlocked; the race detector must see the two
// ordered.
func TestCloseAfterCronTick(t *testing.T) {
	cron := transport.WithCronPeriod(10 * time.Millisecond)
	l := listen(t, newRecorder(), cron)
	cli := newRecorder()
	c, err := transport.Dial(context.Background(), l.Addr().String(), frameLen, cli, cron)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // a few ticks; asserts nothing about time
	c.Close()
	cli.waitClose(t)
}

func TestConnValue(t *testing.T) {
	c := dial(t, listen(t, newRecorder()))
	if v := c.Value(); v != nil {
		t.Fatalf("Value before SetValue = %v, want nil", v)
	}
	type state struct{ n int }
	st := &state{7}
	c.SetValue(st)
	if v, _ := c.Value().(*state); v != st {
		t.Fatalf("Value = %v, want %v", c.Value(), st)
	}
	c.SetValue("another type")
	if v := c.Value(); v != "another type" {
		t.Fatalf("Value after a second SetValue = %v", v)
	}
	c.SetValue(nil)
	if v := c.Value(); v != nil {
		t.Fatalf("Value after SetValue(nil) = %v, want nil", v)
	}
}

// LastRead and LastWrite carry monotonic clock readings (time.Time's String
// shows them as "m=±seconds"): how long a connection has been idle is then
// measured on the monotonic clock, and a wall-clock step (an NTP correction,
// a resumed VM) neither expires live connections nor postpones heartbeats.
func TestConnClocksAreMonotonic(t *testing.T) {
	c := dial(t, listen(t, newRecorder()))
	if err := c.Write(frame("tick")); err != nil {
		t.Fatal(err)
	}
	for name, tm := range map[string]time.Time{"LastRead": c.LastRead(), "LastWrite": c.LastWrite()} {
		if !strings.Contains(tm.String(), " m=") {
			t.Errorf("%s = %s: no monotonic reading", name, tm)
		}
		if d := time.Since(tm); d < 0 || d > time.Minute {
			t.Errorf("time.Since(%s) = %v", name, d)
		}
	}
}

// Write keeps no reference to the caller's buffer once it returns, whether
// it wrote the frames itself or queued them behind another writer: callers
// (exchange's pooled frames) reuse the buffer at once. Here every writer
// scribbles over its buffer as soon as Write returns, and every frame must
// still arrive intact.
func TestWriteKeepsNoReference(t *testing.T) {
	srv := newRecorder()
	c := dial(t, listen(t, srv))
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64)
			for i := range each {
				buf = append(buf[:0], frame(fmt.Sprintf("w%d-%03d", w, i))...)
				if err := c.Write(buf); err != nil {
					t.Error(err)
					return
				}
				for j := range buf {
					buf[j] = 'X'
				}
			}
		}()
	}
	wg.Wait()
	got := map[string]bool{}
	for range writers * each {
		got[srv.nextFrame(t)] = true
	}
	for w := range writers {
		for i := range each {
			if want := fmt.Sprintf("w%d-%03d", w, i); !got[want] {
				t.Fatalf("frame %q did not arrive intact (got %d distinct frames)", want, len(got))
			}
		}
	}
}
