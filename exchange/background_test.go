package exchange

import "testing"

func TestBackgroundStopWaitsAndRefuses(t *testing.T) {
	var b background
	release, started := make(chan struct{}), make(chan struct{})
	finished := false
	if !b.run(func() { close(started); <-release; finished = true }) {
		t.Fatal("run refused before stop")
	}
	<-started
	stopped := make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	close(release)
	<-stopped
	if !finished {
		t.Fatal("stop returned before the running task ended")
	}
	if b.run(func() { t.Error("task ran after stop") }) {
		t.Fatal("run accepted a task after stop")
	}
}
