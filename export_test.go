package pulse

import "github.com/pulse-rpc/pulse/exchange"

// HeartbeatScheduler lets the external tests see the one heartbeat ticker
// a Client shares among its provider connections (nil before the first).
func HeartbeatScheduler(c *Client) *exchange.Scheduler { return c.pool.scheduler() }
