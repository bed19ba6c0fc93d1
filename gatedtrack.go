package mediasoupclient

import (
	"sync"
	"sync/atomic"
	"time"

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
	// seq keeps the stream continuous across ReplaceTrack.
	seq *continuity
	// off: the producer's track was replaced by none (ReplaceTrack(nil)).
	off atomic.Bool

	mu       sync.Mutex
	bindings map[string]webrtc.TrackLocalContext
}

func newGatedTrack(t webrtc.TrackLocal, streamID string) *gatedTrack {
	if streamID == "" {
		streamID = t.StreamID()
	}
	return &gatedTrack{TrackLocal: t, streamID: streamID, bindings: map[string]webrtc.TrackLocalContext{}, seq: &continuity{}}
}

// replacing returns a gate for t that takes over g's stream: its packets
// continue g's sequence numbers and timestamps.
func (g *gatedTrack) replacing(t webrtc.TrackLocal) *gatedTrack {
	n := newGatedTrack(t, g.streamID)
	n.muted.Store(g.muted.Load())
	n.seq = g.seq
	n.seq.switchSource()
	return n
}

// StreamID returns the msid stream id.
func (g *gatedTrack) StreamID() string { return g.streamID }

// Bind binds the inner track to a write stream that honours the gate.
func (g *gatedTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	var clockRate uint32
	if cs := ctx.CodecParameters(); len(cs) > 0 {
		clockRate = cs[0].ClockRate
	}
	g.seq.setClockRate(clockRate)
	wrapped := &gatedContext{TrackLocalContext: ctx, w: &gatedWriter{inner: ctx.WriteStream(), muted: &g.muted, off: &g.off, seq: g.seq}}
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
	seq   *continuity
}

func (w *gatedWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.muted.Load() || w.off.Load() {
		return len(payload), nil
	}
	w.seq.rewrite(h)
	return w.inner.WriteRTP(h, payload)
}

func (w *gatedWriter) Write(b []byte) (int, error) {
	if w.muted.Load() || w.off.Load() {
		return len(b), nil
	}
	return w.inner.Write(b)
}

// continuity keeps one sent stream's RTP sequence numbers and timestamps
// continuous when its track is replaced: each pion track numbers and times
// its own packets, and a jump in both makes the server drop the new
// track's packets (mediasoup takes a large sequence jump for a bad packet
// until it resynchronises) and reorders what its consumers see.
type continuity struct {
	mu        sync.Mutex
	clockRate uint32
	started   bool
	switched  bool
	lastSeq   uint16
	lastTS    uint32
	lastAt    time.Time
	seqOff    uint16
	tsOff     uint32
}

func (c *continuity) setClockRate(r uint32) {
	c.mu.Lock()
	if r != 0 {
		c.clockRate = r
	}
	c.mu.Unlock()
}

// switchSource makes the next packet, from a new track, continue the
// stream.
func (c *continuity) switchSource() {
	c.mu.Lock()
	c.switched = true
	c.mu.Unlock()
}

// rewrite shifts the packet into the stream: after a switch, its sequence
// number follows the last one sent and its timestamp advances by the time
// elapsed since.
func (c *continuity) rewrite(h *rtp.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.switched {
		c.switched = false
		if c.started {
			c.seqOff = c.lastSeq + 1 - h.SequenceNumber
			ticks := uint32(1)
			if c.clockRate != 0 {
				if t := uint32(time.Since(c.lastAt).Seconds() * float64(c.clockRate)); t > 0 {
					ticks = t
				}
			}
			c.tsOff = c.lastTS + ticks - h.Timestamp
		}
	}
	h.SequenceNumber += c.seqOff
	h.Timestamp += c.tsOff
	c.lastSeq, c.lastTS, c.lastAt, c.started = h.SequenceNumber, h.Timestamp, time.Now(), true
}
