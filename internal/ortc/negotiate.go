package ortc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/soupkit/mediasoup-client-go/internal/ortc/h264"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// RTP probator values. mediasoup probes the bandwidth of a receive transport
// with packets of this mid, SSRC and payload type; a receiver that has a
// media section for them drops the probes quietly.
const (
	// RTPProbatorMID is the mid of the probator media section.
	RTPProbatorMID = "probator"
	// RTPProbatorSSRC is the SSRC of the probation packets.
	RTPProbatorSSRC uint32 = 1234
	// RTPProbatorCodecPayloadType is the payload type of the probation
	// packets.
	RTPProbatorCodecPayloadType uint8 = 127
)

// Header extension URIs that decide which congestion-control feedback the
// remote side gets.
const (
	negURITransportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	negURIAbsSendTime     = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
)

// ExtendedCodec is a codec both endpoints support, with the payload types
// and parameters each side uses for it. "Local" is this device (the pion
// handler), "remote" is the mediasoup router.
type ExtendedCodec struct {
	// Kind is the media kind.
	Kind params.MediaKind
	// MimeType is the local spelling of the codec's MIME type.
	MimeType string
	// ClockRate is the RTP clock rate.
	ClockRate int
	// Channels is the number of audio channels; nil for video.
	Channels *int
	// LocalPayloadType is the payload type the device uses.
	LocalPayloadType uint8
	// LocalRTXPayloadType is the device's RTX payload type, nil when either
	// side lacks RTX for this codec.
	LocalRTXPayloadType *uint8
	// RemotePayloadType is the payload type the router uses.
	RemotePayloadType uint8
	// RemoteRTXPayloadType is the router's RTX payload type, nil when either
	// side lacks RTX for this codec.
	RemoteRTXPayloadType *uint8
	// LocalParameters are the device's codec parameters (for H264 with the
	// negotiated profile-level-id).
	LocalParameters params.CodecParameters
	// RemoteParameters are the router's codec parameters (for H264 with the
	// negotiated profile-level-id).
	RemoteParameters params.CodecParameters
	// RTCPFeedback is the feedback both sides support.
	RTCPFeedback []params.RTCPFeedback
}

// ExtendedHeaderExtension is a header extension both endpoints support.
type ExtendedHeaderExtension struct {
	// Kind is the media kind, empty when it applies to both.
	Kind params.MediaKind
	// URI identifies the extension.
	URI string
	// SendID is the extension ID in the packets the device sends (its own
	// preferred ID).
	SendID int
	// RecvID is the extension ID in the packets the device receives (the
	// router's preferred ID).
	RecvID int
	// Encrypt tells whether the extension is encrypted.
	Encrypt bool
	// Direction is where the device may use the extension: the router's
	// direction seen from the device's side (router recvonly → sendonly).
	Direction params.RTPHeaderExtensionDirection
}

// ExtendedRTPCapabilities is what the device and the router have in common,
// computed once when the device loads.
type ExtendedRTPCapabilities struct {
	// Codecs are the media codecs in common, in the preferred order.
	Codecs []ExtendedCodec
	// HeaderExtensions are the header extensions in common, in the router's
	// order.
	HeaderExtensions []ExtendedHeaderExtension
}

