// Package zapslog sends the zap logs of the etcd client and server to a
// caller's *slog.Logger, so that Pulse logs through slog only.
package zapslog

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a zap logger that writes entries at min or above to l.
func New(l *slog.Logger, min zapcore.Level) *zap.Logger {
	if l == nil {
		return zap.NewNop()
	}
	return zap.New(&core{l: l, min: min})
}

type core struct {
	l      *slog.Logger
	min    zapcore.Level
	fields []zapcore.Field
}

func (c *core) Enabled(lvl zapcore.Level) bool {
	return lvl >= c.min && c.l.Enabled(context.Background(), level(lvl))
}

func (c *core) With(fs []zapcore.Field) zapcore.Core {
	n := &core{l: c.l, min: c.min, fields: make([]zapcore.Field, 0, len(c.fields)+len(fs))}
	n.fields = append(append(n.fields, c.fields...), fs...)
	return n
}

func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *core) Write(e zapcore.Entry, fs []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fs {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields)+1)
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	for k, v := range enc.Fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	c.l.LogAttrs(context.Background(), level(e.Level), e.Message, attrs...)
	return nil
}

func (c *core) Sync() error { return nil }

func level(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	}
	return slog.LevelError // error, dpanic, panic, fatal
}
