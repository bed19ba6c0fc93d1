package mediasoupclient

import (
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// gatedTrack wraps a producer's TrackLocal so the SDK can stop its RTP
// without renegotiating: pion v3 has no RTPSender.SetParameters, so pausing
// and SetMaxSpatialLayer drop packets at the track's write stream instead.
// It also carries the producer's msid stream id.
type gatedTrack struct {
	webrtc.TrackLocal
	streamID string
	muted    atomic.Bool
	// off: the producer's track was replaced by none (ReplaceTrack(nil)).
	off atomic.Bool

	mu       sync.Mutex
	bindings map[string]webrtc.TrackLocalContext
}

func newGatedTrack(t webrtc.TrackLocal, streamID string) *gatedTrack {
	if streamID == "" {
		streamID = t.StreamID()
	}
	return &gatedTrack{TrackLocal: t, streamID: streamID, bindings: map[string]webrtc.TrackLocalContext{}}
}

// StreamID returns the msid stream id.
func (g *gatedTrack) StreamID() string { return g.streamID }

// Bind binds the inner track to a write stream that honours the gate.
func (g *gatedTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	wrapped := &gatedContext{TrackLocalContext: ctx, w: &gatedWriter{inner: ctx.WriteStream(), muted: &g.muted, off: &g.off}}
	g.mu.Lock()
	g.bindings[ctx.ID()] = wrapped
	g.mu.Unlock()
	return g.TrackLocal.Bind(wrapped)
}

// Unbind unbinds the inner track from the wrapped context Bind gave it.
func (g *gatedTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	g.mu.Lock()
	wrapped, ok := g.bindings[ctx.ID()]
	delete(g.bindings, ctx.ID())
	g.mu.Unlock()
	if !ok {
		wrapped = ctx
	}
	return g.TrackLocal.Unbind(wrapped)
}

type gatedContext struct {
	webrtc.TrackLocalContext
	w webrtc.TrackLocalWriter
}

func (c *gatedContext) WriteStream() webrtc.TrackLocalWriter { return c.w }

type gatedWriter struct {
	inner webrtc.TrackLocalWriter
	muted *atomic.Bool
	off   *atomic.Bool
}

func (w *gatedWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.muted.Load() || w.off.Load() {
		return len(payload), nil
	}
	return w.inner.WriteRTP(h, payload)
}

func (w *gatedWriter) Write(b []byte) (int, error) {
	if w.muted.Load() || w.off.Load() {
		return len(b), nil
	}
	return w.inner.Write(b)
}
