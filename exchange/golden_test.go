package exchange

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden frames written by real peers (Java Dubbo 3.3.6, dubbo-go v1.5.9);
// how they were made is in testdata/README.md and
// ../protocol/dubbo/testdata/README.md.

// goldenHessian2 is the serialization id every golden frame uses.
const goldenHessian2 = 2

func readGolden(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden frame: %v", err)
	}
	return b
}

// decodeGolden checks what every golden frame must satisfy: a valid header
// whose declared length is exactly the rest of the file.
func decodeGolden(t *testing.T, frame []byte) (Header, []byte) {
	t.Helper()
	h, err := DecodeHeader(frame, DefaultPayloadLimit)
	if err != nil {
		t.Fatalf("DecodeHeader: %v", err)
	}
	n, err := FrameLen(frame, DefaultPayloadLimit)
	if err != nil || n != len(frame) {
		t.Fatalf("FrameLen = %d, %v; the file holds %d bytes", n, err, len(frame))
	}
	if h.SerializationID() != goldenHessian2 {
		t.Fatalf("serialization = %d, want goldenHessian2", h.SerializationID())
	}
	return h, frame[HeaderLen:]
}

// Ids of the live capture (testdata/java-live), as Java 3.3.6 chose them.
const (
	liveHeartbeatID int64 = -51170522534869508 // ff 4a 34 ae 4d 56 85 fc
	liveReadOnlyID  int64 = -51170522534869505 // ff 4a 34 ae 4d 56 85 ff
)

func TestGoldenEvents(t *testing.T) {
	tests := []struct {
		file    string
		flags   byte
		status  Status
		id      int64
		body    string // hex
		kind    EventKind
		request bool
		twoWay  bool
	}{
		{"java/heartbeat_req.bin", 0xe2, 0, 7, "4e", EventHeartbeat, true, true},
		{"java/heartbeat_resp.bin", 0x22, StatusOK, 7, "4e", EventHeartbeat, false, false},
		{"java/readonly.bin", 0xa2, 0, 8, "0152", EventReadOnly, true, false},
		// A real Java 3.3.6 consumer and provider (java-live): ids start at a
		// random point of the int64 range, here negative.
		{"java-live/heartbeat_req.bin", 0xe2, 0, liveHeartbeatID, "4e", EventHeartbeat, true, true},
		{"java-live/heartbeat_resp.bin", 0x22, StatusOK, liveHeartbeatID, "4e", EventHeartbeat, false, false},
		{"java-live/readonly.bin", 0xa2, 0, liveReadOnlyID, "0152", EventReadOnly, true, false},
		{"dubbogo/heartbeat_req.bin", 0xe2, 0, 6, "4e", EventHeartbeat, true, true},
		// dubbo-go appends a hessian null to every response body.
		{"dubbogo/heartbeat_resp.bin", 0x22, StatusOK, 7, "4e4e", EventHeartbeat, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h, body := decodeGolden(t, readGolden(t, filepath.Join("testdata", tt.file)))
			if h.Flags() != tt.flags || h.Status() != tt.status || h.ID() != tt.id {
				t.Fatalf("header %s (flags %#x), want flags %#x status %s id %d", h.String(), h.Flags(), tt.flags, tt.status, tt.id)
			}
			if !h.IsEvent() || h.IsRequest() != tt.request || h.IsTwoWay() != tt.twoWay {
				t.Fatalf("header %s: event/request/two-way bits wrong", h.String())
			}
			if got := hex.EncodeToString(body); got != tt.body {
				t.Fatalf("body %s, want %s", got, tt.body)
			}
			if got := ClassifyEvent(h.SerializationID(), body); got != tt.kind {
				t.Fatalf("ClassifyEvent = %s, want %s", got, tt.kind)
			}
		})
	}
}

