// Package peerconn is the default handler.Transport: one pion
// PeerConnection per mediasoup transport. It adds and removes media
// sections for producers and consumers, negotiates them against a remote
// description built by internal/sdp, and opens data channels. It is the
// only code that calls pion's negotiation API. Calls are not safe for
// concurrent use: the transport serialises them through its queue.
package peerconn

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
)

// Options configure a handler.
type Options struct {
	Direction          handler.Direction
	API                *webrtc.API
	ICEParameters      params.ICEParameters
	ICECandidates      []params.ICECandidate
	DTLSParameters     params.DTLSParameters
	SCTPParameters     *params.SCTPParameters
	ICEServers         []webrtc.ICEServer
	ICETransportPolicy webrtc.ICETransportPolicy
	Extended           ortc.ExtendedRTPCapabilities
	// Hooks are the peer connection's interceptor hooks; the handler sets
	// OnRemoteStream on receive transports. The caller makes the
	// interceptor find them while New creates the peer connection.
	Hooks *handler.PCHooks
	// StatsGetter, called once the peer connection exists, returns the
	// stats interceptor's getter of that peer connection.
	StatsGetter func() handler.StatsGetter
}

// Handler is one transport's peer connection and remote description.
type Handler struct {
	dir    handler.Direction
	pc     *webrtc.PeerConnection
	remote *sdp.RemoteSDP
	ext    ortc.ExtendedRTPCapabilities
	sctp   *params.SCTPParameters

	transceivers map[string]*webrtc.RTPTransceiver
	kinds        map[string]params.MediaKind
	sendPT       map[string]webrtc.PayloadType
	freeMIDs     map[params.MediaKind][]string
	nextMID      int
	hasProbator  bool
	dataMID      string
	// recvCodecs are the receivable codecs per kind; kindApplied tells
	// whether a section of the kind was negotiated yet.
	recvCodecs  map[params.MediaKind][]params.RTPCodecParameters
	kindApplied map[params.MediaKind]bool
	// parkRTP are the RTP parameters of a parked section of each kind;
	// parked lists the mids whose section is parked.
	parkRTP map[params.MediaKind]params.RTPParameters
	parked  map[string]bool
	// broken is set when a refused negotiation could not be repaired.
	broken error
	// faultAfterOffer, set by tests, fails a round after pion took the
	// remote offer (pion then sits in have-remote-offer).
	faultAfterOffer func() error

	// Receiver start tracking, per mid (see streamBound).
	startMu     sync.Mutex
	startCh     map[string]chan struct{}
	startSSRC   map[string]uint32
	startBySSRC map[uint32]chan struct{}
	// roundBySSRC is the round each tracked stream is applied in (at the
	// earliest); boundRound the latest round a bound stream came from:
	// every start pion queued before that round has run.
	roundBySSRC map[uint32]int64
	boundRound  int64
	// quarantine holds parked mids until they can be reused.
	quarantine []parkedMID

	// peeked tracks, per pion track, whether pion's own first read of it
	// (see trackReader) is done.
	peekMu sync.Mutex
	peeked map[*webrtc.TrackRemote]*peekState

	stats handler.StatsGetter
	// closed is set by Close: streams pion binds after it are refused.
	closed atomic.Bool

	renegotiations atomic.Int64
}

// New creates the peer connection of a transport.
func New(o Options) (*Handler, error) {
	role := sdp.RoleOffer
	if o.Direction == handler.DirectionSend {
		role = sdp.RoleAnswer
	}
	h := &Handler{
		dir:          o.Direction,
		remote:       sdp.New(role, o.ICEParameters, o.ICECandidates, o.DTLSParameters, o.SCTPParameters),
		ext:          o.Extended,
		sctp:         o.SCTPParameters,
		transceivers: map[string]*webrtc.RTPTransceiver{},
		kinds:        map[string]params.MediaKind{},
		sendPT:       map[string]webrtc.PayloadType{},
		freeMIDs:     map[params.MediaKind][]string{},
		recvCodecs:   recvCodecs(o.Extended),
		kindApplied:  map[params.MediaKind]bool{},
		parkRTP:      parkRTP(o.Extended),
		parked:       map[string]bool{},
		startCh:      map[string]chan struct{}{},
		startSSRC:    map[string]uint32{},
		startBySSRC:  map[uint32]chan struct{}{},
		roundBySSRC:  map[uint32]int64{},
		peeked:       map[*webrtc.TrackRemote]*peekState{},
	}
	if o.Hooks != nil && o.Direction == handler.DirectionRecv {
		o.Hooks.OnRemoteStream = h.streamBound
	}
	pc, err := o.API.NewPeerConnection(webrtc.Configuration{
		ICEServers:         o.ICEServers,
		ICETransportPolicy: o.ICETransportPolicy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy:      webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, err
	}
	h.pc = pc
	if o.Direction == handler.DirectionRecv {
		pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { h.peekDone(t) })
	}
	if o.StatsGetter != nil {
		h.stats = o.StatsGetter()
	}
	return h, nil
}

