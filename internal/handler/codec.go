package handler

import (
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// PionCodec is a mediasoup codec as pion's codec parameters.
func PionCodec(c params.RTPCodecParameters) webrtc.RTPCodecParameters {
	p := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: c.MimeType, ClockRate: uint32(c.ClockRate), SDPFmtpLine: c.Parameters.Fmtp(),
		},
		PayloadType: webrtc.PayloadType(c.PayloadType),
	}
	if c.Channels != nil {
		p.Channels = uint16(*c.Channels)
	}
	for _, fb := range c.RTCPFeedback {
		p.RTCPFeedback = append(p.RTCPFeedback, webrtc.RTCPFeedback{Type: fb.Type, Parameter: fb.Parameter})
	}
	return p
}
