package browser

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// TestGoToBrowserMedia: the Go SDK produces Opus and a video file, the real
// mediasoup-client consumes both in Chromium, which decodes them: video
// frames of the file's size, audio packets with energy.
func TestGoToBrowserMedia(t *testing.T) {
	cases := []struct {
		name, mime, file, fmtp string
	}{
		{"vp8", webrtc.MimeTypeVP8, "vp8-320x240.ivf", ""},
		{"h264", webrtc.MimeTypeH264, "h264-320x240.h264", "profile-level-id=42e01f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 90*time.Second)
			room := newRoom(t)
			alice := newPeer(t, room)
			send := alice.transport("send", false)
			audio := alice.produceFile(ctx, send, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg")
			video := alice.produceFile(ctx, send, tc.mime, tc.file)

			br := openPage(t, room)
			bAudio := br.consume(audio.ID())
			bVideo := br.consume(video.ID())
			logSideBySide(t, "audio: Go producer vs browser consumer", "Go producer", audio.RTPParameters(), "browser consumer", bAudio.RTPParameters)
			logSideBySide(t, "video: Go producer vs browser consumer", "Go producer", video.RTPParameters(), "browser consumer", bVideo.RTPParameters)
			require.Equal(t, msc.MediaKindAudio, bAudio.Kind)
			require.Equal(t, "audio/opus", bAudio.RTPParameters.Codecs[0].MimeType)
			require.Equal(t, tc.mime, bVideo.RTPParameters.Codecs[0].MimeType)
			if tc.mime == webrtc.MimeTypeH264 {
				require.Equal(t, "42e01f", bVideo.RTPParameters.Codecs[0].Parameters["profile-level-id"])
			}

			decoding := func(s pageStats) bool {
				v, a := s.inbound(bVideo.ID), s.inbound(bAudio.ID)
				return v.FramesDecoded >= 30 && v.FrameWidth == 320 && v.FrameHeight == 240 &&
					a.PacketsReceived >= 50 && a.TotalAudioEnergy > 0
			}
			first := br.waitStats(ctx, "browser decoding Go's media", decoding)
			time.Sleep(2 * time.Second)
			second := br.stats()
			v1, v2 := first.inbound(bVideo.ID), second.inbound(bVideo.ID)
			a1, a2 := first.inbound(bAudio.ID), second.inbound(bAudio.ID)
			t.Logf("browser video inbound: %s %s, %d->%d frames decoded (%d key), %dx%d, decoder %s, %d packets, %d lost",
				v2.MimeType, v2.SDPFmtpLine, v1.FramesDecoded, v2.FramesDecoded, v2.KeyFramesDecoded, v2.FrameWidth, v2.FrameHeight, v2.Decoder, v2.PacketsReceived, v2.PacketsLost)
			t.Logf("browser audio inbound: %s, %d->%d packets, energy %.4f->%.4f, level %.3f",
				a2.MimeType, a1.PacketsReceived, a2.PacketsReceived, a1.TotalAudioEnergy, a2.TotalAudioEnergy, a2.AudioLevel)
			require.Equal(t, tc.mime, v2.MimeType)
			// The files play at 30 frames per second: 2 s must decode well
			// over 30 frames, not just the key frames.
			require.GreaterOrEqual(t, v2.FramesDecoded-v1.FramesDecoded, int64(40), "framesDecoded grows at the file's frame rate")
			require.Equal(t, 320, v2.FrameWidth)
			require.Equal(t, 240, v2.FrameHeight)
			require.Greater(t, a2.PacketsReceived, a1.PacketsReceived, "audio packetsReceived grows")
			require.Greater(t, a2.TotalAudioEnergy, a1.TotalAudioEnergy, "totalAudioEnergy grows")
		})
	}
}
