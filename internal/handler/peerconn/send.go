package peerconn

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
)

// Send adds a sending media section and negotiates it. The RTP parameters
// returned are the ones to give the server's produce.
func (h *Handler) Send(ctx context.Context, o handler.SendOptions) (handler.SendResult, error) {
	if h.dir != handler.DirectionSend {
		return handler.SendResult{}, fmt.Errorf("send on a receive transport: %w", params.ErrUnsupported)
	}
	if err := ctxErr(ctx); err != nil {
		return handler.SendResult{}, err
	}
	kind := params.MediaKind(o.Track.Kind().String())
	sending := ortc.GetSendingRTPParameters(kind, h.ext)
	remote := ortc.GetSendingRemoteRTPParameters(kind, h.ext)
	var err error
	if sending.Codecs, err = ortc.ReduceCodecs(sending.Codecs, o.Codec); err != nil {
		return handler.SendResult{}, err
	}
	allRemote := remote.Codecs
	if remote.Codecs, err = ortc.ReduceCodecs(remote.Codecs, o.Codec); err != nil {
		return handler.SendResult{}, err
	}
	if !h.kindApplied[kind] {
		// pion v3 fixes the connection's codecs of a kind from the first
		// section of that kind: that answer lists every codec, the chosen
		// one first, so later producers can use the others.
		remote.Codecs = handler.AppendMissingCodecs(remote.Codecs, allRemote)
	}

	pt := webrtc.PayloadType(sending.Codecs[0].PayloadType)
	tr, sender, err := h.addSender(kind, pinnedTrack{TrackLocal: o.Track, pt: pt})
	if err != nil {
		return handler.SendResult{}, err
	}
	rollback := func() {
		_ = h.pc.RemoveTrack(sender)
	}
	for _, lt := range o.LayerTracks {
		if err := sender.AddEncoding(pinnedTrack{TrackLocal: lt, pt: pt}); err != nil {
			rollback()
			return handler.SendResult{}, fmt.Errorf("add simulcast layer %q: %w", lt.RID(), err)
		}
	}
	if o.OnSender != nil {
		o.OnSender(sender)
	}
	offer, err := h.localOffer()
	if err != nil {
		rollback()
		return handler.SendResult{}, err
	}
	mid := tr.Mid()
	parsed := &psdp.SessionDescription{}
	if err := parsed.UnmarshalString(offer.SDP); err != nil {
		return handler.SendResult{}, fmt.Errorf("parse local offer: %w", err)
	}
	var media *psdp.MediaDescription
	for _, md := range parsed.MediaDescriptions {
		if v, _ := md.Attribute("mid"); v == mid {
			media = md
		}
	}
	if media == nil {
		return handler.SendResult{}, fmt.Errorf("local offer has no mid %s", mid)
	}
	rids := offerRIDs(media)
	extra := codecOptionFmtp(kind, o.CodecOptions)
	applyCodecOptions(&sending, extra)
	if o.CodecOptions != nil && o.CodecOptions.OpusNACK != nil && kind == params.MediaKindAudio {
		setNACK(&sending, *o.CodecOptions.OpusNACK)
		setNACK(&remote, *o.CodecOptions.OpusNACK)
	}
	h.kinds[mid] = kind
	h.transceivers[mid] = tr
	h.sendPT[mid] = pt
	h.syncAnswer(parsed, mid, sdp.MediaOptions{MID: mid, Kind: kind, RTPParameters: remote, RIDs: rids, ExtraFmtp: extraByPT(remote, extra)})
	if err := h.applyAnswer(); err != nil {
		return handler.SendResult{}, err
	}
	h.kindApplied[kind] = true

	sending.MID = mid
	sending.RTCP.CNAME = offerCNAME(media)
	sending.Encodings = buildEncodings(media, rids, o.Encodings)
	return handler.SendResult{LocalID: mid, Transceiver: tr, Sender: sender, RTPParameters: sending}, nil
}

func (h *Handler) addSender(kind params.MediaKind, track webrtc.TrackLocal) (*webrtc.RTPTransceiver, *webrtc.RTPSender, error) {
	if free := h.freeMIDs[kind]; len(free) > 0 {
		sender, err := h.pc.AddTrack(track)
		if err != nil {
			return nil, nil, fmt.Errorf("add track: %w", err)
		}
		for _, t := range h.pc.GetTransceivers() {
			if t.Sender() == sender {
				for i, m := range free {
					if m == t.Mid() {
						h.freeMIDs[kind] = append(free[:i], free[i+1:]...)
						break
					}
				}
				return t, sender, nil
			}
		}
		return nil, nil, errors.New("added track has no transceiver")
	}
	tr, err := h.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, nil, fmt.Errorf("add transceiver: %w", err)
	}
	return tr, tr.Sender(), nil
}

