package integration

import (
	"path/filepath"
	"testing"
	"time"
)

// TestNodeToPulseProvider: dubbo2.js 2.3.9's DirectlyDubbo calls a Pulse
// provider: sayHi, getUser("u1"), getUser("missing") and a burst of 50
// concurrent sayHi calls on its one connection.
func TestNodeToPulseProvider(t *testing.T) {
	node := requireTool(t, "node")
	dir := filepath.Join(integrationDir, "node")
	requireFile(t, filepath.Join(dir, "node_modules", "dubbo2.js", "package.json"), "dubbo2.js 2.3.9 (npm ci)")
	_, addr := startPulseProvider(t, "none", time.Second, "pulse-a")
	c := startProc(t, "node client", dir, nil, node, "client.js", addr, "50")
	expectLines(t, "node client", c.mustSucceed(runTimeout),
		"sayHi: hi, node",
		"getUser: id=u1 name=Ada age=36 registered=2020-01-02T03:04:05.000Z",
		"missing: ",
		"no user missing",
		"burst: 50/50 ok",
		"ok")
}
