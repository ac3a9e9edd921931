// Package heartbeat owns the liveness policy of one side of a Dubbo
// connection: given when the connection last read, last wrote and last sent a
// heartbeat, it says whether to do nothing, send a heartbeat, or give the
// connection up. It is pure: no clock, no goroutine, no I/O. The exchange
// layer calls Decide from its one ticker for every connection.
//
// Rules (design.md, Heartbeats):
//   - A heartbeat is sent only on an idle connection: nothing read or nothing
//     written for Interval (+ Margin), and never twice within that time, so an
//     unanswered heartbeat is not repeated on every tick.
//   - Nothing read for Timeout: expire (the client reconnects, the server closes).
//
// With the task on both sides, the client runs with Margin 0 and the server
// with a margin longer than the client's tick (ServerMargin): an answered
// client heartbeat is a read and a write on both sides, so the server's turn
// never comes on a connection whose client pings. At most one heartbeat
// exchange per interval per idle connection, and none while calls flow.
package heartbeat

import (
	"errors"
	"fmt"
	"time"
)

// Java Dubbo's defaults: `heartbeat` 60 s, `heartbeat.timeout` 3 x heartbeat.
const (
	DefaultInterval = 60 * time.Second
	DefaultTimeout  = 3 * DefaultInterval
)

// ErrInvalid matches every configuration error returned by New.
var ErrInvalid = errors.New("heartbeat: invalid policy")

// Action is what Decide asks the caller to do.
type Action int

// Actions, from mildest to strongest.
const (
	None   Action = iota // the connection is busy or was checked recently
	Send                 // send one heartbeat now
	Expire               // nothing read for Timeout: close (and, on a client, reconnect)
)

func (a Action) String() string {
	switch a {
	case None:
		return "none"
	case Send:
		return "send"
	case Expire:
		return "expire"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Policy is one side's heartbeat configuration. The zero value is not valid:
// build one with New.
type Policy struct {
	Interval time.Duration // idle time before a heartbeat; Java's `heartbeat`
	Timeout  time.Duration // read silence that ends the connection; >= 2 x Interval
	Margin   time.Duration // extra idle time this side waits before its turn (0 on clients)
}

// New validates a policy. interval <= 0 and timeout <= 0 take Java's defaults
// (60 s, 3 x interval); a timeout below 2 x interval is refused, as Java does.
func New(interval, timeout, margin time.Duration) (Policy, error) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if timeout <= 0 {
		timeout = 3 * interval
	}
	if timeout < 2*interval {
		return Policy{}, fmt.Errorf("%w: timeout %v must be at least 2 x interval %v", ErrInvalid, timeout, interval)
	}
	if margin < 0 || margin >= interval {
		return Policy{}, fmt.Errorf("%w: margin %v must be in [0, interval %v)", ErrInvalid, margin, interval)
	}
	return Policy{Interval: interval, Timeout: timeout, Margin: margin}, nil
}

// Tick is how often the owner of the policy should call Decide: a third of the
// interval, as Java's HeartbeatTimerTask. A silent peer is then found within
// Timeout + Tick.
func (p Policy) Tick() time.Duration { return p.Interval / 3 }

// ServerMargin is the margin a server uses so that its turn comes after the
// client's: well past a client's tick (a third of the interval), shorter
// than the interval, so that a server still pings before a 2 x interval
// timeout.
func ServerMargin(interval time.Duration) time.Duration { return interval * 3 / 4 }

// Decide looks at one connection. lastRead and lastWrite are when a whole
// frame was last read and written (connect time at first); lastPing is when
// this side last sent a heartbeat (zero if never). lastPing is what keeps an
// unanswered heartbeat from being repeated on every tick: the heartbeat is a
// write, but with a silent peer the read side stays idle.
func (p Policy) Decide(lastRead, lastWrite, lastPing, now time.Time) Action {
	readIdle := now.Sub(lastRead)
	if readIdle >= p.Timeout {
		return Expire
	}
	idle := p.Interval + p.Margin
	if readIdle < idle && now.Sub(lastWrite) < idle {
		return None // calls or answers flow both ways
	}
	if !lastPing.IsZero() && now.Sub(lastPing) < idle {
		return None // one heartbeat per interval, answered or not
	}
	return Send
}

// Next is the earliest time at which Decide, given these clocks, could ask
// for anything but None. The clocks of a connection only move forward (a
// read, a write or a heartbeat sent later only postpones its turn), so a
// caller may leave the connection alone until then: with many idle
// connections, each is looked at about once per interval instead of on
// every tick.
func (p Policy) Next(lastRead, lastWrite, lastPing time.Time) time.Time {
	expire := lastRead.Add(p.Timeout)
	idle := p.Interval + p.Margin
	send := lastRead
	if lastWrite.Before(send) {
		send = lastWrite
	}
	send = send.Add(idle)
	if !lastPing.IsZero() && lastPing.Add(idle).After(send) {
		send = lastPing.Add(idle)
	}
	if send.Before(expire) {
		return send
	}
	return expire
}
