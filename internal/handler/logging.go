package handler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// SlogFactory routes pion's logs to a slog logger, each with its scope.
// pion's trace level maps to slog's debug level minus 4.
type SlogFactory struct {
	// Logger receives the logs.
	Logger *slog.Logger
}

// NewLogger returns a logger for one pion scope.
func (f SlogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLogger{l: f.Logger.With("scope", scope)}
}

type slogLogger struct{ l *slog.Logger }

func (s slogLogger) log(level slog.Level, msg string) {
	if s.l.Enabled(context.Background(), level) {
		s.l.Log(context.Background(), level, msg)
	}
}

func (s slogLogger) logf(level slog.Level, format string, args ...any) {
	if s.l.Enabled(context.Background(), level) {
		s.l.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (s slogLogger) Trace(msg string)               { s.log(slog.LevelDebug-4, msg) }
func (s slogLogger) Tracef(format string, a ...any) { s.logf(slog.LevelDebug-4, format, a...) }
func (s slogLogger) Debug(msg string)               { s.log(slog.LevelDebug, msg) }
func (s slogLogger) Debugf(format string, a ...any) { s.logf(slog.LevelDebug, format, a...) }
func (s slogLogger) Info(msg string)                { s.log(slog.LevelInfo, msg) }
func (s slogLogger) Infof(format string, a ...any)  { s.logf(slog.LevelInfo, format, a...) }
func (s slogLogger) Warn(msg string)                { s.log(slog.LevelWarn, msg) }
func (s slogLogger) Warnf(format string, a ...any)  { s.logf(slog.LevelWarn, format, a...) }
func (s slogLogger) Error(msg string)               { s.log(slog.LevelError, msg) }
func (s slogLogger) Errorf(format string, a ...any) { s.logf(slog.LevelError, format, a...) }
