package exchange

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// timerChildEnv makes TestPooledCallTimerNoStaleExpiry run only its own
// check, in a child process started with GODEBUG=asynctimerchan=1.
const timerChildEnv = "PULSE_EXCHANGE_TEST_TIMER_CHILD"

// A pooled call's timer that fired while its response won the race must
// not time out the call's next use, whatever timer channels the program
// runs with: GODEBUG=asynctimerchan=1 (a setting a program may still pick)
// keeps a fired value in the channel after Stop.
func TestPooledCallTimerNoStaleExpiry(t *testing.T) {
	checkNoStaleExpiry(t)
	if os.Getenv(timerChildEnv) != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPooledCallTimerNoStaleExpiry$", "-test.count=1")
	cmd.Env = append(os.Environ(), timerChildEnv+"=1", "GODEBUG=asynctimerchan=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("with GODEBUG=asynctimerchan=1: %v\n%s", err, out)
	}
}

func checkNoStaleExpiry(t *testing.T) {
	t.Helper()
	p := &pendingCall{done: make(chan callResult, 1)}
	for range 3 {
		expired := p.arm(time.Millisecond)
		// Let it fire unobserved, as when the response was picked first.
		// An asynchronous timer channel shows the fired value in len; a
		// synchronous one never does, and then a short sleep is enough.
		if cap(expired) > 0 {
			deadline := time.Now().Add(10 * time.Second)
			for len(expired) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(5 * time.Millisecond)
		}
		p.disarm() // back to the pool
		expired = p.arm(time.Hour)
		select {
		case <-expired:
			t.Fatal("the call's next use timed out at once: a stale expiry was left in its timer")
		default:
		}
		p.disarm()
	}
}
