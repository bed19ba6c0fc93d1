package mediasoupclient

import "github.com/soupkit/mediasoup-client-go/internal/params"

// The wire types are defined here, where users read them; the internal
// packages (ORTC rules, SDP, handlers) work on their twins in
// internal/params. The functions below convert at the boundary, with deep
// copies both ways, so nothing a caller keeps is shared with a transport.
// wireconv_test.go checks that every field of every type survives the round
// trip, which keeps the two sets from drifting apart.

// validateInPlace runs an internal validator on a copy of *p and writes the
// result back, defaults included, as the validators do on their own types.
func validateInPlace[R, I any](p *R, to func(R) I, from func(I) R, validate func(*I) error) error {
	if p == nil {
		return validate(nil)
	}
	in := to(*p)
	err := validate(&in)
	*p = from(in)
	return err
}

func cloneSlice[S ~[]E, E any, D any](s S, f func(E) D) []D {
	if s == nil {
		return nil
	}
	out := make([]D, len(s))
	for i, e := range s {
		out[i] = f(e)
	}
	return out
}

func (f RTCPFeedback) internal() params.RTCPFeedback      { return params.RTCPFeedback(f) }
func rtcpFeedbackFrom(f params.RTCPFeedback) RTCPFeedback { return RTCPFeedback(f) }

func (c RTPCodecCapability) internal() params.RTPCodecCapability {
	return params.RTPCodecCapability{
		Kind:                 params.MediaKind(c.Kind),
		MimeType:             c.MimeType,
		PreferredPayloadType: params.ClonePtr(c.PreferredPayloadType),
		ClockRate:            c.ClockRate,
		Channels:             params.ClonePtr(c.Channels),
		Parameters:           params.CodecParameters(c.Parameters).Clone(),
		RTCPFeedback:         cloneSlice(c.RTCPFeedback, RTCPFeedback.internal),
	}
}

func rtpCodecCapabilityFrom(c params.RTPCodecCapability) RTPCodecCapability {
	return RTPCodecCapability{
		Kind:                 MediaKind(c.Kind),
		MimeType:             c.MimeType,
		PreferredPayloadType: params.ClonePtr(c.PreferredPayloadType),
		ClockRate:            c.ClockRate,
		Channels:             params.ClonePtr(c.Channels),
		Parameters:           CodecParameters(c.Parameters.Clone()),
		RTCPFeedback:         cloneSlice(c.RTCPFeedback, rtcpFeedbackFrom),
	}
}

func (h RTPHeaderExtension) internal() params.RTPHeaderExtension {
	return params.RTPHeaderExtension{
		Kind:             params.MediaKind(h.Kind),
		URI:              h.URI,
		PreferredID:      h.PreferredID,
		PreferredEncrypt: h.PreferredEncrypt,
		Direction:        params.RTPHeaderExtensionDirection(h.Direction),
	}
}

func rtpHeaderExtensionFrom(h params.RTPHeaderExtension) RTPHeaderExtension {
	return RTPHeaderExtension{
		Kind:             MediaKind(h.Kind),
		URI:              h.URI,
		PreferredID:      h.PreferredID,
		PreferredEncrypt: h.PreferredEncrypt,
		Direction:        RTPHeaderExtensionDirection(h.Direction),
	}
}

func (c RTPCapabilities) internal() params.RTPCapabilities {
	return params.RTPCapabilities{
		Codecs:           cloneSlice(c.Codecs, RTPCodecCapability.internal),
		HeaderExtensions: cloneSlice(c.HeaderExtensions, RTPHeaderExtension.internal),
	}
}

func rtpCapabilitiesFrom(c params.RTPCapabilities) RTPCapabilities {
	return RTPCapabilities{
		Codecs:           cloneSlice(c.Codecs, rtpCodecCapabilityFrom),
		HeaderExtensions: cloneSlice(c.HeaderExtensions, rtpHeaderExtensionFrom),
	}
}

func (c RTPCodecParameters) internal() params.RTPCodecParameters {
	return params.RTPCodecParameters{
		MimeType:     c.MimeType,
		PayloadType:  c.PayloadType,
		ClockRate:    c.ClockRate,
		Channels:     params.ClonePtr(c.Channels),
		Parameters:   params.CodecParameters(c.Parameters).Clone(),
		RTCPFeedback: cloneSlice(c.RTCPFeedback, RTCPFeedback.internal),
	}
}

func rtpCodecParametersFrom(c params.RTPCodecParameters) RTPCodecParameters {
	return RTPCodecParameters{
		MimeType:     c.MimeType,
		PayloadType:  c.PayloadType,
		ClockRate:    c.ClockRate,
		Channels:     params.ClonePtr(c.Channels),
		Parameters:   CodecParameters(c.Parameters.Clone()),
		RTCPFeedback: cloneSlice(c.RTCPFeedback, rtcpFeedbackFrom),
	}
}

func (h RTPHeaderExtensionParameters) internal() params.RTPHeaderExtensionParameters {
	return params.RTPHeaderExtensionParameters{
		URI: h.URI, ID: h.ID, Encrypt: h.Encrypt,
		Parameters: params.CodecParameters(h.Parameters).Clone(),
	}
}

func rtpHeaderExtensionParametersFrom(h params.RTPHeaderExtensionParameters) RTPHeaderExtensionParameters {
	return RTPHeaderExtensionParameters{
		URI: h.URI, ID: h.ID, Encrypt: h.Encrypt,
		Parameters: CodecParameters(h.Parameters.Clone()),
	}
}

