package loadgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is one of the calls the harness measures.
type Kind string

// The calls of the contract (shared/interop.md).
const (
	SayHi   Kind = "hi"   // sayHi with a small string
	SayHi4K Kind = "hi4k" // sayHi with a 4 KiB string
	GetUser Kind = "user" // getUser("u1"), a POJO answer
)

// Kinds lists every Kind.
var Kinds = []Kind{SayHi, SayHi4K, GetUser}

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("loadgen: unknown kind %q (want hi, hi4k or user)", s)
}

// Arg is the string argument of a call of kind k.
func Arg(k Kind) string {
	switch k {
	case SayHi4K:
		return big
	case GetUser:
		return "u1"
	}
	return "pulse"
}

var big = strings.Repeat("abcdefghijklmnop", 4096/16)

// WantHi is the answer of sayHi(arg).
func WantHi(arg string) string { return "hi, " + arg }

// ErrWrongAnswer is returned by callers whose call succeeded with an answer
// other than the contract's.
var ErrWrongAnswer = errors.New("loadgen: wrong answer")

// Caller makes one call and checks its answer. It is called from many
// goroutines at once; worker is the caller's index (0..Conc-1).
type Caller func(ctx context.Context, worker int) error

// Config is one measured point.
type Config struct {
	Client    string        // client implementation, for the report
	Target    string        // server implementation, for the report
	Kind      Kind          // which call
	Conc      int           // concurrent callers
	Warmup    time.Duration // calls before the window, not measured
	Duration  time.Duration // the measured window
	ServerPID int           // server process whose CPU time is read (0: none)
	StatsAddr string        // server stats endpoint (host:port, "": none)
	// OnWindow, if set, is called as the measured window starts (true) and
	// ends (false): a client profiles the window only.
	OnWindow func(start bool)
}

// Report is the result of one point, one JSON line per client run.
type Report struct {
	Client       string  `json:"client"`
	Target       string  `json:"target"`
	Kind         Kind    `json:"kind"`
	Conc         int     `json:"conc"`
	Seconds      float64 `json:"seconds"`
	Calls        uint64  `json:"calls"`
	Errors       uint64  `json:"errors"`
	FirstError   string  `json:"first_error,omitempty"`
	CallsPerSec  float64 `json:"calls_per_sec"`
	P50us        float64 `json:"p50_us"`
	P99us        float64 `json:"p99_us"`
	P999us       float64 `json:"p999_us"`
	MaxUs        float64 `json:"max_us"`
	ClientCPUus  float64 `json:"client_cpu_us_per_call"`
	ServerCPUus  float64 `json:"server_cpu_us_per_call"` // -1: not measured
	ClientAllocs float64 `json:"client_allocs_per_call"` // heap objects per call
	ServerAllocs float64 `json:"server_allocs_per_call"` // -1: not measured
	GOMAXPROCS   int     `json:"gomaxprocs"`
}

type worker struct {
	h    Histogram
	errs uint64
	err  error
}

// Run measures one point with call. Every caller runs in a closed loop: the
// next call starts when the previous one returns.
func Run(ctx context.Context, cfg Config, call Caller) (Report, error) {
	if cfg.Conc < 1 {
		return Report{}, fmt.Errorf("loadgen: concurrency %d", cfg.Conc)
	}
	workers := make([]*worker, cfg.Conc)
	for i := range workers {
		workers[i] = new(worker)
	}
	var phase atomic.Int32 // 0 warm-up, 1 measured, 2 stop
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := phase.Load()
				if p == 2 || ctx.Err() != nil {
					return
				}
				start := time.Now()
				err := call(ctx, i)
				d := time.Since(start)
				if phase.Load() != 1 || p != 1 {
					continue // only calls that started and ended in the window count
				}
				if err != nil {
					w.errs++
					if w.err == nil {
						w.err = err
					}
					continue
				}
				w.h.Record(d)
			}
		}()
	}
	sleep(ctx, cfg.Warmup)

	type snap struct {
		cli, srv float64
		allocs   uint64
		srvAlloc uint64
		srvOK    bool
	}
	take := func() (s snap) {
		s.cli, _ = CPUSeconds(0)
		s.allocs = Allocs()
		if cfg.ServerPID > 0 {
			if v, err := CPUSeconds(cfg.ServerPID); err == nil {
				s.srv, s.srvOK = v, true
			}
		}
		if cfg.StatsAddr != "" {
			if st, err := FetchStats(cfg.StatsAddr); err == nil {
				s.srvAlloc = st.Allocs
			} else {
				s.srvAlloc = 0
			}
		}
		return s
	}
	if cfg.OnWindow != nil {
		cfg.OnWindow(true)
	}
	before := take()
	t0 := time.Now()
	phase.Store(1)
	sleep(ctx, cfg.Duration)
	phase.Store(2)
	elapsed := time.Since(t0)
	if cfg.OnWindow != nil {
		cfg.OnWindow(false)
	}
	after := take()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	var h Histogram
	r := Report{Client: cfg.Client, Target: cfg.Target, Kind: cfg.Kind, Conc: cfg.Conc,
		Seconds: elapsed.Seconds(), ServerCPUus: -1, ServerAllocs: -1, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, w := range workers {
		h.Merge(&w.h)
		r.Errors += w.errs
		if w.err != nil && r.FirstError == "" {
			r.FirstError = w.err.Error()
		}
	}
	r.Calls = h.Count()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	r.P50us, r.P99us, r.P999us, r.MaxUs = us(h.Quantile(0.5)), us(h.Quantile(0.99)), us(h.Quantile(0.999)), us(h.Max())
	if n := float64(r.Calls + r.Errors); n > 0 {
		r.CallsPerSec = float64(r.Calls) / elapsed.Seconds()
		// Calls in flight at either edge of the window are counted in CPU
		// time but not in n: at most Conc calls, negligible over seconds.
		r.ClientCPUus = (after.cli - before.cli) * 1e6 / n
		r.ClientAllocs = float64(after.allocs-before.allocs) / n
		if before.srvOK && after.srvOK {
			r.ServerCPUus = (after.srv - before.srv) * 1e6 / n
		}
		if cfg.StatsAddr != "" && after.srvAlloc >= before.srvAlloc && before.srvAlloc > 0 {
			r.ServerAllocs = float64(after.srvAlloc-before.srvAlloc) / n
		}
	}
	return r, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
