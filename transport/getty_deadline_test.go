package transport

import (
	"net"
	"reflect"
	"testing"

	getty "github.com/apache/dubbo-getty"
)

// Pulse sessions set no getty read deadline (getty would read the clock and
// move a runtime timer before every read): clearGettyReadTimeout must find
// getty's field in the pinned version, and getty must then report none.
func TestClearGettyReadTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ss := gettyNewTCPSession(nc, endpoint(getty.TCP_CLIENT))
	if ss.ReadTimeout() == 0 {
		t.Fatal("a new getty session already has no read timeout: the test shows nothing")
	}
	if err := clearGettyReadTimeout(reflect.ValueOf(ss)); err != nil {
		t.Fatal(err)
	}
	if d := ss.ReadTimeout(); d != 0 {
		t.Fatalf("getty read timeout %v after clearing, want 0", d)
	}
	if newOptions(nil).readPoll != 0 {
		t.Fatal("sessions set a getty read deadline by default")
	}
}
