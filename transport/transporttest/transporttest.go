// Package transporttest holds what tests of packages built on transport
// need: the goleak options that ignore getty's process-wide background
// goroutines (the timer wheel its package init starts).
package transporttest

import "go.uber.org/goleak"

// GoleakOptions ignores the goroutines getty starts once per process at
// import time and never stops; every other goroutine is still checked.
func GoleakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/dubbogo/gost/time.NewTimerWheel.func1"),
		goleak.IgnoreAnyFunction("github.com/dubbogo/gost/time.NewTimerWheel.func1"),
		goleak.IgnoreAnyFunction("github.com/dubbogo/gost/container/chan.(*UnboundedChan).run"),
	}
}