// GetExtendedRTPCapabilities matches the device's capabilities (local)
// against the router's (remote), as mediasoup-client does when a device
// loads.
//
// Media codecs are matched strictly (see MatchCodecs); an H264 pair gets the
// profile-level-id an SDP answer would carry written into both its local and
// remote parameters. The result keeps the router's codec order, or the
// device's when preferLocalCodecsOrder is set. RTX is paired through the
// "apt" parameter and kept only when both sides have it. A header extension
// is kept when the device has one of the same URI and kind; its direction is
// the router's, turned to the device's point of view.
//
// Codecs without a match are left out: a device may share no codec of a
// kind with the router (CanSend then reports false). The only errors, which
// wrap params.ErrInvalidParameters, are capabilities mediasoup-client's
// validation would reject: a codec whose MIME type is not audio/* or video/*
// and a matched codec without a preferred payload type. The inputs are not
// modified.
func GetExtendedRTPCapabilities(local, remote params.RTPCapabilities, preferLocalCodecsOrder bool) (ExtendedRTPCapabilities, error) {
	var ext ExtendedRTPCapabilities
	if err := negCheckKinds("local", local.Codecs); err != nil {
		return ext, err
	}
	if err := negCheckKinds("remote", remote.Codecs); err != nil {
		return ext, err
	}

	addPair := func(lc, rc *params.RTPCodecCapability, answer negH264Answer) error {
		if lc.PreferredPayloadType == nil {
			return fmt.Errorf("codec %s in the local capabilities has no preferredPayloadType: %w", lc, params.ErrInvalidParameters)
		}
		if rc.PreferredPayloadType == nil {
			return fmt.Errorf("codec %s in the remote capabilities has no preferredPayloadType: %w", rc, params.ErrInvalidParameters)
		}
		kind, _ := negKindOf(lc.MimeType)
		ext.Codecs = append(ext.Codecs, ExtendedCodec{
			Kind:              kind,
			MimeType:          lc.MimeType,
			ClockRate:         lc.ClockRate,
			Channels:          negNormalizedChannels(kind, lc.Channels),
			LocalPayloadType:  *lc.PreferredPayloadType,
			RemotePayloadType: *rc.PreferredPayloadType,
			LocalParameters:   answer.apply(lc.Parameters),
			RemoteParameters:  answer.apply(rc.Parameters),
			RTCPFeedback:      negReduceFeedback(lc.RTCPFeedback, rc.RTCPFeedback),
		})
		return nil
	}

	if preferLocalCodecsOrder {
		for i := range local.Codecs {
			lc := &local.Codecs[i]
			if negIsRTX(lc.MimeType) {
				continue
			}
			for j := range remote.Codecs {
				rc := &remote.Codecs[j]
				// mediasoup-client passes the router's codec first here, so
				// the router's side is the "local" one of the H264 answer.
				ok, answer := negMatch(negViewOfCapability(rc), negViewOfCapability(lc), true)
				if !ok {
					continue
				}
				if err := addPair(lc, rc, answer); err != nil {
					return ExtendedRTPCapabilities{}, err
				}
				break
			}
		}
	} else {
		for j := range remote.Codecs {
			rc := &remote.Codecs[j]
			if negIsRTX(rc.MimeType) {
				continue
			}
			for i := range local.Codecs {
				lc := &local.Codecs[i]
				ok, answer := negMatch(negViewOfCapability(lc), negViewOfCapability(rc), true)
				if !ok {
					continue
				}
				if err := addPair(lc, rc, answer); err != nil {
					return ExtendedRTPCapabilities{}, err
				}
				break
			}
		}
	}

	for i := range ext.Codecs {
		c := &ext.Codecs[i]
		localRTX := negFindRTX(local.Codecs, c.LocalPayloadType)
		remoteRTX := negFindRTX(remote.Codecs, c.RemotePayloadType)
		if localRTX == nil || remoteRTX == nil {
			continue
		}
		if localRTX.PreferredPayloadType == nil || remoteRTX.PreferredPayloadType == nil {
			return ExtendedRTPCapabilities{}, fmt.Errorf("RTX codec for %s has no preferredPayloadType: %w", c.MimeType, params.ErrInvalidParameters)
		}
		lpt, rpt := *localRTX.PreferredPayloadType, *remoteRTX.PreferredPayloadType
		c.LocalRTXPayloadType, c.RemoteRTXPayloadType = &lpt, &rpt
	}

	for _, re := range remote.HeaderExtensions {
		var match *params.RTPHeaderExtension
		for i := range local.HeaderExtensions {
			le := &local.HeaderExtensions[i]
			if le.URI == re.URI && (le.Kind == "" || re.Kind == "" || le.Kind == re.Kind) {
				match = le
				break
			}
		}
		if match == nil {
			continue
		}
		ext.HeaderExtensions = append(ext.HeaderExtensions, ExtendedHeaderExtension{
			Kind:      re.Kind,
			URI:       re.URI,
			SendID:    match.PreferredID,
			RecvID:    re.PreferredID,
			Encrypt:   match.PreferredEncrypt,
			Direction: negDeviceDirection(re.Direction),
		})
	}
	return ext, nil
}

// negDeviceDirection turns the router's direction for a header extension
// into the device's: what the router only receives, the device only sends.
func negDeviceDirection(router params.RTPHeaderExtensionDirection) params.RTPHeaderExtensionDirection {
	switch router {
	case params.DirectionRecvOnly:
		return params.DirectionSendOnly
	case params.DirectionSendOnly:
		return params.DirectionRecvOnly
	case params.DirectionInactive:
		return params.DirectionInactive
	}
	return params.DirectionSendRecv
}