var _ handler.Transport = (*Handler)(nil)

// Connected does nothing: the peer connection connects as soon as it has a
// remote description.
func (h *Handler) Connected(context.Context) error { return nil }

// ConnectionState returns the peer connection's state.
func (h *Handler) ConnectionState() webrtc.PeerConnectionState { return h.pc.ConnectionState() }

// ICEGatheringState returns the peer connection's gathering state.
func (h *Handler) ICEGatheringState() webrtc.ICEGatheringState { return h.pc.ICEGatheringState() }

// OnConnectionStateChange sets the peer connection's state handler.
func (h *Handler) OnConnectionStateChange(f func(webrtc.PeerConnectionState)) {
	h.pc.OnConnectionStateChange(f)
}

// OnICEGatheringStateChange sets the gathering state handler.
func (h *Handler) OnICEGatheringStateChange(f func(webrtc.ICEGatheringState)) {
	h.pc.OnICEGatheringStateChange(func(s webrtc.ICEGathererState) { f(handler.GatheringState(s)) })
}

// WriteRTCP sends RTCP on the peer connection.
func (h *Handler) WriteRTCP(pkts []rtcp.Packet) error { return h.pc.WriteRTCP(pkts) }

// Stats returns one RTP stream's statistics.
func (h *Handler) Stats(ssrc uint32) *stats.Stats {
	if h.stats == nil {
		return nil
	}
	return h.stats.Get(ssrc)
}

// Report returns the peer connection's stats report.
func (h *Handler) Report() webrtc.StatsReport { return h.pc.GetStats() }

// usable reports the error of a handler whose negotiation broke.
func (h *Handler) usable() error {
	if h.broken != nil {
		return fmt.Errorf("%v: %w", h.broken, params.ErrInvalidState)
	}
	return nil
}

// PeerConnection returns the underlying peer connection.
func (h *Handler) PeerConnection() *webrtc.PeerConnection { return h.pc }

// Renegotiations counts the offer/answer rounds applied so far.
func (h *Handler) Renegotiations() int64 { return h.renegotiations.Load() }

// LocalDTLSParameters are what the server's connect wants: the local
// certificate's fingerprints and the client role (the handler always
// makes the local side the DTLS client).
func (h *Handler) LocalDTLSParameters() (params.DTLSParameters, error) {
	certs := h.pc.GetConfiguration().Certificates
	if len(certs) == 0 {
		return params.DTLSParameters{}, errors.New("no local certificate")
	}
	fps, err := certs[0].GetFingerprints()
	if err != nil {
		return params.DTLSParameters{}, err
	}
	out := params.DTLSParameters{Role: params.DTLSRoleClient}
	for _, fp := range fps {
		// mediasoup compares fingerprints as written in SDP: upper-case hex.
		out.Fingerprints = append(out.Fingerprints, params.DTLSFingerprint{Algorithm: fp.Algorithm, Value: strings.ToUpper(fp.Value)})
	}
	return out, nil
}

// Close closes the peer connection and wakes any reader of a track that
// never started.
func (h *Handler) Close() error {
	h.closed.Store(true)
	err := h.pc.Close()
	for _, tr := range h.pc.GetTransceivers() {
		if h.dir == handler.DirectionRecv {
			release(tr.Receiver())
		}
	}
	return err
}