func (e RTPEncodingParameters) internal() params.RTPEncodingParameters {
	out := params.RTPEncodingParameters{
		SSRC: e.SSRC, RID: e.RID, CodecPayloadType: params.ClonePtr(e.CodecPayloadType),
		DTX: e.DTX, ScalabilityMode: e.ScalabilityMode, ScaleResolutionDownBy: e.ScaleResolutionDownBy,
		MaxBitrate: e.MaxBitrate, MaxFramerate: e.MaxFramerate, AdaptivePtime: e.AdaptivePtime,
		Priority: e.Priority, NetworkPriority: e.NetworkPriority, Active: params.ClonePtr(e.Active),
	}
	if e.RTX != nil {
		out.RTX = &params.RTPEncodingRTX{SSRC: e.RTX.SSRC}
	}
	return out
}

func rtpEncodingParametersFrom(e params.RTPEncodingParameters) RTPEncodingParameters {
	out := RTPEncodingParameters{
		SSRC: e.SSRC, RID: e.RID, CodecPayloadType: params.ClonePtr(e.CodecPayloadType),
		DTX: e.DTX, ScalabilityMode: e.ScalabilityMode, ScaleResolutionDownBy: e.ScaleResolutionDownBy,
		MaxBitrate: e.MaxBitrate, MaxFramerate: e.MaxFramerate, AdaptivePtime: e.AdaptivePtime,
		Priority: e.Priority, NetworkPriority: e.NetworkPriority, Active: params.ClonePtr(e.Active),
	}
	if e.RTX != nil {
		out.RTX = &RTPEncodingRTX{SSRC: e.RTX.SSRC}
	}
	return out
}

func (r RTCPParameters) internal() params.RTCPParameters {
	return params.RTCPParameters{CNAME: r.CNAME, ReducedSize: params.ClonePtr(r.ReducedSize), Mux: params.ClonePtr(r.Mux)}
}

func rtcpParametersFrom(r params.RTCPParameters) RTCPParameters {
	return RTCPParameters{CNAME: r.CNAME, ReducedSize: params.ClonePtr(r.ReducedSize), Mux: params.ClonePtr(r.Mux)}
}

func (p RTPParameters) internal() params.RTPParameters {
	return params.RTPParameters{
		MID:              p.MID,
		Codecs:           cloneSlice(p.Codecs, RTPCodecParameters.internal),
		HeaderExtensions: cloneSlice(p.HeaderExtensions, RTPHeaderExtensionParameters.internal),
		Encodings:        cloneSlice(p.Encodings, RTPEncodingParameters.internal),
		RTCP:             p.RTCP.internal(),
	}
}

func rtpParametersFrom(p params.RTPParameters) RTPParameters {
	return RTPParameters{
		MID:              p.MID,
		Codecs:           cloneSlice(p.Codecs, rtpCodecParametersFrom),
		HeaderExtensions: cloneSlice(p.HeaderExtensions, rtpHeaderExtensionParametersFrom),
		Encodings:        cloneSlice(p.Encodings, rtpEncodingParametersFrom),
		RTCP:             rtcpParametersFrom(p.RTCP),
	}
}

func (c SCTPCapabilities) internal() params.SCTPCapabilities {
	return params.SCTPCapabilities{NumStreams: params.NumSCTPStreams(c.NumStreams)}
}

func sctpCapabilitiesFrom(c params.SCTPCapabilities) SCTPCapabilities {
	return SCTPCapabilities{NumStreams: NumSCTPStreams(c.NumStreams)}
}

// SCTPParameters has only fields of predeclared types, so it converts
// directly; the pointers are copied by Clone.
func (p SCTPParameters) internal() params.SCTPParameters {
	return params.SCTPParameters(p).Clone()
}

func sctpParametersFrom(p params.SCTPParameters) SCTPParameters {
	return SCTPParameters(p.Clone())
}

func (p SCTPStreamParameters) internal() params.SCTPStreamParameters {
	out := params.SCTPStreamParameters(p)
	out.Ordered, out.MaxPacketLifeTime, out.MaxRetransmits = params.ClonePtr(p.Ordered), params.ClonePtr(p.MaxPacketLifeTime), params.ClonePtr(p.MaxRetransmits)
	return out
}

func sctpStreamParametersFrom(p params.SCTPStreamParameters) SCTPStreamParameters {
	out := SCTPStreamParameters(p)
	out.Ordered, out.MaxPacketLifeTime, out.MaxRetransmits = params.ClonePtr(p.Ordered), params.ClonePtr(p.MaxPacketLifeTime), params.ClonePtr(p.MaxRetransmits)
	return out
}

func (p ICEParameters) internal() params.ICEParameters       { return params.ICEParameters(p) }
func iceParametersFrom(p params.ICEParameters) ICEParameters { return ICEParameters(p) }

func (c ICECandidate) internal() params.ICECandidate      { return params.ICECandidate(c) }
func iceCandidateFrom(c params.ICECandidate) ICECandidate { return ICECandidate(c) }

func iceCandidatesInternal(c []ICECandidate) []params.ICECandidate {
	return cloneSlice(c, ICECandidate.internal)
}

func (p DTLSParameters) internal() params.DTLSParameters {
	return params.DTLSParameters{
		Role:         params.DTLSRole(p.Role),
		Fingerprints: cloneSlice(p.Fingerprints, func(f DTLSFingerprint) params.DTLSFingerprint { return params.DTLSFingerprint(f) }),
	}
}

func dtlsParametersFrom(p params.DTLSParameters) DTLSParameters {
	return DTLSParameters{
		Role:         DTLSRole(p.Role),
		Fingerprints: cloneSlice(p.Fingerprints, func(f params.DTLSFingerprint) DTLSFingerprint { return DTLSFingerprint(f) }),
	}
}