// GetRecvRTPCapabilities returns the RTP capabilities the device can
// receive with: every codec in common with the router's payload types and
// the device's parameters, plus their RTX, and the header extensions usable
// for receiving (sendrecv or recvonly) with the router's IDs. This is what a
// mediasoup server's consume wants.
func GetRecvRTPCapabilities(ext ExtendedRTPCapabilities) params.RTPCapabilities {
	return negCapabilities(ext, params.DirectionRecvOnly)
}

// GetSendRTPCapabilities returns the RTP capabilities the device can send
// with. As in mediasoup-client 3.24 it lists the same codecs as
// GetRecvRTPCapabilities (router payload types, device parameters) and
// differs in the header extensions, keeping those usable for sending
// (sendrecv or sendonly).
func GetSendRTPCapabilities(ext ExtendedRTPCapabilities) params.RTPCapabilities {
	return negCapabilities(ext, params.DirectionSendOnly)
}

func negCapabilities(ext ExtendedRTPCapabilities, dir params.RTPHeaderExtensionDirection) params.RTPCapabilities {
	caps := params.RTPCapabilities{
		Codecs:           make([]params.RTPCodecCapability, 0, 2*len(ext.Codecs)),
		HeaderExtensions: make([]params.RTPHeaderExtension, 0, len(ext.HeaderExtensions)),
	}
	for i := range ext.Codecs {
		c := &ext.Codecs[i]
		pt := c.RemotePayloadType
		caps.Codecs = append(caps.Codecs, params.RTPCodecCapability{
			Kind:                 c.Kind,
			MimeType:             c.MimeType,
			PreferredPayloadType: &pt,
			ClockRate:            c.ClockRate,
			Channels:             negCopyInt(c.Channels),
			Parameters:           negCloneParams(c.LocalParameters),
			RTCPFeedback:         negCopyFeedback(c.RTCPFeedback),
		})
		if c.RemoteRTXPayloadType == nil {
			continue
		}
		rtxPT := *c.RemoteRTXPayloadType
		caps.Codecs = append(caps.Codecs, params.RTPCodecCapability{
			Kind:                 c.Kind,
			MimeType:             string(c.Kind) + "/rtx",
			PreferredPayloadType: &rtxPT,
			ClockRate:            c.ClockRate,
			Parameters:           params.CodecParameters{"apt": int(c.RemotePayloadType)},
			RTCPFeedback:         []params.RTCPFeedback{},
		})
	}
	for _, h := range ext.HeaderExtensions {
		if h.Direction != params.DirectionSendRecv && h.Direction != dir {
			continue
		}
		caps.HeaderExtensions = append(caps.HeaderExtensions, params.RTPHeaderExtension{
			Kind:             h.Kind,
			URI:              h.URI,
			PreferredID:      h.RecvID,
			PreferredEncrypt: h.Encrypt,
			Direction:        h.Direction,
		})
	}
	return caps
}

// GetSendingRTPParameters returns the RTP parameters the device sends media
// of the given kind with: every codec of that kind in common (device payload
// types and parameters) each followed by its RTX, and the header extensions
// of that kind usable for sending, with the device's IDs. MID, encodings and
// RTCP are left empty for the handler to fill in.
func GetSendingRTPParameters(kind params.MediaKind, ext ExtendedRTPCapabilities) params.RTPParameters {
	return negSendingParameters(kind, ext, false)
}

