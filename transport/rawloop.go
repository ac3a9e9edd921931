package transport

import (
	"errors"
	"io"
)

// rawReadLoop is the read goroutine without getty: the same hooks over a
// plain read loop. Benchmarks use it to measure what getty's session costs
// (export_test.go); connections always run on getty.
func (hk *hooks) rawReadLoop() {
	c := hk.c
	buf := make([]byte, 64<<10)
	start, end := 0, 0
	var err error
	for err == nil {
		if end == len(buf) {
			if start == 0 {
				buf = append(buf, make([]byte, len(buf))...)
			} else {
				end = copy(buf, buf[start:end])
				start = 0
			}
		}
		var n int
		n, err = c.nc.Read(buf[end:])
		end += n
		for start < end {
			pkg, fl, rerr := hk.Read(nil, buf[start:end])
			if rerr != nil {
				err = rerr
				break
			}
			if pkg == nil {
				break
			}
			hk.OnMessage(nil, pkg)
			start += fl
		}
		if start == end {
			start, end = 0, 0
		}
	}
	if !errors.Is(err, io.EOF) {
		hk.OnError(nil, err)
	}
	hk.OnClose(nil)
}
