package exchange

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Health is what a Pulse server tells a Pulse client in its heartbeat answers.
type Health struct {
	InFlight int    // calls the server is running now
	Conns    int    // connections it holds
	Status   string // "SERVING", "DRAINING" or what the application reports (no spaces)
}

// pulseMarker tags the ids of heartbeats sent by a Pulse client that wants
// health in the answer: the top 32 bits read "PULS" and the next 16 are zero,
// the low 16 carry a sequence number. dubbo-go and Java up to 3.2 number
// requests from 0 upwards, so their ids never carry the mark; Java 3.3 starts
// its counter at a random point of the int64 range, which lands in the
// marked window of 2^16 ids with a chance of about 2^-48 per process (and
// even then the only effect is a health body in some heartbeat answers).
// Every peer echoes the id in its answer and otherwise ignores it. The body
// stays the standard null.
const (
	pulseMarker     int64 = 0x50554c53 << 32
	pulseMarkerMask int64 = -1 << 16
)

// isPulseHeartbeat reports whether a heartbeat id carries the Pulse marker.
func isPulseHeartbeat(id int64) bool { return id&pulseMarkerMask == pulseMarker }

// healthPrefix starts every health answer; anything else is not a health answer.
const healthPrefix = "pulse-health/1"

// EncodeHealth renders health as the body of a heartbeat answer: a hessian2
// string "pulse-health/1 inflight=N conns=N status=S".
func EncodeHealth(h Health) []byte { return AppendHealth(nil, h) }

// AppendHealth appends what EncodeHealth returns to dst. The text is built
// on the stack: the only allocation is dst's growth.
func AppendHealth(dst []byte, h Health) []byte {
	var buf [128]byte
	s := append(buf[:0], healthPrefix+" inflight="...)
	s = strconv.AppendInt(s, int64(h.InFlight), 10)
	s = append(s, " conns="...)
	s = strconv.AppendInt(s, int64(h.Conns), 10)
	s = append(s, " status="...)
	for _, r := range h.Status {
		if r == ' ' || r == '=' {
			r = '_'
		}
		s = utf8.AppendRune(s, r)
	}
	// s does not outlive the call: appendHessianString only reads it. Its
	// header takes 1 to 3 bytes below 0xffff UTF-16 units (a longer status
	// is chunked, and dst then grows again).
	dst = slices.Grow(dst, len(s)+3)
	return appendHessianString(dst, unsafe.String(unsafe.SliceData(s), len(s)))
}

// DecodeHealth reads a body written by EncodeHealth.
func DecodeHealth(serialization byte, body []byte) (Health, bool) {
	if serialization != serializationHessian2 || len(body) > 512 {
		return Health{}, false
	}
	s, ok := readHessianString(body)
	if !ok || !strings.HasPrefix(s, healthPrefix+" ") {
		return Health{}, false
	}
	var h Health
	for _, f := range strings.Fields(s[len(healthPrefix):]) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "inflight":
			h.InFlight, _ = strconv.Atoi(v)
		case "conns":
			h.Conns, _ = strconv.Atoi(v)
		case "status":
			h.Status = v
		}
	}
	return h, true
}

// HeartbeatHandler decides what a Server's heartbeat answer carries. The
// server asks it only for heartbeats whose id carries the Pulse marker, which
// only a Pulse client sends; every other heartbeat (every Java or dubbo-go
// peer's) gets the standard null body whatever the handler says.
type HeartbeatHandler interface {
	// HeartbeatAnswer returns the answer's body given the server's load;
	// nil means the standard null body.
	HeartbeatAnswer(serialization byte, load Health) []byte
}

// NullHeartbeat answers every heartbeat with the standard null body, exactly
// like Java Dubbo.
type NullHeartbeat struct{}

// HeartbeatAnswer returns nil: the standard body.
func (NullHeartbeat) HeartbeatAnswer(byte, Health) []byte { return nil }

// HealthHeartbeat answers a Pulse client's heartbeat with the server's load
// and a status. It is the Server's default.
type HealthHeartbeat struct {
	// Status, if set, reports the application's status ("SERVING" if nil).
	Status func() string
}

// HeartbeatAnswer encodes load and status with EncodeHealth.
func (h HealthHeartbeat) HeartbeatAnswer(serialization byte, load Health) []byte {
	if serialization != serializationHessian2 {
		return nil
	}
	if load.Status == "" {
		load.Status = "SERVING"
		if h.Status != nil {
			load.Status = h.Status()
		}
	}
	return EncodeHealth(load)
}

// HeartbeatClient builds a Client's heartbeats and reads their answers.
// Implementations must keep the body standard (NullBody) if the peer may be
// Java: a Java 3.2+ server answers nothing else.
type HeartbeatClient interface {
	// NewHeartbeat returns the id and body of the next heartbeat, given a
	// fresh sequence number.
	NewHeartbeat(serialization byte, seq int64) (id int64, body []byte)
	// ReadAnswer reads the body of the answer; ok is false when it carries no health.
	ReadAnswer(serialization byte, body []byte) (h Health, ok bool)
}

// StandardHeartbeatClient sends Java's heartbeat with plain ids and ignores
// what the answer carries.
type StandardHeartbeatClient struct{}

// NewHeartbeat returns seq and the null body.
func (StandardHeartbeatClient) NewHeartbeat(serialization byte, seq int64) (int64, []byte) {
	return seq, NullBody(serialization)
}

// ReadAnswer reports no health.
func (StandardHeartbeatClient) ReadAnswer(byte, []byte) (Health, bool) { return Health{}, false }

// PulseHeartbeatClient sends Java's heartbeat (null body) with the Pulse
// marker in its id, and reads the health a Pulse server puts in its answer.
// A Java or dubbo-go server answers with the null body: no health. It is the
// Client's default.
type PulseHeartbeatClient struct{}

// NewHeartbeat returns a marked id and the null body.
func (PulseHeartbeatClient) NewHeartbeat(serialization byte, seq int64) (int64, []byte) {
	return pulseMarker | seq&^pulseMarkerMask, NullBody(serialization)
}

// ReadAnswer decodes a health answer.
func (PulseHeartbeatClient) ReadAnswer(serialization byte, body []byte) (Health, bool) {
	return DecodeHealth(serialization, body)
}