// syncAnswer makes the remote answer mirror the local offer's sections in
// order: the new or reused mid gets o, a data section gets SCTP.
func (h *Handler) syncAnswer(offer *psdp.SessionDescription, mid string, o sdp.MediaOptions) {
	for _, md := range offer.MediaDescriptions {
		m, _ := md.Attribute("mid")
		switch {
		case m == mid:
			h.remote.SetMedia(o)
		case md.MediaName.Media == "application":
			if !h.remote.HasMID(m) {
				h.remote.SetApplication(m)
			}
		}
	}
}

func (h *Handler) applyAnswer() error {
	answer := webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: h.remote.Text()}
	if err := h.pc.SetRemoteDescription(answer); err != nil {
		return fmt.Errorf("set remote answer: %w", err)
	}
	h.renegotiations.Add(1)
	return nil
}

// StopSending removes a producer's track and negotiates its section off.
func (h *Handler) StopSending(ctx context.Context, mid string) error {
	tr := h.transceivers[mid]
	if tr == nil {
		return nil
	}
	if s := tr.Sender(); s != nil {
		if err := h.pc.RemoveTrack(s); err != nil {
			return fmt.Errorf("remove track: %w", err)
		}
	}
	h.remote.Disable(mid, h.kinds[mid])
	h.releaseMID(mid)
	if h.pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
		return nil
	}
	if _, err := h.localOffer(); err != nil {
		return err
	}
	return h.applyAnswer()
}

// ReplaceTrack swaps the track of a producer without renegotiation.
func (h *Handler) ReplaceTrack(mid string, track webrtc.TrackLocal) error {
	tr := h.transceivers[mid]
	if tr == nil || tr.Sender() == nil {
		return fmt.Errorf("no sender for mid %s: %w", mid, params.ErrInvalidState)
	}
	return tr.Sender().ReplaceTrack(pinnedTrack{TrackLocal: track, pt: h.sendPT[mid]})
}

// pinnedTrack makes a track bind to the producer's codec: pion binds a
// track to the first negotiated codec of its mime type, which is not the
// chosen one when several profiles of a codec were negotiated.
type pinnedTrack struct {
	webrtc.TrackLocal
	pt webrtc.PayloadType
}

// Bind binds the inner track to the chosen codec.
func (p pinnedTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	return p.TrackLocal.Bind(pinnedContext{TrackLocalContext: ctx, pt: p.pt})
}

type pinnedContext struct {
	webrtc.TrackLocalContext
	pt webrtc.PayloadType
}

func (c pinnedContext) CodecParameters() []webrtc.RTPCodecParameters {
	codecs := c.TrackLocalContext.CodecParameters()
	for _, codec := range codecs {
		if codec.PayloadType == c.pt {
			// Only the chosen codec: pion's fuzzy match would otherwise
			// prefer another profile whose fmtp matches the track's better.
			return []webrtc.RTPCodecParameters{codec}
		}
	}
	return codecs
}

func offerRIDs(md *psdp.MediaDescription) []string {
	var rids []string
	for _, a := range md.Attributes {
		if a.Key == "rid" {
			f := strings.Fields(a.Value)
			if len(f) >= 2 && f[1] == "send" {
				rids = append(rids, f[0])
			}
		}
	}
	return rids
}

func offerCNAME(md *psdp.MediaDescription) string {
	for _, a := range md.Attributes {
		if a.Key == "ssrc" {
			if _, rest, ok := strings.Cut(a.Value, " "); ok && strings.HasPrefix(rest, "cname:") {
				return strings.TrimPrefix(rest, "cname:")
			}
		}
	}
	return ""
}

func offerSSRCs(md *psdp.MediaDescription) (ssrcs []uint32, rtx map[uint32]uint32) {
	rtx = map[uint32]uint32{}
	seen := map[uint32]bool{}
	for _, a := range md.Attributes {
		switch a.Key {
		case "ssrc":
			s, _, _ := strings.Cut(a.Value, " ")
			if v, err := strconv.ParseUint(s, 10, 32); err == nil && !seen[uint32(v)] {
				seen[uint32(v)] = true
				ssrcs = append(ssrcs, uint32(v))
			}
		case "ssrc-group":
			f := strings.Fields(a.Value)
			if len(f) == 3 && f[0] == "FID" {
				m, err1 := strconv.ParseUint(f[1], 10, 32)
				r, err2 := strconv.ParseUint(f[2], 10, 32)
				if err1 == nil && err2 == nil {
					rtx[uint32(m)] = uint32(r)
				}
			}
		}
	}
	primaries := ssrcs[:0]
	isRTX := map[uint32]bool{}
	for _, r := range rtx {
		isRTX[r] = true
	}
	for _, s := range ssrcs {
		if !isRTX[s] {
			primaries = append(primaries, s)
		}
	}
	return primaries, rtx
}

