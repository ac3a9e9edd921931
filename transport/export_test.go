package transport

// Write-path variants for the benchmarks.
var (
	WithDirectWrites Option = func(o *options) { o.directWrites = true }
	WithoutCork      Option = func(o *options) { o.noCork = true }
	WithoutGetty     Option = func(o *options) { o.rawReadLoop = true }
)
