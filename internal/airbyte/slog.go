package airbyte

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// LogHandler is a slog.Handler that writes each record as an Airbyte LOG
// message: "message key=value ..." with the level mapped to the protocol's
// levels. Values are resolved through slog.LogValuer first, so types such as
// config.Secret stay redacted. It honours HandlerOptions.Level and
// ReplaceAttr (the built-in time, level and message attributes are not
// passed to ReplaceAttr, since the LOG message has fields for them).
type LogHandler struct {
	w      *Writer
	opts   slog.HandlerOptions
	groups []string // open groups, for ReplaceAttr
	prefix string   // key prefix from open groups, "a.b."
	pre    string   // pre-formatted attributes from WithAttrs
}

// NewLogHandler returns a LogHandler writing to w; opts may be nil.
func NewLogHandler(w *Writer, opts *slog.HandlerOptions) *LogHandler {
	h := &LogHandler{w: w}
	if opts != nil {
		h.opts = *opts
	}
	return h
}

// Enabled reports whether level is at or above the handler's minimum level.
func (h *LogHandler) Enabled(_ context.Context, level slog.Level) bool {
	minLevel := slog.LevelInfo
	if h.opts.Level != nil {
		minLevel = h.opts.Level.Level()
	}
	return level >= minLevel
}

// Handle writes r as one LOG message.
func (h *LogHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.pre)
	r.Attrs(func(a slog.Attr) bool {
		h.appendAttr(&b, h.groups, h.prefix, a)
		return true
	})
	return h.w.Log(LevelOf(r.Level), b.String())
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	var b strings.Builder
	b.WriteString(h.pre)
	for _, a := range attrs {
		h.appendAttr(&b, h.groups, h.prefix, a)
	}
	h2.pre = b.String()
	return &h2
}

// WithGroup returns a handler that qualifies later keys with name.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(slices.Clip(h.groups), name)
	h2.prefix = h.prefix + name + "."
	return &h2
}

func (h *LogHandler) appendAttr(b *strings.Builder, groups []string, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if h.opts.ReplaceAttr != nil && a.Value.Kind() != slog.KindGroup {
		a = h.opts.ReplaceAttr(groups, a)
		a.Value = a.Value.Resolve()
	}
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return
		}
		g, p := groups, prefix
		if a.Key != "" {
			g = append(slices.Clip(groups), a.Key)
			p = prefix + a.Key + "."
		}
		for _, ga := range attrs {
			h.appendAttr(b, g, p, ga)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(quoteIfNeeded(prefix + a.Key))
	b.WriteByte('=')
	b.WriteString(formatValue(a.Value))
}

func formatValue(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return quoteIfNeeded(v.String())
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return quoteIfNeeded(err.Error())
		}
		return quoteIfNeeded(v.String())
	default:
		return v.String()
	}
}

func quoteIfNeeded(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '"' || r == '=' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// LevelOf maps a slog level to an Airbyte log level: below Debug is TRACE,
// Debug DEBUG, Info INFO, Warn WARN, Error ERROR, and Error+4 or above FATAL.
func LevelOf(l slog.Level) LogLevel {
	switch {
	case l >= slog.LevelError+4:
		return LogFatal
	case l >= slog.LevelError:
		return LogError
	case l >= slog.LevelWarn:
		return LogWarn
	case l >= slog.LevelInfo:
		return LogInfo
	case l >= slog.LevelDebug:
		return LogDebug
	default:
		return LogTrace
	}
}
