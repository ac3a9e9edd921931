package transport

import "time"

// Write-path variants for the benchmarks.
var (
	WithDirectWrites Option = func(o *options) { o.directWrites = true }
	WithoutCork      Option = func(o *options) { o.noCork = true }
	WithoutGetty     Option = func(o *options) { o.rawReadLoop = true }
	WithoutYield     Option = func(o *options) { o.noYield = true }
)

// WithReadPoll shortens getty's read deadline to show it never closes an
// idle connection.
func WithReadPoll(d time.Duration) Option { return func(o *options) { o.readPoll = d } }

// WithCronPeriod shortens getty's per-session timer so that a test sees
// connections close right after a tick.
func WithCronPeriod(d time.Duration) Option { return func(o *options) { o.cronPeriod = d } }