// GetSendingRemoteRTPParameters is GetSendingRTPParameters with the
// router's codec parameters, for the remote answer SDP of a sending
// transport. Its RTCP feedback is trimmed to one congestion controller:
// transport-cc when the transport-wide-cc extension is in use (goog-remb
// dropped), else goog-remb when abs-send-time is (transport-cc dropped),
// else neither.
func GetSendingRemoteRTPParameters(kind params.MediaKind, ext ExtendedRTPCapabilities) params.RTPParameters {
	p := negSendingParameters(kind, ext, true)

	var hasTWCC, hasAbsSendTime bool
	for _, h := range p.HeaderExtensions {
		switch h.URI {
		case negURITransportWideCC:
			hasTWCC = true
		case negURIAbsSendTime:
			hasAbsSendTime = true
		}
	}
	drop := func(fb params.RTCPFeedback) bool {
		switch {
		case hasTWCC:
			return fb.Type == "goog-remb"
		case hasAbsSendTime:
			return fb.Type == "transport-cc"
		}
		return fb.Type == "goog-remb" || fb.Type == "transport-cc"
	}
	for i := range p.Codecs {
		kept := p.Codecs[i].RTCPFeedback[:0]
		for _, fb := range p.Codecs[i].RTCPFeedback {
			if !drop(fb) {
				kept = append(kept, fb)
			}
		}
		p.Codecs[i].RTCPFeedback = kept
	}
	return p
}

func negSendingParameters(kind params.MediaKind, ext ExtendedRTPCapabilities, remoteParams bool) params.RTPParameters {
	var p params.RTPParameters
	for i := range ext.Codecs {
		c := &ext.Codecs[i]
		if c.Kind != kind {
			continue
		}
		codecParams := c.LocalParameters
		if remoteParams {
			codecParams = c.RemoteParameters
		}
		p.Codecs = append(p.Codecs, params.RTPCodecParameters{
			MimeType:     c.MimeType,
			PayloadType:  c.LocalPayloadType,
			ClockRate:    c.ClockRate,
			Channels:     negCopyInt(c.Channels),
			Parameters:   negCloneParams(codecParams),
			RTCPFeedback: negCopyFeedback(c.RTCPFeedback),
		})
		if c.LocalRTXPayloadType == nil {
			continue
		}
		p.Codecs = append(p.Codecs, params.RTPCodecParameters{
			MimeType:     string(c.Kind) + "/rtx",
			PayloadType:  *c.LocalRTXPayloadType,
			ClockRate:    c.ClockRate,
			Parameters:   params.CodecParameters{"apt": int(c.LocalPayloadType)},
			RTCPFeedback: []params.RTCPFeedback{},
		})
	}
	for _, h := range ext.HeaderExtensions {
		if h.Kind != "" && h.Kind != kind {
			continue
		}
		if h.Direction != params.DirectionSendRecv && h.Direction != params.DirectionSendOnly {
			continue
		}
		p.HeaderExtensions = append(p.HeaderExtensions, params.RTPHeaderExtensionParameters{
			URI:        h.URI,
			ID:         h.SendID,
			Encrypt:    h.Encrypt,
			Parameters: params.CodecParameters{},
		})
	}
	return p
}

// ReduceCodecs picks the codec to send from codecs (as produced by
// GetSendingRTPParameters or GetSendingRemoteRTPParameters): the first one
// when capCodec is nil, else the first that strictly matches capCodec (see
// MatchCodecs), in both cases with the RTX codec that follows it. The result
// is a new slice; its elements share parameter maps with codecs.
//
// It fails when codecs is empty (wrapping params.ErrUnsupported) and when
// no codec matches capCodec (wrapping params.ErrInvalidParameters, as
// mediasoup-client throws a TypeError for a codec option it cannot use).
func ReduceCodecs(codecs []params.RTPCodecParameters, capCodec *params.RTPCodecCapability) ([]params.RTPCodecParameters, error) {
	if len(codecs) == 0 {
		return nil, fmt.Errorf("no codec to send: %w", params.ErrUnsupported)
	}
	pick := -1
	if capCodec == nil {
		pick = 0
	} else {
		want := negViewOfCapability(capCodec)
		for i := range codecs {
			if ok, _ := negMatch(negViewOfParameters(&codecs[i]), want, true); ok {
				pick = i
				break
			}
		}
		if pick < 0 {
			return nil, fmt.Errorf("no codec in common for %s: %w",
				negDescribe(capCodec.MimeType, capCodec.ClockRate, capCodec.Parameters), params.ErrInvalidParameters)
		}
	}
	out := make([]params.RTPCodecParameters, 1, 2)
	out[0] = codecs[pick]
	if pick+1 < len(codecs) && negIsRTX(codecs[pick+1].MimeType) {
		out = append(out, codecs[pick+1])
	}
	return out, nil
}

