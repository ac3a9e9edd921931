package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/metrics"
	"time"
)

// allocsMetric counts heap objects allocated since the process started.
const allocsMetric = "/gc/heap/allocs:objects"

// Allocs returns the number of heap objects this process has allocated.
func Allocs() uint64 {
	s := []metrics.Sample{{Name: allocsMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Stats is what a server's stats endpoint answers.
type Stats struct {
	Allocs uint64 `json:"allocs"`
}

// ServeStats serves /stats (Stats as JSON) and /debug/pprof/ on ln until ctx
// ends. Go servers of the harness run it on a side port.
func ServeStats(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(Stats{Allocs: Allocs()})
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// FetchStats reads a server's stats endpoint (host:port).
func FetchStats(addr string) (Stats, error) {
	var s Stats
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("loadgen: stats %s: %s", addr, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}