// UpdateICEServers sets new ICE servers on the peer connection.
func (h *Handler) UpdateICEServers(servers []webrtc.ICEServer) error {
	cfg := h.pc.GetConfiguration()
	cfg.ICEServers = servers
	return h.pc.SetConfiguration(cfg)
}

func (h *Handler) takeMID(kind params.MediaKind) (mid string, reused bool) {
	if h.dir == handler.DirectionRecv {
		h.reusableMIDs()
	}
	if free := h.freeMIDs[kind]; len(free) > 0 {
		mid = free[len(free)-1]
		h.freeMIDs[kind] = free[:len(free)-1]
		delete(h.parked, mid)
		return mid, true
	}
	mid = strconv.Itoa(h.nextMID)
	h.nextMID++
	return mid, false
}

func (h *Handler) releaseMID(mid string) {
	kind := h.kinds[mid]
	h.freeMIDs[kind] = append(h.freeMIDs[kind], mid)
}

func pionKind(k params.MediaKind) webrtc.RTPCodecType {
	if k == params.MediaKindAudio {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("negotiation: %w", err)
	}
	return nil
}

// HasSCTP reports whether the transport was given SCTP parameters.
func (h *Handler) HasSCTP() bool { return h.sctp != nil }

// recvCodecs lists the receivable codecs of each kind as codec parameters.
func recvCodecs(ext ortc.ExtendedRTPCapabilities) map[params.MediaKind][]params.RTPCodecParameters {
	out := map[params.MediaKind][]params.RTPCodecParameters{}
	for _, c := range ortc.GetRecvRTPCapabilities(ext).Codecs {
		if c.PreferredPayloadType == nil {
			continue
		}
		out[c.Kind] = append(out[c.Kind], params.RTPCodecParameters{
			MimeType: c.MimeType, PayloadType: *c.PreferredPayloadType, ClockRate: c.ClockRate,
			Channels: c.Channels, Parameters: c.Parameters, RTCPFeedback: c.RTCPFeedback,
		})
	}
	return out
}

// parkRTP gives, per kind, every receivable codec and header extension:
// a parked section stays a valid section of its kind even when it is the
// first one pion sees.
func parkRTP(ext ortc.ExtendedRTPCapabilities) map[params.MediaKind]params.RTPParameters {
	codecs := recvCodecs(ext)
	caps := ortc.GetRecvRTPCapabilities(ext)
	out := map[params.MediaKind]params.RTPParameters{}
	for _, kind := range []params.MediaKind{params.MediaKindAudio, params.MediaKindVideo} {
		p := params.RTPParameters{Codecs: codecs[kind]}
		for _, e := range caps.HeaderExtensions {
			if e.Kind == kind && e.Direction != "sendonly" && e.Direction != "inactive" {
				p.HeaderExtensions = append(p.HeaderExtensions, params.RTPHeaderExtensionParameters{URI: e.URI, ID: e.PreferredID})
			}
		}
		out[kind] = p
	}
	return out
}

// withAllCodecs appends every other receivable codec of the kind. pion v3
// fixes a peer connection's codecs of a kind from the first section of that
// kind it negotiates, so that section must list them all for consumers of
// other codecs to work later on the same transport.
func (h *Handler) withAllCodecs(kind params.MediaKind, p params.RTPParameters) params.RTPParameters {
	out := p
	out.Codecs = handler.AppendMissingCodecs(p.Codecs, h.recvCodecs[kind])
	return out
}

// RestartICE applies the server's new ICE parameters: a receive transport
// answers an offer carrying them, a send transport offers with new local
// credentials and applies an answer carrying them.
func (h *Handler) RestartICE(ctx context.Context, ice params.ICEParameters) error {
	if err := h.usable(); err != nil {
		return err
	}
	if h.dir == handler.DirectionRecv {
		old := h.remote.ICEParameters()
		h.remote.UpdateICEParameters(ice)
		return h.negotiate(ctx, func() { h.remote.UpdateICEParameters(old) })
	}
	h.remote.UpdateICEParameters(ice)
	if err := ctxErr(ctx); err != nil {
		return err
	}
	offer, err := h.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err == nil {
		err = h.pc.SetLocalDescription(offer)
	}
	if err != nil {
		return fmt.Errorf("ICE restart offer: %w", err)
	}
	return h.applyAnswer()
}
