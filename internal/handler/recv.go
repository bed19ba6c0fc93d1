package handler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
)

// probatorMID is the mid mediasoup's bandwidth probation packets are
// signaled under.
const probatorMID = "probator"

// ReceiveOptions describe one consumer to add.
type ReceiveOptions struct {
	// TrackID is the msid track id (the consumer id).
	TrackID string
	// Kind of media.
	Kind params.MediaKind
	// RTPParameters the server sends.
	RTPParameters params.RTPParameters
	// StreamID is the msid stream id.
	StreamID string
}

// ReceiveResult is what one added consumer got.
type ReceiveResult struct {
	// LocalID is the consumer's local mid.
	LocalID     string
	Transceiver *webrtc.RTPTransceiver
	Receiver    *webrtc.RTPReceiver
	Track       *webrtc.TrackRemote
}

type added struct {
	mid    string
	kind   params.MediaKind
	reused bool
}

// Receive adds a media section per consumer, all in one offer/answer.
func (h *Handler) Receive(ctx context.Context, opts []ReceiveOptions) ([]ReceiveResult, error) {
	if h.dir != DirectionRecv {
		return nil, fmt.Errorf("receive on a send transport: %w", params.ErrInvalidState)
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	news := make([]added, 0, len(opts))
	undo := func() {
		for i := len(news) - 1; i >= 0; i-- {
			a := news[i]
			if a.reused {
				h.remote.Disable(a.mid, a.kind)
			} else {
				h.remote.Remove(a.mid)
			}
			h.freeMIDs[a.kind] = append(h.freeMIDs[a.kind], a.mid)
		}
	}
	var firstVideo *params.RTPParameters
	firstOfKind := map[params.MediaKind]bool{}
	for i := range opts {
		o := &opts[i]
		mid, reused := h.takeMID(o.Kind)
		if !reused {
			tr, err := h.pc.AddTransceiverFromKind(pionKind(o.Kind), webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
			if err == nil {
				err = tr.SetMid(mid)
			}
			if err != nil {
				undo()
				return nil, fmt.Errorf("add transceiver: %w", err)
			}
			h.transceivers[mid] = tr
			h.kinds[mid] = o.Kind
		}
		news = append(news, added{mid: mid, kind: o.Kind, reused: reused})
		streamID := o.StreamID
		if streamID == "" {
			streamID = o.RTPParameters.RTCP.CNAME
		}
		if streamID == "" {
			streamID = "-"
		}
		rtp := o.RTPParameters
		if !h.kindApplied[o.Kind] && !firstOfKind[o.Kind] {
			firstOfKind[o.Kind] = true
			rtp = h.withAllCodecs(o.Kind, rtp)
		}
		h.remote.SetMedia(sdp.MediaOptions{MID: mid, Kind: o.Kind, RTPParameters: rtp, StreamID: streamID, TrackID: o.TrackID})
		if o.Kind == params.MediaKindVideo && firstVideo == nil {
			firstVideo = &o.RTPParameters
		}
	}
	addedProbator := false
	if firstVideo != nil && !h.hasProbator {
		if err := h.addProbator(*firstVideo); err != nil {
			undo()
			return nil, err
		}
		addedProbator = true
	}
	if err := h.answerRemoteOffer(ctx); err != nil {
		undo()
		if addedProbator {
			h.remote.Remove(probatorMID)
		}
		return nil, err
	}
	for k := range firstOfKind {
		h.kindApplied[k] = true
	}
	if addedProbator {
		// Nobody reads the probation stream: pion keeps at most its
		// buffer's worth of it and drops the rest.
		h.hasProbator = true
	}
	out := make([]ReceiveResult, len(news))
	tracks := make([]*webrtc.TrackRemote, len(news))
	var err error
	for i, a := range news {
		tr := h.transceivers[a.mid]
		r := tr.Receiver()
		out[i] = ReceiveResult{LocalID: a.mid, Transceiver: tr, Receiver: r}
		if r != nil {
			out[i].Track = r.Track()
		}
		if out[i].Track == nil {
			err = fmt.Errorf("mid %s: no receiving track after negotiation", a.mid)
			break
		}
		tracks[i] = out[i].Track
	}
	if err == nil {
		err = waitStarted(ctx, tracks)
	}
	if err != nil {
		mids := make([]string, len(news))
		for i, a := range news {
			mids[i] = a.mid
		}
		_ = h.StopReceiving(context.Background(), mids)
		return nil, err
	}
	return out, nil
}

// waitStarted waits until pion has started every track's receiver (after
// ICE and DTLS connect, pion starts receivers asynchronously). Before
// that, pion v3 panics on TrackRemote.SetReadDeadline and blocks reads
// forever if the transport closes: a consumer's track must not be handed
// out before it started.
//
// Each poll stops at the first track not started yet (pion starts them in
// order; the probe of an unstarted track costs a recovered panic), and the
// polls are at most 1 ms apart.
func waitStarted(ctx context.Context, tracks []*webrtc.TrackRemote) error {
	pending := tracks
	delay := 50 * time.Microsecond
	var timer *time.Timer
	for {
		for len(pending) > 0 && trackStarted(pending[0]) {
			pending = pending[1:]
		}
		if len(pending) == 0 {
			if timer != nil {
				timer.Stop()
			}
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(delay)
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("waiting for the transport to connect: %w", ctx.Err())
		case <-timer.C:
		}
		if delay < time.Millisecond {
			delay *= 2
		}
	}
}

// trackStarted probes whether pion started the track's receiver: setting a
// read deadline panics inside pion v3 until then.
func trackStarted(t *webrtc.TrackRemote) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return t.SetReadDeadline(time.Time{}) == nil
}

func (h *Handler) addProbator(video params.RTPParameters) error {
	tr := h.transceivers[probatorMID]
	if tr == nil {
		var err error
		tr, err = h.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		if err == nil {
			err = tr.SetMid(probatorMID)
		}
		if err != nil {
			return fmt.Errorf("add probator: %w", err)
		}
		h.transceivers[probatorMID] = tr
	}
	p := ortc.GenerateProbatorRTPParameters(video)
	h.remote.SetMedia(sdp.MediaOptions{MID: probatorMID, Kind: params.MediaKindVideo, RTPParameters: p, StreamID: "probator", TrackID: "probator"})
	return nil
}

// release wakes readers of a receiver pion stopped before it ever started:
// pion v3 blocks such reads forever. Receive on a stopped receiver marks
// it started with no streams, so pending and later reads fail instead.
func release(r *webrtc.RTPReceiver) {
	if r != nil {
		_ = r.Receive(webrtc.RTPReceiveParameters{})
	}
}

// StopReceiving turns the consumers' sections inactive in one round; their
// mids become free for new consumers of the same kind.
func (h *Handler) StopReceiving(ctx context.Context, mids []string) error {
	var done []string
	var old []*webrtc.RTPReceiver
	for _, mid := range mids {
		tr, ok := h.transceivers[mid]
		if !ok || !h.remote.HasMID(mid) {
			continue
		}
		h.remote.Disable(mid, h.kinds[mid])
		done = append(done, mid)
		old = append(old, tr.Receiver())
	}
	if len(done) == 0 {
		return nil
	}
	err := h.answerRemoteOffer(ctx)
	// Even when pion refuses the round, the sections stay disabled in the
	// next offer; the mids are only reused once a round succeeds.
	if err == nil {
		for i, mid := range done {
			h.releaseMID(mid)
			if h.transceivers[mid].Receiver() != old[i] {
				release(old[i])
			}
		}
	}
	return err
}

// answerRemoteOffer applies the remote offer and answers it, rolling back
// the remote description if the answer fails.
func (h *Handler) answerRemoteOffer(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: h.remote.Text()}
	if err := h.pc.SetRemoteDescription(offer); err != nil {
		return fmt.Errorf("set remote offer: %w", err)
	}
	answer, err := h.pc.CreateAnswer(nil)
	if err == nil {
		err = h.pc.SetLocalDescription(answer)
	}
	if err != nil {
		rbErr := h.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		return fmt.Errorf("local answer: %w", errors.Join(err, rbErr))
	}
	h.renegotiations.Add(1)
	return nil
}
