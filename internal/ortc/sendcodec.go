package ortc

import (
	"fmt"
	"strings"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// ChooseSendCodec picks, among the device's send RTP capabilities (the
// Device's SendRTPCapabilities), the codec an already encoded track can be
// sent as: same MIME type (case-insensitive) and clock rate, for audio the
// same channel count, for multiopus the same stream layout, for H264 the
// same packetization-mode and profile (h264 profile-level-id rules: a
// Constrained Baseline 42e01f stream never matches Main 4d0032, while levels
// may differ), for VP9 the same profile-id. A zero ClockRate or Channels in
// track means unset and matches any. RTX codecs are never chosen.
//
// It returns a copy of the first matching capability, in the order of
// caps. When none matches, the error wraps params.ErrUnsupported and names
// the track's codec and the codecs on offer. Produce calls it for a track
// that carries encoded media, to set ProducerOptions.Codec when the caller
// gave none (and to check the caller's choice when given).
func ChooseSendCodec(track webrtc.RTPCodecCapability, caps params.RTPCapabilities) (params.RTPCodecCapability, error) {
	trackParams := ParseFmtp(track.SDPFmtpLine)
	var offered []string
	for i := range caps.Codecs {
		c := &caps.Codecs[i]
		if negIsRTX(c.MimeType) {
			continue
		}
		offered = append(offered, describeCapability(c))
		view := negCodecView{mimeType: track.MimeType, clockRate: int(track.ClockRate), params: trackParams}
		if track.ClockRate == 0 {
			view.clockRate = c.ClockRate
		}
		if track.Channels != 0 {
			view.channels = params.Ptr(int(track.Channels))
		} else {
			view.channels = c.Channels
		}
		if ok, _ := negMatch(view, negViewOfCapability(c), true); ok {
			return c.Clone(), nil
		}
	}
	if len(offered) == 0 {
		offered = append(offered, "none")
	}
	return params.RTPCodecCapability{}, fmt.Errorf("no send codec matches the track's %s; the router offers %s: %w",
		describeTrackCodec(track, trackParams), strings.Join(offered, ", "), params.ErrUnsupported)
}

// ParseFmtp reads an SDP fmtp parameter line ("a=b;c=d", as in pion's
// RTPCodecCapability.SDPFmtpLine) into codec parameters with string
// values. Keys keep their case; entries without '=' get an empty value.
func ParseFmtp(line string) params.CodecParameters {
	out := params.CodecParameters{}
	for _, part := range strings.Split(line, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

func describeCapability(c *params.RTPCodecCapability) string {
	s := negDescribe(c.MimeType, c.ClockRate, c.Parameters)
	if c.Channels != nil && *c.Channels > 1 {
		s = strings.Replace(s, fmt.Sprintf("/%d", c.ClockRate), fmt.Sprintf("/%d/%d", c.ClockRate, *c.Channels), 1)
	}
	return s
}

func describeTrackCodec(track webrtc.RTPCodecCapability, p params.CodecParameters) string {
	s := negDescribe(track.MimeType, int(track.ClockRate), p)
	if track.Channels > 1 {
		s = strings.Replace(s, fmt.Sprintf("/%d", track.ClockRate), fmt.Sprintf("/%d/%d", track.ClockRate, track.Channels), 1)
	}
	if track.MimeType == "" {
		s = "codec with no MIME type"
	}
	return s
}
