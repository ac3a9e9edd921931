package exchange

import (
	"strings"
	"testing"
)

func TestHealthRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Health
		want Health
	}{
		{"serving", Health{InFlight: 3, Conns: 10000, Status: "SERVING"}, Health{InFlight: 3, Conns: 10000, Status: "SERVING"}},
		{"zero", Health{}, Health{}},
		{"spaces and equals become underscores", Health{Status: "DEGRADED db=down"}, Health{Status: "DEGRADED_db_down"}},
		{"non-ASCII status", Health{InFlight: 1, Status: "überlastet-😴"}, Health{InFlight: 1, Status: "überlastet-😴"}},
		{"large counts", Health{InFlight: 1 << 40, Conns: -1}, Health{InFlight: 1 << 40, Conns: -1}},
		{"status longer than the stack buffer", Health{Status: strings.Repeat("S", 300)}, Health{Status: strings.Repeat("S", 300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := EncodeHealth(tt.in)
			got, ok := DecodeHealth(serializationHessian2, body)
			if !ok || got != tt.want {
				t.Fatalf("DecodeHealth(EncodeHealth(%+v)) = %+v, %v; want %+v", tt.in, got, ok, tt.want)
			}
			prefix := []byte{1, 2}
			if app := AppendHealth(prefix, tt.in); string(app[2:]) != string(body) || app[0] != 1 || app[1] != 2 {
				t.Fatalf("AppendHealth does not append EncodeHealth's bytes")
			}
		})
	}
}

func TestAppendHealthAllocatesOnlyItsResult(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	h := Health{InFlight: 12, Conns: 10000, Status: "SERVING"}
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { dst = AppendHealth(dst[:0], h) }); n != 0 {
		t.Fatalf("AppendHealth into a large enough buffer allocates %.0f times, want 0", n)
	}
}

func TestEncodeHealthAllocatesOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	h := Health{InFlight: 12, Conns: 10000, Status: "SERVING"}
	if n := testing.AllocsPerRun(100, func() { _ = EncodeHealth(h) }); n != 1 {
		t.Fatalf("EncodeHealth allocates %.0f times, want 1 (its result)", n)
	}
}