// GenerateProbatorRTPParameters returns the RTP parameters of the probator
// consumer, built from the RTP parameters of a video consumer: mid
// RTPProbatorMID, its first codec with payload type
// RTPProbatorCodecPayloadType, its header extensions, one encoding with SSRC
// RTPProbatorSSRC and CNAME "probator". The input is not modified; when it
// has no codec, neither has the result.
func GenerateProbatorRTPParameters(video params.RTPParameters) params.RTPParameters {
	p := params.RTPParameters{
		MID:       RTPProbatorMID,
		Encodings: []params.RTPEncodingParameters{{SSRC: RTPProbatorSSRC}},
		RTCP:      params.RTCPParameters{CNAME: "probator"},
	}
	if len(video.Codecs) > 0 {
		codec := video.Codecs[0].Clone()
		codec.PayloadType = RTPProbatorCodecPayloadType
		if kind, _ := negKindOf(codec.MimeType); kind != params.MediaKindAudio {
			codec.Channels = nil
		}
		p.Codecs = []params.RTPCodecParameters{codec}
	}
	if video.HeaderExtensions != nil {
		p.HeaderExtensions = make([]params.RTPHeaderExtensionParameters, len(video.HeaderExtensions))
		for i, h := range video.HeaderExtensions {
			h.Parameters = h.Parameters.Clone()
			p.HeaderExtensions[i] = h
		}
	}
	return p
}

// CanSend reports whether the device and the router share a codec of the
// given kind.
func CanSend(kind params.MediaKind, ext ExtendedRTPCapabilities) bool {
	for i := range ext.Codecs {
		if ext.Codecs[i].Kind == kind {
			return true
		}
	}
	return false
}

// CanReceive reports whether RTP parameters the router sends (a consumer's)
// can be received: as in mediasoup-client, their first codec's payload type
// must be one of the receive capabilities' (GetRecvRTPCapabilities). Beyond
// mediasoup-client, every codec at a payload type the device knows must be
// the codec the device has there (same MIME type, clock rate and, for
// audio, channels; RTX at an RTX payload type): pion negotiates by payload
// type and MIME type, and a mismatch (say video/FOO at the router's VP8
// payload type) would fail the negotiation half-way. Codecs at payload types
// the device does not know are left to pion, which ignores them.
//
// When it cannot, the error says why: params.ErrUnsupported for no codec or
// a codec not in common (naming it and what the device has), as
// mediasoup-client's UnsupportedError; params.ErrInvalidParameters for a
// malformed MIME type.
func CanReceive(p params.RTPParameters, ext ExtendedRTPCapabilities) (bool, error) {
	if len(p.Codecs) == 0 {
		return false, fmt.Errorf("RTP parameters have no codec: %w", params.ErrUnsupported)
	}
	for i := range p.Codecs {
		c := &p.Codecs[i]
		if _, ok := negKindOf(c.MimeType); !ok {
			return false, fmt.Errorf("codec mimeType %q is not audio/* or video/*: %w", c.MimeType, params.ErrInvalidParameters)
		}
		known, err := negCheckReceivedCodec(c, ext)
		if err != nil {
			return false, err
		}
		if i == 0 && !known {
			return false, fmt.Errorf("no codec in common for %s payload type %d: %w",
				negDescribe(c.MimeType, c.ClockRate, c.Parameters), c.PayloadType, params.ErrUnsupported)
		}
	}
	return true, nil
}

// negCheckReceivedCodec looks c's payload type up among the router's
// payload types in ext; when found, c must be the codec ext has there.
func negCheckReceivedCodec(c *params.RTPCodecParameters, ext ExtendedRTPCapabilities) (bool, error) {
	for i := range ext.Codecs {
		e := &ext.Codecs[i]
		if e.RemoteRTXPayloadType != nil && *e.RemoteRTXPayloadType == c.PayloadType {
			if !negIsRTX(c.MimeType) || c.ClockRate != e.ClockRate {
				return true, fmt.Errorf("codec %s at payload type %d, where the device receives %s/rtx/%d: %w",
					negDescribe(c.MimeType, c.ClockRate, nil), c.PayloadType, e.Kind, e.ClockRate, params.ErrUnsupported)
			}
			return true, nil
		}
		if e.RemotePayloadType != c.PayloadType {
			continue
		}
		kind, _ := negKindOf(c.MimeType)
		same := strings.EqualFold(c.MimeType, e.MimeType) && c.ClockRate == e.ClockRate
		if same && kind == params.MediaKindAudio {
			same = *negNormalizedChannels(kind, c.Channels) == *negNormalizedChannels(kind, e.Channels)
		}
		if !same {
			want := negDescribe(e.MimeType, e.ClockRate, nil)
			if e.Channels != nil {
				want += fmt.Sprintf("/%d", *e.Channels)
			}
			return true, fmt.Errorf("codec %s at payload type %d, where the device receives %s: %w",
				negDescribe(c.MimeType, c.ClockRate, c.Parameters), c.PayloadType, want, params.ErrUnsupported)
		}
		return true, nil
	}
	return false, nil
}

