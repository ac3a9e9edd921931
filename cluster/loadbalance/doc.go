// Package loadbalance owns the choice of one provider among many for a call:
// the Dubbo load balancers random, roundrobin, leastactive, consistenthash and
// shortestresponse, under the names Java Dubbo writes in `loadbalance=`.
//
// A Balancer turns an immutable slice of Nodes (one per provider, built by the
// cluster directory) into a Picker; the directory builds a new slice whenever
// the provider set changes and the caller asks for a new Picker. Pick is the
// hot path: it allocates nothing (consistenthash: for keys up to 64 bytes)
// and blocks on nothing but roundrobin's per-method mutex. Costs over n
// providers: random and consistenthash O(log n) while the drawn provider is
// eligible; roundrobin, leastactive and shortestresponse O(n), as in Java.
//
// Weights follow Java's AbstractLoadBalance: the provider URL's `weight`
// (default 100, method level `methods.<m>.weight`), ramped up linearly over
// `warmup` (default 10 minutes) from the provider's start `timestamp`, never
// below 1 while warming. On top of that, Pulse scales a weight down by the
// provider's health (see HealthFactor): late heartbeat answers compared with
// its peers, a load figure and a status a Pulse provider reports. A sick
// provider thus loses traffic before its connection is declared dead.
//
// Live state is read, never cached beyond RefreshInterval: availability
// (connection up, not READONLY) is read on every Pick; warm-up and health
// factors are recomputed lazily by the first Pick after the interval, with no
// goroutine. Call statistics (active calls, response time EWMA) live in each
// Node's Stats, which the caller updates around each call and which survive
// snapshot rebuilds because the directory reuses them.
//
// Nothing here starts a goroutine or holds global mutable state; Balancers are
// built by name with New, from a map built on each call to Constructors.
package loadbalance
