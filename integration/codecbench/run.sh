#!/usr/bin/env bash
# Runs the codec benchmarks (Pulse and dubbo-go v1.5.9 in one process) and
# prints, per operation, how many times faster Pulse is and what fraction of
# dubbo-go's allocations it makes. COUNT=n repeats each benchmark (default 5);
# times are averaged over the runs.
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-5}
out=$(go test -run '^$' -bench . -benchmem -count "$count" ./ 2>/dev/null | grep '^Benchmark')
echo "$out"
echo
echo "$out" | awk '
{
	split($1, parts, "/"); op = parts[1]; sub(/^Benchmark/, "", op)
	side = parts[2]; sub(/-[0-9]+$/, "", side)
	ns[op, side] += $3; allocs[op, side] += $7; bytes[op, side] += $5; n[op, side]++
	if (!(op in seen)) { seen[op] = 1; order[++k] = op }
}
END {
	printf "%-20s %12s %12s %8s %14s %14s\n", "operation", "pulse ns/op", "dubbo-go", "speedup", "allocs p/d", "alloc ratio"
	for (i = 1; i <= k; i++) {
		op = order[i]
		pn = ns[op, "pulse"] / n[op, "pulse"]; dn = ns[op, "dubbogo"] / n[op, "dubbogo"]
		pa = allocs[op, "pulse"] / n[op, "pulse"]; da = allocs[op, "dubbogo"] / n[op, "dubbogo"]
		printf "%-20s %12.0f %12.0f %7.1fx %6.0f / %-6.0f %13.2f\n", op, pn, dn, dn / pn, pa, da, pa / da
	}
}'
