package handler

import (
	"sort"
	"strings"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// PionCodec is a mediasoup codec as pion's codec parameters.
func PionCodec(c params.RTPCodecParameters) webrtc.RTPCodecParameters {
	p := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: c.MimeType, ClockRate: uint32(c.ClockRate), SDPFmtpLine: FmtpLine(c.Parameters),
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

// FmtpLine writes codec parameters as an SDP fmtp line, keys sorted.
func FmtpLine(p params.CodecParameters) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		v, _ := p.String(k)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}
