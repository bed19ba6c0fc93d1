package sdk

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// TestMediaRoundTrip: a Go device produces, the server forwards, another Go
// device consumes; what arrives is checked packet by packet.
func TestMediaRoundTrip(t *testing.T) {
	cases := []struct {
		name, mime, file string
		check            func(t *testing.T, c *msc.Consumer)
	}{
		{"opus", webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", func(t *testing.T, c *msc.Consumer) {
			pkts := readPackets(t, c.Track(), 100, 15*time.Second)
			requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
			for _, p := range pkts {
				require.NotEmpty(t, p.Payload)
			}
		}},
		{"vp8", webrtc.MimeTypeVP8, "vp8-320x240.ivf", func(t *testing.T, c *msc.Consumer) {
			pkts := readPackets(t, c.Track(), 300, 15*time.Second)
			requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
			frames := vp8Frames(t, pkts)
			keys := 0
			for _, f := range frames {
				if f.key {
					keys++
					require.Equal(t, 320, f.width)
					require.Equal(t, 240, f.height)
				}
			}
			require.Greater(t, len(frames), 10)
			require.Positive(t, keys, "no VP8 key frame among %d frames", len(frames))
		}},
		{"h264", webrtc.MimeTypeH264, "h264-320x240.h264", func(t *testing.T, c *msc.Consumer) {
			rp := c.RTPParameters()
			require.Equal(t, "42e01f", rp.Codecs[0].Parameters["profile-level-id"])
			pkts := readPackets(t, c.Track(), 200, 15*time.Second)
			requireStream(t, pkts, rp.Codecs[0].PayloadType, rp.Encodings[0].SSRC)
			nals := h264NALTypes(t, pkts)
			require.Positive(t, nals[7], "SPS")
			require.Positive(t, nals[8], "PPS")
			require.Positive(t, nals[5], "IDR slice")
		}},
		{"vp9", webrtc.MimeTypeVP9, "vp9-320x240.ivf", func(t *testing.T, c *msc.Consumer) {
			pkts := readPackets(t, c.Track(), 200, 15*time.Second)
			requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
			require.Positive(t, vp9KeyFrames(t, pkts))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 60*time.Second)
			alice, bob, send, recv := newPair(t)
			track := playFile(t, tc.mime, tc.file, "")
			var codec *msc.RTPCodecCapability
			for _, c := range alice.device.SendRTPCapabilities().Codecs {
				if c.MimeType == tc.mime && (tc.mime != webrtc.MimeTypeH264 || c.Parameters["profile-level-id"] == "42e01f") {
					c := c
					codec = &c
					break
				}
			}
			require.NotNil(t, codec, "device cannot send %s", tc.mime)
			prod, err := send.Produce(ctx, msc.ProducerOptions{Track: track, Codec: codec})
			require.NoError(t, err)
			require.Equal(t, tc.mime, prod.RTPParameters().Codecs[0].MimeType)
			cons := bob.consume(ctx, recv, prod.ID())
			require.NotNil(t, cons.Track(), "track readable as soon as Consume returns")
			if cons.Kind() == msc.MediaKindVideo {
				require.NoError(t, cons.RequestKeyFrame())
			}
			tc.check(t, cons)
		})
	}
}

// TestMixedCodecsOneTransport: one receive transport consumes VP8, H264
// and VP9 producers one after another, and each consumer's packets carry
// its own codec (pion fixes a connection's codecs from the first section
// of a kind, so that section has to list them all).
func TestMixedCodecsOneTransport(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	alice, bob, send, recv := newPair(t)
	files := []struct{ mime, file, profile string }{
		{webrtc.MimeTypeVP8, "vp8-320x240.ivf", ""},
		{webrtc.MimeTypeH264, "h264-320x240.h264", "42e01f"},
		{webrtc.MimeTypeVP9, "vp9-320x240.ivf", ""},
		{webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", ""},
	}
	for _, f := range files {
		prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, f.mime, f.file, ""), Codec: sendCodec(t, alice.device, f.mime, f.profile)})
		require.NoError(t, err)
		cons := bob.consume(ctx, recv, prod.ID())
		rp := cons.RTPParameters()
		require.Equal(t, f.mime, rp.Codecs[0].MimeType)
		pkts := readPackets(t, cons.Track(), 30, 15*time.Second)
		requireStream(t, pkts, rp.Codecs[0].PayloadType, rp.Encodings[0].SSRC)
		require.Equal(t, f.mime, cons.Track().Codec().MimeType, "pion resolved the codec of %s", f.mime)
	}
}