// TestGoldenEventBytes checks that the event and error frames Pulse sends
// are byte for byte the frames Java writes. The heartbeat builders
// (frame_builders_test.go) use the flags and appendFrame that
// connWriter.writeFrame, the Client's and Server's path, uses;
// TestHeartbeatBytes in exchange_test.go checks the bytes a live Client and
// Server put on the wire.
func TestGoldenEventBytes(t *testing.T) {
	const notFound = "Not found exported service: org.apache.dubbo.samples.api.MissingService:20880"
	seqID, nullBody := StandardHeartbeatClient{}.NewHeartbeat(goldenHessian2, 7)
	tests := []struct {
		file    string
		pattern string // the frame as documented, <id> = 8 bytes; "" = not pinned here
		pulse   []byte
	}{
		{
			"testdata/java/heartbeat_req.bin", "da bb e2 00 <id> 00 00 00 01 4e",
			heartbeatRequest(goldenHessian2, seqID, nullBody),
		},
		{
			"testdata/java/heartbeat_resp.bin", "da bb 22 14 <id> 00 00 00 01 4e",
			heartbeatAnswer(goldenHessian2, 7, NullBody(goldenHessian2)),
		},
		{
			"testdata/java/readonly.bin", "da bb a2 00 <id> 00 00 00 02 01 52",
			readOnlyEvent(goldenHessian2, 8),
		},
		{
			"testdata/java-live/heartbeat_req.bin", "da bb e2 00 <id> 00 00 00 01 4e",
			heartbeatRequest(goldenHessian2, liveHeartbeatID, NullBody(goldenHessian2)),
		},
		{
			"testdata/java-live/heartbeat_resp.bin", "da bb 22 14 <id> 00 00 00 01 4e",
			heartbeatAnswer(goldenHessian2, liveHeartbeatID, NullBody(goldenHessian2)),
		},
		{
			"testdata/java-live/readonly.bin", "da bb a2 00 <id> 00 00 00 02 01 52",
			readOnlyEvent(goldenHessian2, liveReadOnlyID),
		},
		{
			"../protocol/dubbo/testdata/java/resp_service_error.bin", "",
			errorResponse(goldenHessian2, 6, StatusServiceError, notFound),
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(filepath.Dir(tt.file))+"/"+filepath.Base(tt.file), func(t *testing.T) {
			java := readGolden(t, tt.file)
			h, _ := decodeGolden(t, java)
			if tt.pattern != "" {
				id := hex.EncodeToString(java[4:12])
				want := strings.ReplaceAll(strings.ReplaceAll(tt.pattern, "<id>", id), " ", "")
				if got := hex.EncodeToString(java); got != want {
					t.Fatalf("Java wrote %s, documented %s", got, want)
				}
			}
			if !bytes.Equal(tt.pulse, java) {
				t.Fatalf("Pulse %x\n Java %x (id %d)", tt.pulse, java, h.ID())
			}
		})
	}
}

// TestGoldenPulseHeartbeat: Pulse's default heartbeat is Java's frame with
// the "PULS" marker in the top half of the id, the one named difference; a
// Java or dubbo-go answer to it carries no health and is still a heartbeat.
func TestGoldenPulseHeartbeat(t *testing.T) {
	java := readGolden(t, "testdata/java/heartbeat_req.bin")
	id, body := PulseHeartbeatClient{}.NewHeartbeat(goldenHessian2, 7)
	pulse := heartbeatRequest(goldenHessian2, id, body)
	if !bytes.Equal(pulse[:4], java[:4]) || !bytes.Equal(pulse[8:], java[8:]) {
		t.Fatalf("Pulse %x\n Java %x: differ outside the id's top half", pulse, java)
	}
	if got := hex.EncodeToString(pulse[4:8]); got != "50554c53" {
		t.Fatalf("id top half %s, want the PULS marker", got)
	}
	for _, f := range []string{"testdata/java/heartbeat_resp.bin", "testdata/dubbogo/heartbeat_resp.bin"} {
		_, answer := decodeGolden(t, readGolden(t, f))
		if _, ok := (PulseHeartbeatClient{}).ReadAnswer(goldenHessian2, answer); ok {
			t.Fatalf("%s: health read from a peer's null answer %x", f, answer)
		}
	}
}

// TestGoldenBodyHeaders decodes the header of every request and response
// golden frame of protocol/dubbo: Java's, dubbo-go's and Pulse's own.
func TestGoldenBodyHeaders(t *testing.T) {
	type want struct {
		flags  byte
		status Status
	}
	request := want{0xc2, 0}
	ok := want{0x02, StatusOK}
	// Frames are requests (req_) or OK responses (resp_) unless listed here.
	expect := map[string]want{
		"java/resp_service_error.bin": {0x02, StatusServiceError},
	}
	ids := map[string]int64{
		"java/req_sayhi.bin": 1, "java/req_getuser.bin": 2,
		"dubbogo/req_sayhi.bin": 2, "dubbogo/req_getuser.bin": 4, // dubbo-go counts by two from 2
		"pulse/req_sayhi.bin": 1, "pulse/req_getuser.bin": 2,
		"java-live/req_sayhi.bin": -51170522534869511, "java-live/req_getuser.bin": -51170522534869510,
		"java-live/req_getuser_missing.bin": -51170522534869509, "java-live/resp_exception_att.bin": -51170522534869509,
	}
	files, err := filepath.Glob(filepath.Join("..", "protocol", "dubbo", "testdata", "*", "*.bin"))
	if err != nil || len(files) < 20 {
		t.Fatalf("found %d golden body frames (%v)", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			h, body := decodeGolden(t, readGolden(t, f))
			w, found := expect[name]
			if !found {
				switch {
				case strings.HasPrefix(filepath.Base(f), "req_"):
					w = request
				case strings.HasPrefix(filepath.Base(f), "resp_"):
					w = ok
				default:
					t.Fatalf("golden frame %s is named neither req_ nor resp_", name)
				}
			}
			if h.Flags() != w.flags || h.Status() != w.status || h.IsEvent() {
				t.Fatalf("header %s (flags %#x), want flags %#x status %s", h.String(), h.Flags(), w.flags, w.status)
			}
			if id, found := ids[name]; found && h.ID() != id {
				t.Fatalf("id %d, want %d", h.ID(), id)
			}
			if len(body) == 0 {
				t.Fatal("empty body")
			}
		})
	}
}
