#!/usr/bin/env bash
# Runs every Pulse test on a fresh machine: installs what the peer tests need,
# then the main module's tests with the race detector, a short run of every
# fuzz target, and the peer suite under integration/.
#
#   scripts/test.sh            everything
#   FUZZTIME=30s scripts/test.sh   longer fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-8s}

echo "== go vet"
go vet ./...

echo "== unit tests (race)"
go test -race -count=1 -timeout 20m ./...

echo "== allocation tests without the race detector (its instrumentation allocates; they skip under -race)"
go test -count=1 -run 'Alloc' ./...

# fuzz_one runs one fuzz target. Go 1.26's fuzz coordinator can fail a run at
# the -fuzztime boundary with a bare "context deadline exceeded" and no failing
# input (golang/go#75804, fixed in Go 1.27): such a run is tried once more.
# A run that writes a failing input under testdata/fuzz fails at once.
inputs_in() {
	if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi
}

fuzz_one() {
	local dir=$1 target=$2 corpus="$1/testdata/fuzz/$2" before after
	before=$(inputs_in "$corpus")
	if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -parallel 2 "$dir"; then
		return 0
	fi
	after=$(inputs_in "$corpus")
	if [ "$after" != "$before" ]; then
		echo "fuzz: $target wrote a failing input to $corpus" >&2
		return 1
	fi
	echo "fuzz: $target failed without a failing input (golang/go#75804?); running it once more"
	go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -parallel 2 "$dir"
}

echo "== fuzz targets, ${fuzztime} each"
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./integration/' | xargs -r -n1 dirname | sort -u); do
	for target in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/'); do
		echo "-- $dir $target"
		fuzz_one "$dir" "$target"
	done
done

if [ -f integration/go.mod ]; then
	echo "== peer suite (integration/)"
	if [ -x integration/setup.sh ]; then
		integration/setup.sh
	fi
	(cd integration && go vet ./... && go test -race -count=1 -p 1 -timeout 25m ./...)
fi

# Benchmark harness (issue 7): its own modules, run once at a tiny size so it
# cannot rot; it asserts nothing about speed (about 30 s plus builds).
if [ -f integration/bench/go.mod ]; then
	echo "== benchmark harness smoke (integration/bench)"
	(cd integration/bench/loadgen && go vet ./... && go test -count=1 ./...)
	(cd integration/bench/dubbogo && go vet ./...)
	(cd integration/bench && go vet ./... && go test -count=1 -timeout 10m ./...)
fi
