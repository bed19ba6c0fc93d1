package peerconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
)

// probatorMID is the mid mediasoup's bandwidth probation packets are
// signaled under.
const probatorMID = "probator"

type added struct {
	mid    string
	kind   params.MediaKind
	reused bool
}

// Receive adds a media section per consumer, all in one offer/answer. It
// returns once the answer is applied, whether or not the transport has
// connected: each result's Started channel tells when its track can be read.
func (h *Handler) Receive(ctx context.Context, opts []handler.ReceiveOptions) ([]handler.ReceiveResult, error) {
	if h.dir != handler.DirectionRecv {
		return nil, fmt.Errorf("receive on a send transport: %w", params.ErrUnsupported)
	}
	if err := h.usable(); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	news := make([]added, 0, len(opts))
	// undo parks the sections this round touched and retires their mids:
	// pion may have seen them, so they keep their place in later offers,
	// and nothing is known of their receivers any more.
	undo := func() {
		for _, a := range news {
			h.park(a.mid, a.kind)
			h.forgetStart(a.mid)
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
		h.watchStart(mid, o.RTPParameters)
	}
	addedProbator := false
	if firstVideo != nil && !h.hasProbator {
		if err := h.addProbator(*firstVideo); err != nil {
			undo()
			return nil, err
		}
		addedProbator = true
	}
	// The receivers that pion will configure are the transceivers' current
	// ones: the application sees them before the offer/answer, as in
	// mediasoup-client.
	for i, a := range news {
		if f := opts[i].OnReceiver; f != nil {
			f(h.transceivers[a.mid].Receiver())
		}
	}
	if err := h.negotiate(ctx, func() {
		undo()
		if addedProbator {
			h.remote.Remove(probatorMID)
		}
	}); err != nil {
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
	out := make([]handler.ReceiveResult, len(news))
	for i, a := range news {
		tr := h.transceivers[a.mid]
		r := tr.Receiver()
		out[i] = handler.ReceiveResult{LocalID: a.mid, Receiver: r}
		var track *webrtc.TrackRemote
		if r != nil {
			track = r.Track()
		}
		if track != nil {
			out[i].Track = newTrackReader(track, h.startedChan(a.mid), h.peekWait(track))
		}
		if track == nil {
			// pion did not configure the receiver (it already had a track
			// for one of the SSRCs): nothing of this round can be trusted.
			mids := make([]string, len(news))
			for j, b := range news {
				mids[j] = b.mid
			}
			_ = h.stopReceiving(context.Background(), mids, true)
			return nil, fmt.Errorf("mid %s: no receiving track after negotiation: %w", a.mid, params.ErrInvalidParameters)
		}
	}
	return out, nil
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

// park turns a consumer's section into one that announces no stream and
// asks to receive (a=recvonly): pion stops and replaces the section's
// receiver once (its track's SSRC is gone) and turns the transceiver
// inactive without stopping it, so the fresh receiver is left alone, even
// by receiver starts pion queued earlier with the old consumer's stream,
// until a later consumer's SSRC arrives on the same mid. An a=inactive
// section would make pion v3.3.6 stop the transceiver on every later
// round, the fresh receiver included, and start that stopped receiver
// when the mid is reused: its streams and their reader goroutines could
// then never be closed.
func (h *Handler) park(mid string, kind params.MediaKind) {
	h.remote.SetMedia(sdp.MediaOptions{MID: mid, Kind: kind, RTPParameters: h.parkRTP[kind], NoSources: true})
}

// release wakes readers of a receiver pion stopped before it ever started:
// pion v3 blocks such reads forever. Receive on a stopped receiver marks
// it started with no streams, so pending and later reads fail instead.
func release(r *webrtc.RTPReceiver) {
	if r != nil {
		_ = r.Receive(webrtc.RTPReceiveParameters{})
	}
}

// StopReceiving parks the consumers' sections in one round, to be reused
// by later consumers of the same kind.
//
// pion starts receivers on its own goroutine after each round, with that
// round's description, and every start queued before the park still lists
// the closed consumer's stream: once the mid is reused (its transceiver
// receives again), such a start would hand that stream to the section's
// receiver, which would then refuse the new consumer's. So a parked mid is
// reused only once every start queued before its park has run: known when
// a stream of a later round binds (on a transport that has not connected
// yet, none runs before it connects).
func (h *Handler) StopReceiving(ctx context.Context, mids []string) error {
	if err := h.usable(); err != nil {
		return err
	}
	return h.stopReceiving(ctx, mids, false)
}

func (h *Handler) stopReceiving(ctx context.Context, mids []string, retire bool) error {
	var done []string
	var old []*webrtc.RTPReceiver
	var reusable []bool
	for _, mid := range mids {
		tr, ok := h.transceivers[mid]
		if !ok || !h.remote.HasMID(mid) || h.parked[mid] {
			continue
		}
		h.park(mid, h.kinds[mid])
		h.parked[mid] = true
		done = append(done, mid)
		old = append(old, tr.Receiver())
		reusable = append(reusable, !retire)
		h.forgetStart(mid)
		if r := tr.Receiver(); r != nil {
			h.forgetPeek(r.Track())
		}
	}
	if len(done) == 0 {
		return nil
	}
	// Even when the round fails, the sections stay parked in later offers;
	// a failed round's mids are retired.
	err := h.negotiate(ctx, func() {})
	round := h.renegotiations.Load()
	for i, mid := range done {
		if err == nil && reusable[i] {
			h.startMu.Lock()
			h.quarantine = append(h.quarantine, parkedMID{mid: mid, round: round})
			h.startMu.Unlock()
		}
		if h.transceivers[mid].Receiver() != old[i] {
			release(old[i])
		}
	}
	return err
}

// negotiate applies the remote offer and answers it. When pion refuses the
// round, undo restores the remote description and the last good one is
// applied again; pion v3 cannot roll back a remote offer once it took it
// (have-remote-offer refuses both rollback and a new offer), so it is
// first answered as it stands, which brings the connection back to stable.
// If even that fails the handler is broken and says so on every later call.
func (h *Handler) negotiate(ctx context.Context, undo func()) error {
	err := h.answerRemoteOffer(ctx)
	if err == nil {
		return nil
	}
	undo()
	if rerr := h.repair(); rerr != nil {
		h.broken = fmt.Errorf("negotiation could not be repaired: %w", rerr)
		return errors.Join(err, h.broken)
	}
	return err
}

// repair brings the peer connection back to a stable, applied state with
// the current remote description.
func (h *Handler) repair() error {
	if h.pc.SignalingState() == webrtc.SignalingStateHaveRemoteOffer {
		answer, err := h.pc.CreateAnswer(nil)
		if err == nil {
			err = h.pc.SetLocalDescription(answer)
		}
		if err != nil {
			return fmt.Errorf("answer the refused offer: %w", err)
		}
	}
	if h.pc.SignalingState() != webrtc.SignalingStateStable {
		return fmt.Errorf("signaling state %s", h.pc.SignalingState())
	}
	if h.pc.CurrentRemoteDescription() == nil {
		// Nothing was ever applied: nothing to restore.
		return nil
	}
	return h.answerRemoteOffer(context.Background())
}

// answerRemoteOffer applies the remote offer and answers it.
func (h *Handler) answerRemoteOffer(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	h.waitICEStarted(ctx)
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: h.remote.Text()}
	if err := h.pc.SetRemoteDescription(offer); err != nil {
		return fmt.Errorf("set remote offer: %w", err)
	}
	if h.faultAfterOffer != nil {
		if err := h.faultAfterOffer(); err != nil {
			return fmt.Errorf("local answer: %w", err)
		}
	}
	answer, err := h.pc.CreateAnswer(nil)
	if err == nil {
		err = h.pc.SetLocalDescription(answer)
	}
	if err != nil {
		return fmt.Errorf("local answer: %w", err)
	}
	h.renegotiations.Add(1)
	return nil
}

// Start tracking: pion starts a receiver asynchronously once ICE and DTLS
// are up, binding its streams through the interceptor chain; the
// interceptor reports each bound SSRC to streamBound.

// watchStart registers the consumer's media SSRC of the mid.
func (h *Handler) watchStart(mid string, rtp params.RTPParameters) {
	var ssrc uint32
	if len(rtp.Encodings) > 0 {
		ssrc = rtp.Encodings[0].SSRC
	}
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if old, ok := h.startBySSRC[h.startSSRC[mid]]; ok && old == h.startCh[mid] {
		delete(h.startBySSRC, h.startSSRC[mid])
	}
	ch := make(chan struct{})
	h.startCh[mid] = ch
	h.startSSRC[mid] = ssrc
	if ssrc != 0 {
		h.startBySSRC[ssrc] = ch
		// The round this consumer is applied in, or a later one.
		h.roundBySSRC[ssrc] = h.renegotiations.Load() + 1
	}
}

// parkedMID is a parked section waiting until it can be reused.
type parkedMID struct {
	mid   string
	round int64
}

// reusableMIDs moves the parked mids whose earlier starts have all run to
// the free lists.
func (h *Handler) reusableMIDs() {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	keep := h.quarantine[:0]
	for _, p := range h.quarantine {
		if h.boundRound >= p.round {
			h.releaseMID(p.mid)
			continue
		}
		keep = append(keep, p)
	}
	h.quarantine = keep
}

// streamBound runs on pion's goroutine, inside the receiver's start. It
// refuses the streams of receivers pion starts after Close.
func (h *Handler) streamBound(ssrc uint32) bool {
	if h.closed.Load() {
		return false
	}
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if r, ok := h.roundBySSRC[ssrc]; ok {
		delete(h.roundBySSRC, ssrc)
		if r > h.boundRound {
			h.boundRound = r
		}
	}
	ch, ok := h.startBySSRC[ssrc]
	if !ok {
		return true
	}
	delete(h.startBySSRC, ssrc)
	close(ch)
	return true
}

func (h *Handler) startedChan(mid string) <-chan struct{} {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	return h.startCh[mid]
}

// forgetStart stops tracking the mid's current consumer; its Started
// channel stays open for good.
func (h *Handler) forgetStart(mid string) {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if ch, ok := h.startBySSRC[h.startSSRC[mid]]; ok && ch == h.startCh[mid] {
		delete(h.startBySSRC, h.startSSRC[mid])
		delete(h.roundBySSRC, h.startSSRC[mid])
	}
	delete(h.startCh, mid)
	delete(h.startSSRC, mid)
}

// waitICEStarted waits, before a renegotiation, until pion has started its
// ICE transport: it does so on its own goroutine after the first round, and
// until then its agent has no remote credentials, so pion takes the next
// remote offer for an ICE restart (and fails with "attempting to gather
// candidates during gathering state", or restarts ICE). The agent runs once
// the ICE connection state leaves "new". Bounded: after iceStartWait the
// round goes ahead anyway.
func (h *Handler) waitICEStarted(ctx context.Context) {
	if h.pc.CurrentRemoteDescription() == nil {
		return
	}
	deadline := time.Now().Add(iceStartWait)
	for h.pc.ICEConnectionState() == webrtc.ICEConnectionStateNew && ctx.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(200 * time.Microsecond)
	}
}

// iceStartWait bounds waitICEStarted.
const iceStartWait = 2 * time.Second
