// Package integration proves Pulse's interop with real peers: Java Dubbo
// (3.3.6 and 2.7.23, built from integration/java/peer by Maven), dubbo-go
// v1.5.9 (integration/dubbogo-peer, a module of its own because dubbo-go
// pins old hessian2, getty and etcd versions) and Node's dubbo2.js 2.3.9
// (integration/node).
//
// integration/setup.sh builds the peers once; the tests start them as real
// processes, each in its own session and process group, and drive Pulse
// through the sample programs samples/provider and samples/consumer (built
// in TestMain) or through the root package where a scenario needs more.
//
// A missing peer (no java, node, or nothing built) skips its tests loudly,
// unless PULSE_REQUIRE_PEERS=1 (set by .ci/run), where it fails them.
package integration
