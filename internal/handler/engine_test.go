package handler

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func TestParseFmtp(t *testing.T) {
	tests := []struct {
		in   string
		want params.CodecParameters
	}{
		{"minptime=10;useinbandfec=1", params.CodecParameters{"minptime": float64(10), "useinbandfec": float64(1)}},
		{"profile-level-id=42e01f;packetization-mode=1", params.CodecParameters{"profile-level-id": "42e01f", "packetization-mode": float64(1)}},
		{"profile-level-id=640032", params.CodecParameters{"profile-level-id": "640032"}},
		{"apt=96", params.CodecParameters{"apt": float64(96)}},
		{" a=b ; ;c", params.CodecParameters{"a": "b"}},
		{"", params.CodecParameters{}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, ParseFmtp(tc.in), tc.in)
	}
}

// TestNativeCapabilities: what the handler advertises is what pion
// negotiates: every video codec paired with RTX, the header extensions
// registered, ids as pion assigns them.
func TestNativeCapabilities(t *testing.T) {
	m, err := NewMediaEngine()
	require.NoError(t, err)
	ir := &interceptor.Registry{}
	require.NoError(t, RegisterInterceptors(m, ir))
	caps, err := NativeRTPCapabilities(webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir)))
	require.NoError(t, err)
	mimes := map[string]int{}
	apts := map[int]bool{}
	pts := map[uint8]string{}
	for _, c := range caps.Codecs {
		mimes[c.MimeType]++
		pts[*c.PreferredPayloadType] = c.MimeType
		if c.MimeType == "video/rtx" {
			apt, ok := c.Parameters.Int("apt")
			require.True(t, ok)
			apts[apt] = true
		}
		for i, fb := range c.RTCPFeedback {
			for _, other := range c.RTCPFeedback[i+1:] {
				require.NotEqual(t, fb, other, "duplicate feedback on %s", c.MimeType)
			}
		}
	}
	require.Equal(t, map[string]int{"audio/opus": 1, "video/VP8": 1, "video/VP9": 2, "video/H264": 4, "video/AV1": 1, "video/rtx": 8}, mimes)
	for pt, mime := range pts {
		if mime != "video/rtx" && mime != "audio/opus" {
			require.True(t, apts[int(pt)], "%s (%d) has no RTX", mime, pt)
		}
	}
	uris := map[string]bool{}
	for _, h := range caps.HeaderExtensions {
		uris[string(h.Kind)+" "+h.URI] = true
		require.Positive(t, h.PreferredID)
	}
	for _, want := range []string{
		"audio " + extMID, "video " + extMID, "video " + extRID, "audio " + extTransportCC, "video " + extTransportCC,
		"audio " + extAudioLevel, "video " + extAbsSendTime,
	} {
		require.True(t, uris[want], "missing %s", want)
	}
}
