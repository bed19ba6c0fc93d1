package testbed

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's logs (which otherwise go to stdout) into slog:
// warnings and errors to warn, the rest to debug, at the levels the
// handler lets through.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("src", "pion", "scope", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) at(level slog.Level, msg string) { l.log.Log(context.Background(), level, msg) }

// atf formats only when the level is on: pion formats live objects in
// debug messages, which would race with their use.
func (l pionLogger) atf(level slog.Level, format string, args []any) {
	if l.log.Enabled(context.Background(), level) {
		l.at(level, fmt.Sprintf(format, args...))
	}
}

const levelTrace = slog.LevelDebug - 4

func (l pionLogger) Trace(msg string)                  { l.at(levelTrace, msg) }
func (l pionLogger) Tracef(format string, args ...any) { l.atf(levelTrace, format, args) }
func (l pionLogger) Debug(msg string)                  { l.at(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.atf(slog.LevelDebug, format, args) }
func (l pionLogger) Info(msg string)                   { l.at(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.atf(slog.LevelDebug, format, args) }
func (l pionLogger) Warn(msg string)                   { l.at(slog.LevelWarn, msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.atf(slog.LevelWarn, format, args) }
func (l pionLogger) Error(msg string)                  { l.at(slog.LevelWarn, msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.atf(slog.LevelWarn, format, args) }
