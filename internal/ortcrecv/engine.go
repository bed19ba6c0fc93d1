package ortcrecv

import (
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// newMediaEngine registers what the transport receives: every codec in
// common with the router under the router's payload types, RTX included,
// and the receivable header extensions.
//
// In ORTC mode pion finds a received stream's codec by payload type among
// the registered codecs (TrackRemote.Codec), so the payload types must be
// the router's. pion's MediaEngine takes no header extension ids outside
// SDP negotiation (it numbers them itself): the ids that matter, mediasoup's,
// go to the interceptors in each stream's StreamInfo instead.
func newMediaEngine(ext ortc.ExtendedRTPCapabilities) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	caps := ortc.GetRecvRTPCapabilities(ext)
	for _, c := range caps.Codecs {
		if c.PreferredPayloadType == nil {
			continue
		}
		p := handler.PionCodec(params.RTPCodecParameters{
			MimeType: c.MimeType, PayloadType: *c.PreferredPayloadType, ClockRate: c.ClockRate,
			Channels: c.Channels, Parameters: c.Parameters, RTCPFeedback: c.RTCPFeedback,
		})
		if err := m.RegisterCodec(p, pionKind(c.Kind)); err != nil {
			return nil, err
		}
	}
	for _, e := range caps.HeaderExtensions {
		kinds := []params.MediaKind{e.Kind}
		if e.Kind == "" {
			kinds = []params.MediaKind{params.MediaKindAudio, params.MediaKindVideo}
		}
		for _, k := range kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.URI}, pionKind(k), webrtc.RTPTransceiverDirectionRecvonly); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// newRegistry lists the receive-side interceptors: NACK generator, receiver
// reports, transport-wide congestion control feedback and stats.
func newRegistry(statsFactory *handler.StatsFactory) (*interceptor.Registry, error) {
	ir := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(gen)
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(rr)
	tw, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(tw)
	ir.Add(statsFactory)
	return ir, nil
}

// streamInfo describes a consumer's media stream to the interceptors, with
// the router's payload type and header extension ids.
func streamInfo(id string, ssrc uint32, codec params.RTPCodecParameters, exts []params.RTPHeaderExtensionParameters) *interceptor.StreamInfo {
	info := &interceptor.StreamInfo{
		ID: id, SSRC: ssrc, PayloadType: codec.PayloadType, MimeType: codec.MimeType,
		ClockRate: uint32(codec.ClockRate), SDPFmtpLine: codec.Parameters.Fmtp(),
	}
	if codec.Channels != nil {
		info.Channels = uint16(*codec.Channels)
	}
	for _, fb := range codec.RTCPFeedback {
		info.RTCPFeedback = append(info.RTCPFeedback, interceptor.RTCPFeedback{Type: fb.Type, Parameter: fb.Parameter})
	}
	for _, e := range exts {
		info.RTPHeaderExtensions = append(info.RTPHeaderExtensions, interceptor.RTPHeaderExtension{URI: e.URI, ID: e.ID})
	}
	return info
}

func pionKind(k params.MediaKind) webrtc.RTPCodecType {
	if k == params.MediaKindAudio {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}
