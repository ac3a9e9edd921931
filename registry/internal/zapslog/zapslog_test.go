package zapslog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestBridge(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), zapcore.WarnLevel)
	l.Info("dropped below min")
	l.With(zap.String("member", "m0")).Named("lessor").Warn("queue is full", zap.Int64("lease", 7))
	l.Error("boom", zap.Error(errBoom{}))
	out := buf.String()
	for _, want := range []string{"level=WARN", `msg="queue is full"`, "member=m0", "lease=7", "logger=lessor", "level=ERROR", "error=boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "dropped") {
		t.Errorf("info logged below min:\n%s", out)
	}
	if New(nil, zapcore.DebugLevel).Core().Enabled(zapcore.ErrorLevel) {
		t.Error("nil logger is not a no-op")
	}
	if err := l.Sync(); err != nil {
		t.Error(err)
	}
}

type errBoom struct{}

func (errBoom) Error() string { return "boom" }