// MatchCodecs reports whether a and b describe the same codec: same MIME
// type (case-insensitive), clock rate and, for audio, channel count (unset
// meaning 1). For multiopus the stream layout (num_streams,
// coupled_streams) must match too.
//
// In strict mode the codec-specific parameters count: for H264 the
// packetization-mode (unset meaning 0) must be equal, the profile the same
// (h264.IsSameProfile, an unset profile-level-id meaning 42e01f) and an
// answer profile-level-id must exist (h264.GenerateProfileLevelIDForAnswer
// with a as the local side); for VP9 the profile-id (unset meaning 0) must
// be equal. Numbers and numeric strings compare by value.
//
// With strict and modify set and a match on H264, the answer
// profile-level-id is written into both a.Parameters and b.Parameters
// (removed when neither had one). The maps are replaced by modified copies,
// so maps shared with other values are not touched. Nil codecs never match.
func MatchCodecs(a, b *params.RTPCodecCapability, strict, modify bool) bool {
	if a == nil || b == nil {
		return false
	}
	ok, answer := negMatch(negViewOfCapability(a), negViewOfCapability(b), strict)
	if ok && modify && answer.isH264 {
		a.Parameters = answer.apply(a.Parameters)
		b.Parameters = answer.apply(b.Parameters)
	}
	return ok
}

// negCodecView is the part of a codec capability or codec parameters that
// matching looks at.
type negCodecView struct {
	mimeType  string
	clockRate int
	channels  *int
	params    params.CodecParameters
}

func negViewOfCapability(c *params.RTPCodecCapability) negCodecView {
	return negCodecView{mimeType: c.MimeType, clockRate: c.ClockRate, channels: c.Channels, params: c.Parameters}
}

func negViewOfParameters(c *params.RTPCodecParameters) negCodecView {
	return negCodecView{mimeType: c.MimeType, clockRate: c.ClockRate, channels: c.Channels, params: c.Parameters}
}

// negH264Answer is the profile-level-id an H264 match settles on.
type negH264Answer struct {
	isH264         bool
	profileLevelID string // empty: leave the parameter out
}

// apply returns a copy of p carrying the answer's profile-level-id, or a
// plain copy when the match was not H264. The copy is never nil.
func (a negH264Answer) apply(p params.CodecParameters) params.CodecParameters {
	out := negCloneParams(p)
	if !a.isH264 {
		return out
	}
	if a.profileLevelID == "" {
		delete(out, "profile-level-id")
	} else {
		out["profile-level-id"] = a.profileLevelID
	}
	return out
}

// negMatch is MatchCodecs on views; for a strict H264 match it also returns
// the answer profile-level-id, a taken as the local (answering) side.
func negMatch(a, b negCodecView, strict bool) (bool, negH264Answer) {
	if !strings.EqualFold(a.mimeType, b.mimeType) || a.clockRate != b.clockRate {
		return false, negH264Answer{}
	}
	kind, _ := negKindOf(a.mimeType)
	if kind == params.MediaKindAudio {
		if *negNormalizedChannels(kind, a.channels) != *negNormalizedChannels(kind, b.channels) {
			return false, negH264Answer{}
		}
	}

	switch {
	case strings.EqualFold(a.mimeType, "audio/multiopus"):
		if negParamText(a.params, "num_streams", "") != negParamText(b.params, "num_streams", "") ||
			negParamText(a.params, "coupled_streams", "") != negParamText(b.params, "coupled_streams", "") {
			return false, negH264Answer{}
		}
	case strings.EqualFold(a.mimeType, "video/h264"):
		if !strict {
			break
		}
		if negParamText(a.params, "packetization-mode", "0") != negParamText(b.params, "packetization-mode", "0") {
			return false, negH264Answer{}
		}
		if !h264.IsSameProfile(a.params, b.params) {
			return false, negH264Answer{}
		}
		plid, err := h264.GenerateProfileLevelIDForAnswer(a.params, b.params)
		if err != nil {
			return false, negH264Answer{}
		}
		return true, negH264Answer{isH264: true, profileLevelID: plid}
	case strings.EqualFold(a.mimeType, "video/vp9"):
		if strict && negParamText(a.params, "profile-id", "0") != negParamText(b.params, "profile-id", "0") {
			return false, negH264Answer{}
		}
	}
	return true, negH264Answer{}
}

