package heartbeat

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name              string
		interval, timeout time.Duration
		margin            time.Duration
		want              Policy
		err               bool
	}{
		{"java defaults", 0, 0, 0, Policy{Interval: 60 * time.Second, Timeout: 180 * time.Second}, false},
		{"timeout defaults to 3x", time.Second, 0, 0, Policy{Interval: time.Second, Timeout: 3 * time.Second}, false},
		{"exactly 2x", time.Second, 2 * time.Second, 0, Policy{Interval: time.Second, Timeout: 2 * time.Second}, false},
		{"below 2x", time.Second, 1999 * time.Millisecond, 0, Policy{}, true},
		{"negative margin", time.Second, 0, -1, Policy{}, true},
		{"margin too large", time.Second, 0, time.Second, Policy{}, true},
		{"server margin", time.Second, 0, ServerMargin(time.Second), Policy{Interval: time.Second, Timeout: 3 * time.Second, Margin: 750 * time.Millisecond}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.interval, tt.timeout, tt.margin)
			if tt.err {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || p != tt.want {
				t.Fatalf("New = %+v, %v; want %+v", p, err, tt.want)
			}
		})
	}
}

// fixture is a client policy (p) and a server policy (srv) with a 1 s
// interval and a 3 s timeout, and times in milliseconds after t0.
func fixture() (p, srv Policy, t0 time.Time, ms func(int) time.Time) {
	p, _ = New(time.Second, 3*time.Second, 0)
	srv, _ = New(time.Second, 3*time.Second, ServerMargin(time.Second))
	t0 = time.Unix(1000, 0)
	return p, srv, t0, func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
}

func TestDecide(t *testing.T) {
	p, srv, t0, ms := fixture()
	var never time.Time
	tests := []struct {
		name              string
		p                 Policy
		read, write, ping time.Time
		now               time.Time
		want              Action
	}{
		{"fresh", p, t0, t0, never, ms(10), None},
		{"busy both ways", p, ms(2900), ms(2950), never, ms(3000), None},
		{"read idle", p, t0, ms(900), never, ms(1000), Send},
		{"write idle", p, ms(900), t0, never, ms(1000), Send},
		{"both idle", p, t0, t0, never, ms(1000), Send},
		{"just under interval", p, ms(1), ms(1), never, ms(1000), None},
		{"unanswered ping not repeated", p, t0, ms(1000), ms(1000), ms(1400), None},
		{"unanswered ping repeated after interval", p, t0, ms(2000), ms(1000), ms(2000), Send},
		{"one-way stream still pings", p, t0, ms(1990), ms(900), ms(1990), Send},
		{"expire at timeout", p, t0, ms(2999), ms(2000), ms(3000), Expire},
		{"writes do not keep a silent peer alive", p, t0, ms(3500), never, ms(3500), Expire},
		{"server waits its margin", srv, t0, t0, never, ms(1700), None},
		{"server turn after margin", srv, t0, t0, never, ms(1750), Send},
		{"server expires", srv, t0, ms(2900), ms(2900), ms(3000), Expire},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Decide(tt.read, tt.write, tt.ping, tt.now); got != tt.want {
				t.Fatalf("Decide = %v, want %v", got, tt.want)
			}
		})
	}
}

// side is one end of a simulated connection driven by its own ticker.
type side struct {
	p                       Policy
	lastRead, lastWrite, hb time.Time
	sent                    int
}

// TestBothSidesOneExchangePerInterval runs the policy on both ends of an idle
// connection with a fake clock: the client pings once per interval (plus at
// most a tick), the server never needs to, and nothing expires.
func TestBothSidesOneExchangePerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Second
		cp, _ := New(interval, 0, 0)
		sp, _ := New(interval, 0, ServerMargin(interval))
		now := time.Now()
		c := &side{p: cp, lastRead: now, lastWrite: now}
		s := &side{p: sp, lastRead: now, lastWrite: now}
		// A heartbeat from a to b: a writes, b reads and answers, a reads.
		exchange := func(a, b *side, at time.Time) {
			a.sent++
			a.hb, a.lastWrite = at, at
			b.lastRead, b.lastWrite = at, at
			a.lastRead = at
		}
		var mu sync.Mutex
		run := func(me, peer *side, stop <-chan struct{}) {
			tk := time.NewTicker(me.p.Tick())
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case at := <-tk.C:
					mu.Lock()
					switch me.p.Decide(me.lastRead, me.lastWrite, me.hb, at) {
					case Send:
						exchange(me, peer, at)
					case Expire:
						t.Errorf("expired at %v", at.Sub(now))
					}
					mu.Unlock()
				}
			}
		}
		stop := make(chan struct{})
		go run(c, s, stop)
		go run(s, c, stop)
		time.Sleep(30*interval + interval/2)
		close(stop)
		synctest.Wait()
		if s.sent != 0 {
			t.Errorf("server sent %d heartbeats, want 0 while the client pings", s.sent)
		}
		// Client pings at most every interval+tick and at least once per interval+tick.
		if c.sent < 22 || c.sent > 30 {
			t.Errorf("client sent %d heartbeats in 30 intervals", c.sent)
		}
	})
}