// buildEncodings reads the streams pion will send and merges the
// application's encoding settings.
func buildEncodings(md *psdp.MediaDescription, rids []string, requested []params.RTPEncodingParameters) []params.RTPEncodingParameters {
	// pion v3 writes no RID header extension, so simulcast layers are
	// signaled to the server by their SSRCs (in the offer, in layer order).
	var out []params.RTPEncodingParameters
	ssrcs, rtx := offerSSRCs(md)
	n := 1
	if len(rids) > 1 {
		n = len(rids)
	}
	for i := 0; i < n && i < len(ssrcs); i++ {
		e := params.RTPEncodingParameters{SSRC: ssrcs[i]}
		if r, ok := rtx[ssrcs[i]]; ok {
			e.RTX = &params.RTPEncodingRTX{SSRC: r}
		}
		out = append(out, e)
	}
	for i := range out {
		if i >= len(requested) {
			break
		}
		r := requested[i]
		e := &out[i]
		e.MaxBitrate, e.MaxFramerate, e.ScalabilityMode = r.MaxBitrate, r.MaxFramerate, r.ScalabilityMode
		e.ScaleResolutionDownBy, e.DTX, e.Priority, e.NetworkPriority = r.ScaleResolutionDownBy, r.DTX, r.Priority, r.NetworkPriority
		e.Active, e.AdaptivePtime = r.Active, r.AdaptivePtime
	}
	return out
}

// codecOptionFmtp turns codec options into fmtp parameters.
func codecOptionFmtp(kind params.MediaKind, o *handler.CodecOptions) params.CodecParameters {
	if o == nil {
		return nil
	}
	p := params.CodecParameters{}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	if kind == params.MediaKindAudio {
		if o.OpusStereo != nil {
			p["stereo"], p["sprop-stereo"] = b(*o.OpusStereo), b(*o.OpusStereo)
		}
		if o.OpusFEC != nil {
			p["useinbandfec"] = b(*o.OpusFEC)
		}
		if o.OpusDTX != nil {
			p["usedtx"] = b(*o.OpusDTX)
		}
		if o.OpusMaxPlaybackRate != nil {
			p["maxplaybackrate"] = float64(*o.OpusMaxPlaybackRate)
		}
		if o.OpusMaxAverageBitrate != nil {
			p["maxaveragebitrate"] = float64(*o.OpusMaxAverageBitrate)
		}
		if o.OpusPtime != nil {
			p["ptime"] = float64(*o.OpusPtime)
		}
		return p
	}
	if o.VideoGoogleStartBitrate != nil {
		p["x-google-start-bitrate"] = float64(*o.VideoGoogleStartBitrate)
	}
	if o.VideoGoogleMaxBitrate != nil {
		p["x-google-max-bitrate"] = float64(*o.VideoGoogleMaxBitrate)
	}
	if o.VideoGoogleMinBitrate != nil {
		p["x-google-min-bitrate"] = float64(*o.VideoGoogleMinBitrate)
	}
	return p
}

// applyCodecOptions copies the options onto the media codec of the
// parameters sent to the server (opusNack toggles the nack feedback).
func applyCodecOptions(p *params.RTPParameters, extra params.CodecParameters) {
	if len(p.Codecs) == 0 || len(extra) == 0 {
		return
	}
	c := &p.Codecs[0]
	if c.Parameters == nil {
		c.Parameters = params.CodecParameters{}
	}
	for k, v := range extra {
		if k == "stereo" {
			continue
		}
		c.Parameters[k] = v
	}
}

func extraByPT(p params.RTPParameters, extra params.CodecParameters) map[uint8]params.CodecParameters {
	if len(p.Codecs) == 0 || len(extra) == 0 {
		return nil
	}
	return map[uint8]params.CodecParameters{p.Codecs[0].PayloadType: extra}
}

// setNACK adds or removes plain NACK feedback on the media codec.
func setNACK(p *params.RTPParameters, on bool) {
	if len(p.Codecs) == 0 {
		return
	}
	c := &p.Codecs[0]
	nack := params.RTCPFeedback{Type: "nack"}
	kept := c.RTCPFeedback[:0:0]
	for _, fb := range c.RTCPFeedback {
		if fb != nack {
			kept = append(kept, fb)
		}
	}
	if on {
		kept = append(kept, nack)
	}
	c.RTCPFeedback = kept
}

// localOffer creates the local offer of a send round and applies it.
func (h *Handler) localOffer() (webrtc.SessionDescription, error) {
	offer, err := h.pc.CreateOffer(nil)
	if err == nil {
		err = h.pc.SetLocalDescription(offer)
	}
	if err != nil {
		return webrtc.SessionDescription{}, fmt.Errorf("local offer: %w", err)
	}
	return offer, nil
}