// negParamText returns a codec parameter in a form where 1, 1.0 and "1"
// compare equal; def when the parameter is unset.
func negParamText(p params.CodecParameters, key, def string) string {
	v, ok := p[key]
	if !ok {
		return def
	}
	if n, ok := p.Int(key); ok {
		return strconv.Itoa(n)
	}
	if s, ok := p.String(key); ok {
		return s
	}
	return fmt.Sprint(v)
}

// negKindOf returns the media kind of a MIME type "audio/x" or "video/x".
func negKindOf(mimeType string) (params.MediaKind, bool) {
	slash := strings.IndexByte(mimeType, '/')
	if slash < 0 || slash == len(mimeType)-1 {
		return "", false
	}
	switch prefix := mimeType[:slash]; {
	case strings.EqualFold(prefix, "audio"):
		return params.MediaKindAudio, true
	case strings.EqualFold(prefix, "video"):
		return params.MediaKindVideo, true
	}
	return "", false
}

func negCheckKinds(side string, codecs []params.RTPCodecCapability) error {
	for i := range codecs {
		if _, ok := negKindOf(codecs[i].MimeType); !ok {
			return fmt.Errorf("codec mimeType %q in the %s capabilities is not audio/* or video/*: %w", codecs[i].MimeType, side, params.ErrInvalidParameters)
		}
	}
	return nil
}

// negIsRTX reports whether a MIME type is "<kind>/rtx".
func negIsRTX(mimeType string) bool {
	const suffix = "/rtx"
	return len(mimeType) > len(suffix) && strings.EqualFold(mimeType[len(mimeType)-len(suffix):], suffix)
}

// negFindRTX returns the first RTX codec whose apt is pt.
func negFindRTX(codecs []params.RTPCodecCapability, pt uint8) *params.RTPCodecCapability {
	for i := range codecs {
		if !negIsRTX(codecs[i].MimeType) {
			continue
		}
		if apt, ok := codecs[i].Parameters.Int("apt"); ok && apt == int(pt) {
			return &codecs[i]
		}
	}
	return nil
}

// negNormalizedChannels returns the channel count as mediasoup-client's
// validation leaves it: 1 when unset for audio, nil for video.
func negNormalizedChannels(kind params.MediaKind, ch *int) *int {
	if kind != params.MediaKindAudio {
		return nil
	}
	n := 1
	if ch != nil {
		n = *ch
	}
	return &n
}

// negReduceFeedback returns the local feedback entries the remote side
// supports too, in local order.
func negReduceFeedback(local, remote []params.RTCPFeedback) []params.RTCPFeedback {
	out := make([]params.RTCPFeedback, 0, len(local))
	for _, l := range local {
		for _, r := range remote {
			if l.Type == r.Type && l.Parameter == r.Parameter {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func negCopyFeedback(fb []params.RTCPFeedback) []params.RTCPFeedback {
	return append(make([]params.RTCPFeedback, 0, len(fb)), fb...)
}

func negCopyInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// negCloneParams copies codec parameters; the copy is never nil, so callers
// may add to it.
func negCloneParams(p params.CodecParameters) params.CodecParameters {
	out := make(params.CodecParameters, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

// negDescribe names a codec for error messages, with the parameters that
// decide whether codecs match.
func negDescribe(mimeType string, clockRate int, p params.CodecParameters) string {
	var b strings.Builder
	b.WriteString(mimeType)
	if clockRate > 0 {
		fmt.Fprintf(&b, "/%d", clockRate)
	}
	for _, key := range []string{"profile-level-id", "packetization-mode", "profile-id"} {
		if _, ok := p[key]; ok {
			fmt.Fprintf(&b, " %s %s", key, negParamText(p, key, ""))
		}
	}
	return b.String()
}