// TestServerPingsSilentClient checks the server's turn when the client never
// pings (a Java 2.7+ server-side view of an old client): once per interval+margin.
func TestServerPingsSilentClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp, _ := New(time.Second, 0, ServerMargin(time.Second))
		start := time.Now()
		s := &side{p: sp, lastRead: start, lastWrite: start}
		tk := time.NewTicker(sp.Tick())
		defer tk.Stop()
		for i := 0; i < 30; i++ {
			at := <-tk.C
			if sp.Decide(s.lastRead, s.lastWrite, s.hb, at) == Send {
				s.sent++
				s.hb, s.lastWrite, s.lastRead = at, at, at // answered
			}
		}
		// 10 s elapsed; one ping each 1.75 s at the most.
		if s.sent < 4 || s.sent > 6 {
			t.Fatalf("server sent %d pings in 10 s", s.sent)
		}
	})
}

func TestNext(t *testing.T) {
	p, srv, t0, ms := fixture()
	var never time.Time
	tests := []struct {
		name              string
		p                 Policy
		read, write, ping time.Time
		want              time.Time
	}{
		{"fresh", p, t0, t0, never, ms(1000)},
		{"write older than read", p, ms(500), ms(200), never, ms(1200)},
		{"read older than write", p, ms(200), ms(500), never, ms(1200)},
		{"ping holds the next one back", p, t0, ms(1000), ms(1000), ms(2000)},
		{"silent peer: expiry comes first", p, t0, ms(2500), ms(2500), ms(3000)},
		{"server margin", srv, t0, t0, never, ms(1750)},
		{"server after the client's ping", srv, ms(1000), ms(1000), ms(1000), ms(2750)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Next(tt.read, tt.write, tt.ping); !got.Equal(tt.want) {
				t.Fatalf("Next = %v, want %v", got.Sub(t0), tt.want.Sub(t0))
			}
		})
	}
}

// TestNextIsNeverLate checks Next against Decide on random clocks: before
// Next, Decide says None, and it still does when the clocks move forward
// meanwhile; at Next it says something else (so nothing is postponed).
func TestNextIsNeverLate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	policies := []Policy{}
	for _, m := range []time.Duration{0, ServerMargin(time.Second)} {
		p, _ := New(time.Second, 3*time.Second, m)
		policies = append(policies, p)
	}
	t0 := time.Unix(1000, 0)
	at := func(max int) time.Time { return t0.Add(time.Duration(rng.IntN(max)) * time.Millisecond) }
	for i := 0; i < 20000; i++ {
		p := policies[i%len(policies)]
		read, write := at(4000), at(4000)
		var ping time.Time
		if rng.IntN(2) == 0 {
			ping = at(4000)
		}
		next := p.Next(read, write, ping)
		if got := p.Decide(read, write, ping, next); got == None {
			t.Fatalf("Decide at Next(%v, %v, %v) = None: Next is late", read.Sub(t0), write.Sub(t0), ping.Sub(t0))
		}
		before := next.Add(-time.Duration(1+rng.IntN(3000)) * time.Millisecond)
		if before.Before(read) || before.Before(write) || !ping.IsZero() && before.Before(ping) {
			continue // not a moment that follows these clocks
		}
		if got := p.Decide(read, write, ping, before); got != None {
			t.Fatalf("Decide %v before Next = %v", next.Sub(before), got)
		}
		// Later clocks only postpone.
		later := func(c time.Time) time.Time {
			if c.IsZero() {
				return c
			}
			if d := before.Sub(c); d > 0 {
				return c.Add(time.Duration(rng.Int64N(int64(d) + 1)))
			}
			return c
		}
		if got := p.Decide(later(read), later(write), later(ping), before); got != None {
			t.Fatalf("Decide with later clocks %v before Next = %v", next.Sub(before), got)
		}
	}
}
