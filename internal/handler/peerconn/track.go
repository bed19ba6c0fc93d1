package peerconn

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
)

// trackReader reads a consumer's pion track. pion v3 starts a receiver on
// its own goroutine once ICE and DTLS are up; before that its
// TrackRemote.SetReadDeadline panics and its reads never return if the
// receiver is stopped. Once started, pion reads the track's first packet
// itself on another goroutine and keeps it for the next Read (its OnTrack
// fires then): a read racing that one gets the second packet before the
// first, or loses one. trackReader waits for that first read, keeps the
// deadline until then (a deadline would end pion's read too, and OnTrack
// would never come), and only then hands reads to pion.
type trackReader struct {
	pion    *webrtc.TrackRemote
	started <-chan struct{}
	peeked  <-chan struct{}

	deadline handler.Deadline
	// applied: pion's first read is done and the deadline is pion's now;
	// mu orders it with SetReadDeadline.
	mu      sync.Mutex
	applied bool
}

func newTrackReader(t *webrtc.TrackRemote, started, peeked <-chan struct{}) *trackReader {
	return &trackReader{pion: t, started: started, peeked: peeked}
}

// Started is closed once pion started the receiver.
func (r *trackReader) Started() <-chan struct{} { return r.started }

// TrackRemote returns pion's track.
func (r *trackReader) TrackRemote() *webrtc.TrackRemote { return r.pion }

// Read reads one RTP packet once the receiver started and pion's first
// read is done.
func (r *trackReader) Read(b []byte) (int, interceptor.Attributes, error) {
	if err := r.waitStarted(); err != nil {
		return 0, nil, err
	}
	return r.pion.Read(b)
}

// SetReadDeadline sets the deadline of pending and later reads.
func (r *trackReader) SetReadDeadline(d time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deadline.Set(d)
	if r.applied {
		return setTrackReadDeadline(r.pion, d)
	}
	return nil
}

// waitStarted blocks until pion started the receiver and read its first
// packet, or the deadline passes.
func (r *trackReader) waitStarted() error {
	r.mu.Lock()
	applied := r.applied
	r.mu.Unlock()
	if applied {
		return nil
	}
	if err := r.deadline.Wait(r.peeked, nil); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.applied {
		if err := setTrackReadDeadline(r.pion, r.deadline.Get()); err != nil {
			return err
		}
		r.applied = true
	}
	return nil
}

// setTrackReadDeadline sets a started track's read deadline; a track pion
// has not really started (its start failed) reports an error instead of
// panicking.
func setTrackReadDeadline(t *webrtc.TrackRemote, d time.Time) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("track not started")
		}
	}()
	return t.SetReadDeadline(d)
}

// peekState is whether pion's first read of a track is done.
type peekState struct {
	ch   chan struct{}
	done bool
}

// peekWait returns the channel closed once pion's first read of t is done
// (it may be already).
func (h *Handler) peekWait(t *webrtc.TrackRemote) <-chan struct{} {
	h.peekMu.Lock()
	defer h.peekMu.Unlock()
	return h.peekOf(t).ch
}

// peekDone records that pion read t's first packet (its OnTrack).
func (h *Handler) peekDone(t *webrtc.TrackRemote) {
	h.peekMu.Lock()
	defer h.peekMu.Unlock()
	st := h.peekOf(t)
	if !st.done {
		st.done = true
		close(st.ch)
	}
}

// forgetPeek drops t's state once its consumer is gone; a reader keeps its
// channel.
func (h *Handler) forgetPeek(t *webrtc.TrackRemote) {
	if t == nil {
		return
	}
	h.peekMu.Lock()
	defer h.peekMu.Unlock()
	delete(h.peeked, t)
}

func (h *Handler) peekOf(t *webrtc.TrackRemote) *peekState {
	st, ok := h.peeked[t]
	if !ok {
		st = &peekState{ch: make(chan struct{})}
		h.peeked[t] = st
	}
	return st
}
