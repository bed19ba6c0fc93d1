package browser

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// keyFrames reports the VP8 key frames of a consumer (width and arrival
// time) until the test ends.
func keyFrames(t *testing.T, c *msc.Consumer) (<-chan vp8Frame, *packetSink) {
	out := make(chan vp8Frame, 256)
	var a vp8Assembler
	sink := sinkTrack(t, c, func(p *rtp.Packet) {
		if f, ok := a.push(p); ok && f.key {
			select {
			case out <- f:
			default:
			}
		}
	})
	return out, sink
}

// waitKeyWidth waits for a key frame of the given width, asking for key
// frames with kick every second.
func waitKeyWidth(t *testing.T, ctx context.Context, keys <-chan vp8Frame, want int, kick func()) vp8Frame {
	t.Helper()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var seen []int
	for {
		select {
		case f := <-keys:
			if f.width == want {
				return f
			}
			seen = append(seen, f.width)
		case <-tick.C:
			kick()
		case <-ctx.Done():
			t.Fatalf("no %d-pixel-wide VP8 key frame arrived (key frame widths seen: %v)", want, seen)
		}
	}
}

// TestBrowserSimulcastToGo: mediasoup-client produces Chromium's fake camera
// (640x480) as three VP8 simulcast layers plus the fake microphone; the Go
// SDK consumes both. Each layer arrives when the server prefers it, a key
// frame answers Consumer.RequestKeyFrame, and Opus flows.
func TestBrowserSimulcastToGo(t *testing.T) {
	ctx := testCtx(t, 120*time.Second)
	room := newRoom(t)
	br := openPage(t, room)
	bob := newPeer(t, room)
	recv := bob.transport("recv", false)

	prods := br.produce(map[string]any{"audio": true, "video": true, "simulcast": true, "codec": "video/VP8"})
	bv, ba := prods[msc.MediaKindVideo], prods[msc.MediaKindAudio]
	require.NotEmpty(t, bv.ID)
	require.NotEmpty(t, ba.ID)
	require.Len(t, bv.RTPParameters.Encodings, 3, "three simulcast encodings")
	require.Equal(t, "video/VP8", bv.RTPParameters.Codecs[0].MimeType)

	video, vres := bob.consume(ctx, recv, bv.ID)
	require.Equal(t, "simulcast", vres.Type)
	audio, _ := bob.consume(ctx, recv, ba.ID)
	logSideBySide(t, "video: browser simulcast producer vs Go consumer", "browser producer", bv.RTPParameters, "Go consumer", video.RTPParameters())
	logSideBySide(t, "audio: browser producer vs Go consumer", "browser producer", ba.RTPParameters, "Go consumer", audio.RTPParameters())

	// Chromium sends every layer once its bandwidth estimate allows.
	br.waitStats(ctx, "browser encoding three layers", func(s pageStats) bool {
		n := 0
		for _, o := range s.Producers[bv.ID] {
			if o.FramesEncoded > 0 {
				n++
			}
		}
		return n == 3
	})
	keys, vsink := keyFrames(t, video)
	kick := func() { _ = video.RequestKeyFrame() }
	for layer, want := range []int{160, 320, 640} {
		_, err := bob.sig.SetConsumerPreferredLayers(ctx, video.ID(), layer, nil)
		require.NoError(t, err)
		f := waitKeyWidth(t, ctx, keys, want, kick)
		n := vsink.count()
		t.Logf("layer %d: %dx%d key frame, %d video packets so far", layer, f.width, f.height, n)
		require.Equal(t, want*3/4, f.height)
		vsink.waitCount(ctx, t, n+30, "video packets after the layer switch")
	}
	st := br.stats()
	for _, s := range st.Producers[bv.ID] {
		t.Logf("browser outbound %s rid=%s ssrc=%d %dx%d %d frames encoded, %d packets, %s, limited by %s",
			s.MimeType, s.RID, s.SSRC, s.FrameWidth, s.FrameHeight, s.FramesEncoded, s.PacketsSent, s.ScalabilityMode, s.QualityLimit)
	}

	// On the top layer now: drain, then one key frame request.
	time.Sleep(time.Second)
	for len(keys) > 0 {
		<-keys
	}
	asked := time.Now()
	require.NoError(t, video.RequestKeyFrame())
	select {
	case f := <-keys:
		t.Logf("key frame %dx%d %v after RequestKeyFrame", f.width, f.height, time.Since(asked).Round(time.Millisecond))
		require.Equal(t, 640, f.width)
	case <-time.After(5 * time.Second):
		t.Fatal("no key frame within 5 s of RequestKeyFrame")
	}

	// Opus: packets with the consumer's payload type and SSRC.
	apt := audio.RTPParameters().Codecs[0].PayloadType
	assrc := audio.RTPParameters().Encodings[0].SSRC
	require.Equal(t, "audio/opus", audio.RTPParameters().Codecs[0].MimeType)
	bad := make(chan *rtp.Packet, 1)
	asink := sinkTrack(t, audio, func(p *rtp.Packet) {
		if p.PayloadType != apt || p.SSRC != assrc || len(p.Payload) == 0 {
			select {
			case bad <- p:
			default:
			}
		}
	})
	asink.waitCount(ctx, t, 100, "Opus from the browser")
	select {
	case p := <-bad:
		t.Fatalf("unexpected audio packet: pt %d ssrc %d len %d (want pt %d ssrc %d)", p.PayloadType, p.SSRC, len(p.Payload), apt, assrc)
	default:
	}
}
