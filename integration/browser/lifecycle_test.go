package browser

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// waitNotif waits for the Go peer's server notification method about
// consumerID.
func waitNotif(ctx context.Context, t *testing.T, p *peer, method, consumerID string) testbed.Notification {
	t.Helper()
	n, err := p.sig.WaitNotification(ctx, method, func(n testbed.Notification) bool {
		var d struct {
			ConsumerID string `json:"consumerId"`
		}
		return n.Decode(&d) == nil && d.ConsumerID == consumerID
	})
	require.NoError(t, err, "Go side: %s for consumer %s", method, consumerID)
	return n
}

// requireStill checks that count does not grow for a while, after a grace
// period for packets already in flight.
func requireStill(t *testing.T, what string, count func() int64) {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	n1 := count()
	time.Sleep(1500 * time.Millisecond)
	n2 := count()
	require.Equal(t, n1, n2, "%s: packets kept flowing while paused (%d -> %d)", what, n1, n2)
}

// TestBrowserPauseCloseSeenByGo: mediasoup-client pauses, resumes and closes
// its producers (and tells the server); the Go consumers hear about it from
// the server and their packets stop, flow again, end.
func TestBrowserPauseCloseSeenByGo(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	br := openPage(t, room)
	gp := newPeer(t, room)
	recv := gp.transport("recv", false)

	prods := br.produce(map[string]any{"audio": true, "video": true, "codec": "video/VP8"})
	bv, ba := prods[msc.MediaKindVideo], prods[msc.MediaKindAudio]
	video, _ := gp.consume(ctx, recv, bv.ID)
	audio, _ := gp.consume(ctx, recv, ba.ID)
	vsink := sinkTrack(t, video, nil)
	asink := sinkTrack(t, audio, nil)
	vsink.waitCount(ctx, t, 30, "video before pause")
	asink.waitCount(ctx, t, 30, "audio before pause")

	// Pause: consumerPaused reaches Go, the video stops, the audio goes on.
	br.call("pauseProducer", map[string]any{"id": bv.ID}, nil)
	waitNotif(ctx, t, gp, testbed.NotifyConsumerPaused, video.ID())
	video.Pause()
	require.True(t, video.Paused())
	requireStill(t, "video", vsink.count)
	a := asink.count()
	asink.waitCount(ctx, t, a+20, "audio while the video is paused")

	// Resume: consumerResumed, the video flows again.
	br.call("resumeProducer", map[string]any{"id": bv.ID}, nil)
	waitNotif(ctx, t, gp, testbed.NotifyConsumerResumed, video.ID())
	video.Resume()
	require.False(t, video.Paused())
	v := vsink.count()
	vsink.waitCount(ctx, t, v+30, "video after resume")

	// Close: consumerClosed (producerclose) reaches Go; closing the Go
	// consumer ends its track.
	br.call("closeProducer", map[string]any{"id": ba.ID}, nil)
	n := waitNotif(ctx, t, gp, testbed.NotifyConsumerClosed, audio.ID())
	var cc testbed.ConsumerClosed
	require.NoError(t, n.Decode(&cc))
	require.Equal(t, "producerclose", cc.Reason)
	audio.Close()
	require.True(t, audio.Closed())
	select {
	case <-asink.done:
	case <-ctx.Done():
		t.Fatal("the closed Go consumer's track did not end")
	}
	v = vsink.count()
	vsink.waitCount(ctx, t, v+30, "video after the audio producer closed")
}

// TestGoPauseCloseSeenByBrowser: the Go SDK pauses, resumes and closes its
// producers (and tells the server); mediasoup-client's consumers hear about
// it through the server's notifications and Chromium's packet counts follow.
// The browser closing a consumer is seen by the server, whose router no
// longer maps the Go producer to it.
func TestGoPauseCloseSeenByBrowser(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	gp := newPeer(t, room)
	send := gp.transport("send", false)
	audio := gp.produceFile(ctx, send, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg")
	video := gp.produceFile(ctx, send, webrtc.MimeTypeVP8, "vp8-320x240.ivf")

	br := openPage(t, room)
	bAudio := br.consume(audio.ID())
	bVideo := br.consume(video.ID())
	packets := func(id string) func() int64 {
		return func() int64 { return br.stats().inbound(id).PacketsReceived }
	}
	waitGrow := func(what string, count func() int64, by int64) {
		t.Helper()
		n := count()
		for count() < n+by {
			select {
			case <-ctx.Done():
				t.Fatalf("%s: browser packet count stuck at %d", what, count())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	waitGrow("video before pause", packets(bVideo.ID), 30)

	// Pause on the Go side and on the server.
	video.Pause()
	require.NoError(t, gp.sig.PauseProducer(ctx, video.ID()))
	br.waitEvent(ctx, "consumerPaused", "consumerId", bVideo.ID)
	br.waitEvent(ctx, "consumerPause", "consumerId", bVideo.ID)
	var cs struct {
		Closed, Paused bool
		TrackState     string
	}
	br.call("consumerState", map[string]any{"id": bVideo.ID}, &cs)
	require.True(t, cs.Paused, "browser consumer paused")
	requireStill(t, "browser video", packets(bVideo.ID))
	waitGrow("audio while the video is paused", packets(bAudio.ID), 20)

	// Resume.
	video.Resume()
	require.NoError(t, gp.sig.ResumeProducer(ctx, video.ID()))
	br.waitEvent(ctx, "consumerResumed", "consumerId", bVideo.ID)
	waitGrow("video after resume", packets(bVideo.ID), 30)
	br.call("consumerState", map[string]any{"id": bVideo.ID}, &cs)
	require.False(t, cs.Paused, "browser consumer resumed")

	// The browser closes its audio consumer: the server forgets it.
	dump, err := gp.sig.Dump(ctx, testbed.TypeRouter, "")
	require.NoError(t, err)
	require.True(t, bytes.Contains(dump, []byte(bAudio.ID)), "router maps the Go producer to the browser consumer")
	br.call("closeConsumer", map[string]any{"id": bAudio.ID}, nil)
	br.waitEvent(ctx, "consumerClose", "consumerId", bAudio.ID)
	dump, err = gp.sig.Dump(ctx, testbed.TypeRouter, "")
	require.NoError(t, err)
	require.False(t, bytes.Contains(dump, []byte(bAudio.ID)), "the server still has the closed browser consumer")
	require.True(t, bytes.Contains(dump, []byte(audio.ID())), "the Go audio producer lives on")

	// Close the Go video producer: consumerClosed reaches the browser, which
	// closes its consumer and its track ends.
	video.Close()
	require.NoError(t, gp.sig.CloseProducer(ctx, video.ID()))
	ev := br.waitEvent(ctx, "consumerClosed", "consumerId", bVideo.ID)
	require.Equal(t, "producerclose", ev.str("reason"))
	br.waitEvent(ctx, "consumerClose", "consumerId", bVideo.ID)
	br.call("consumerState", map[string]any{"id": bVideo.ID}, &cs)
	require.True(t, cs.Closed, "browser consumer closed")
	require.Equal(t, "ended", cs.TrackState)
}
