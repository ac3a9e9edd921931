module github.com/pulse-rpc/pulse/integration/bench/loadgen

go 1.26.0
