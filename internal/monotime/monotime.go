// Package monotime owns the clock of Pulse's liveness bookkeeping: instants
// kept in atomics (when a connection last read and wrote, when a heartbeat
// went out) as readings of the monotonic clock, so that a step of the wall
// clock (an NTP correction, a resumed VM) neither expires live connections
// nor postpones heartbeats and write deadlines.
//
// An instant is an int64: nanoseconds since a base read once when the
// process starts. Nanos and Time convert between it and a time.Time; a
// Time made by Time carries a monotonic reading, so Sub and Before between
// such times and time.Now() use the monotonic clock. 0 means "never".
package monotime

import "time"

// base is the reading all instants count from. It is set once, before
// main, and never changes.
var base = time.Now()

// Now returns the current instant (never 0).
func Now() int64 { return Nanos(time.Now()) }

// Nanos returns the instant of t, which should carry a monotonic reading
// (time.Now(), a ticker's time, or a Time returned by Time); a wall-only t
// is taken by its wall clock. The zero time is 0.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	n := int64(t.Sub(base))
	if n == 0 {
		n = 1 // 0 is "never"
	}
	return n
}

// Latest returns the later of two instants, either of which may be 0
// (never); instants may be negative under a fake clock, so this is not max.
func Latest(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return max(a, b)
}

// Time returns the time.Time of instant n, with a monotonic reading; the
// zero time for 0.
func Time(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return base.Add(time.Duration(n))
}
