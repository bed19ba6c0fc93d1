package browser

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// TestNegotiationSideBySide: the Go SDK and mediasoup-client each produce
// Opus and VP8 into one room and consume each other's. It logs, aspect by
// aspect, what each side can receive, what each producer tells the server
// and what each consumer gets from it, and checks that both sides agree on
// what matters for interop: codecs, RTX for video, the consumers' feedback
// and header extensions understood by both.
func TestNegotiationSideBySide(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	gp := newPeer(t, room)
	send := gp.transport("send", false)
	recv := gp.transport("recv", false)
	gAudio := gp.produceFile(ctx, send, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg")
	gVideo := gp.produceFile(ctx, send, webrtc.MimeTypeVP8, "vp8-320x240.ivf")

	br := openPage(t, room)
	logCapsSideBySide(t, "receive capabilities: Go device vs mediasoup-client device", gp.device.RecvRTPCapabilities(), br.joined.RecvRTPCapabilities)
	logCapsSideBySide(t, "send capabilities: Go device vs mediasoup-client device", gp.device.SendRTPCapabilities(), br.joined.SendRTPCapabilities)

	prods := br.produce(map[string]any{"audio": true, "video": true, "codec": "video/VP8"})
	bAudio, bVideo := prods[msc.MediaKindAudio], prods[msc.MediaKindVideo]
	gAudioCons, _ := gp.consume(ctx, recv, bAudio.ID)
	gVideoCons, _ := gp.consume(ctx, recv, bVideo.ID)
	bAudioCons := br.consume(gAudio.ID())
	bVideoCons := br.consume(gVideo.ID())

	type pair struct {
		title  string
		g, b   msc.RTPParameters
		gn, bn string
	}
	pairs := []pair{
		{"audio producers (what each side tells the server it sends)", gAudio.RTPParameters(), bAudio.RTPParameters, "Go producer", "browser producer"},
		{"video producers", gVideo.RTPParameters(), bVideo.RTPParameters, "Go producer", "browser producer"},
		{"audio consumers (what the server sends each side)", gAudioCons.RTPParameters(), bAudioCons.RTPParameters, "Go consumer", "browser consumer"},
		{"video consumers", gVideoCons.RTPParameters(), bVideoCons.RTPParameters, "Go consumer", "browser consumer"},
	}
	for _, p := range pairs {
		logSideBySide(t, p.title, p.gn, p.g, p.bn, p.b)
	}

	for _, p := range pairs {
		gm, grtx := splitCodecs(p.g)
		bm, brtx := splitCodecs(p.b)
		require.NotNil(t, gm, p.title)
		require.NotNil(t, bm, p.title)
		require.Equal(t, codecStr(bm, false), codecStr(gm, false), "%s: media codec", p.title)
		if gm.MimeType == webrtc.MimeTypeVP8 {
			require.NotNil(t, grtx, "%s: Go RTX codec", p.title)
			require.NotNil(t, brtx, "%s: browser RTX codec", p.title)
		}
	}
	// Consumers: the server filters the router's feedback by each side's
	// receive capabilities; the two sides must end up with the same set.
	for _, p := range pairs[2:] {
		gm, _ := splitCodecs(p.g)
		bm, _ := splitCodecs(p.b)
		require.Equal(t, fbStr(bm), fbStr(gm), "%s: RTCP feedback", p.title)
	}
	// Both consumers carry the extensions mediasoup needs for its
	// bandwidth estimation and stream routing.
	for _, p := range pairs[2:] {
		for _, side := range []msc.RTPParameters{p.g, p.b} {
			m := extMap(side)
			require.Contains(t, m, "urn:ietf:params:rtp-hdrext:sdes:mid", p.title)
			require.Contains(t, m, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", p.title)
		}
	}
}
