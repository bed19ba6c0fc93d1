package ortcrecv_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/ortcrecv"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// readPackets reads n packets within d.
func readPackets(t testing.TB, rc *ortcrecv.Receiver, n int, d time.Duration) []*rtp.Packet {
	t.Helper()
	require.NoError(t, rc.SetReadDeadline(time.Now().Add(d)))
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	out := make([]*rtp.Packet, 0, n)
	for len(out) < n {
		p, _, err := rc.ReadRTP()
		require.NoError(t, err, "after %d packets", len(out))
		out = append(out, p)
	}
	return out
}

func checkStream(t *testing.T, pkts []*rtp.Packet, rtpParams msc.RTPParameters) {
	t.Helper()
	ssrc := rtpParams.Encodings[0].SSRC
	pt := rtpParams.Codecs[0].PayloadType
	for _, p := range pkts {
		require.Equal(t, ssrc, p.SSRC)
		require.Equal(t, pt, p.PayloadType)
	}
}

func TestOpusAndVP8WithRTX(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, true)
	r := e.newRecv(false, true)
	var states []webrtc.PeerConnectionState
	stateCh := make(chan webrtc.PeerConnectionState, 16)
	r.tr.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { stateCh <- s })
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)

	audio, ares := e.consume(ctx, r, e.opusID)
	video, vres := e.consume(ctx, r, e.vp8ID)
	require.Equal(t, "audio/opus", audio.Codec().MimeType)
	require.Equal(t, "video/VP8", video.Codec().MimeType)
	require.NotNil(t, vres.RTPParameters.Encodings[0].RTX, "the VP8 consumer has RTX")
	require.Equal(t, vres.RTPParameters.Encodings[0].RTX.SSRC, video.RTXSSRC())

	checkStream(t, readPackets(t, audio, 50, 5*time.Second), ares.RTPParameters)
	checkStream(t, readPackets(t, video, 50, 5*time.Second), vres.RTPParameters)
	require.Equal(t, webrtc.PayloadType(ares.RTPParameters.Codecs[0].PayloadType), audio.TrackRemote().Codec().PayloadType)
	require.Equal(t, "video/VP8", video.TrackRemote().Codec().MimeType, "pion found the codec by the router's payload type")

	// A key frame request reaches the server's consumer.
	require.NoError(t, video.RequestKeyFrame())
	require.Eventually(t, func() bool {
		st, err := e.sig.GetStats(ctx, testbed.TypeConsumer, vres.ID)
		require.NoError(t, err)
		for _, s := range st {
			if s.Type() == "outbound-rtp" && s.Int("pliCount") > 0 {
				return true
			}
		}
		return false
	}, 5*time.Second, 100*time.Millisecond, "the server counts the PLI")

	// The interceptors saw the packets.
	st := r.tr.Stats(video.SSRC())
	require.NotNil(t, st)
	require.GreaterOrEqual(t, st.InboundRTPStreamStats.PacketsReceived, uint64(50))
	require.GreaterOrEqual(t, st.InboundRTPStreamStats.PLICount, uint32(1))

	// The server gets receiver reports for the consumer; they carry the
	// last sender report (read through the chain), so it computes a
	// round-trip time.
	rtcpDone := make(chan struct{})
	go func() {
		defer close(rtcpDone)
		for {
			if _, err := audio.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	require.Eventually(t, func() bool {
		st, err := e.sig.GetStats(ctx, testbed.TypeConsumer, ares.ID)
		require.NoError(t, err)
		for _, s := range st {
			if s.Type() == "outbound-rtp" {
				if rtt, ok := s["roundTripTime"].(float64); ok && rtt > 0 {
					return true
				}
				t.Logf("consumer stats: %v", s)
			}
		}
		readPackets(t, audio, 10, 2*time.Second)
		return false
	}, 10*time.Second, 200*time.Millisecond, "the server computes a round-trip time from receiver reports")

	require.NoError(t, r.tr.Close())
	_, _, err := audio.ReadRTP()
	require.ErrorIs(t, err, io.EOF)
	<-rtcpDone
	close(stateCh)
	for s := range stateCh {
		states = append(states, s)
	}
	t.Logf("states: %v", states)
	require.Equal(t, webrtc.PeerConnectionStateClosed, states[len(states)-1])
}

func TestReceiveBeforeDTLS(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, true)
	r := e.newRecv(false, false)
	audio, ares := e.consume(ctx, r, e.opusID)
	video, vres := e.consume(ctx, r, e.vp8ID)
	// A reader waiting before the transport even started.
	got := make(chan error, 1)
	go func() {
		_, _, err := video.ReadRTP()
		got <- err
	}()
	// A read deadline works before the receiver started.
	require.NoError(t, audio.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, _, err := audio.ReadRTP()
	var te interface{ Timeout() bool }
	require.True(t, errors.As(err, &te) && te.Timeout(), "got %v", err)
	require.NoError(t, audio.SetReadDeadline(time.Time{}))
	select {
	case <-audio.Started():
		t.Fatal("started before the transport connected")
	default:
	}
	e.connectRecv(ctx, r)
	select {
	case err := <-got:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("no video packet after connecting")
	}
	checkStream(t, readPackets(t, audio, 20, 5*time.Second), ares.RTPParameters)
	checkStream(t, readPackets(t, video, 20, 5*time.Second), vres.RTPParameters)
}

func TestStopBeforeStartEndsReads(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	e := newEnv(t, true)
	r := e.newRecv(false, false)
	video, _ := e.consume(ctx, r, e.vp8ID)
	got := make(chan error, 1)
	go func() {
		_, _, err := video.ReadRTP()
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, r.tr.StopReceiving(video))
	select {
	case err := <-got:
		require.ErrorIs(t, err, io.EOF)
	case <-time.After(5 * time.Second):
		t.Fatal("the read did not end")
	}
	// The transport connects without starting it.
	e.connectRecv(ctx, r)
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	select {
	case <-video.Started():
		t.Fatal("a stopped receiver started")
	default:
	}
}

func TestStopReceivingFreesGoroutines(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, true)
	r := e.newRecv(false, true)
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	// A first consumer gets the probator going, if the server probes.
	first, _ := e.consume(ctx, r, e.vp8ID)
	readPackets(t, first, 30, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	before := goleak.IgnoreCurrent()

	video, vres := e.consume(ctx, r, e.vp8ID)
	readPackets(t, video, 30, 5*time.Second)
	done := make(chan error, 1)
	go func() {
		for {
			if _, _, err := video.ReadRTP(); err != nil {
				done <- err
				return
			}
		}
	}()
	require.NoError(t, r.tr.StopReceiving(video))
	require.ErrorIs(t, <-done, io.EOF)
	require.Nil(t, r.tr.Stats(video.SSRC()), "the interceptors forgot the stream")
	// The server still sends until its consumer closes: the transport takes
	// those packets without blocking the others.
	readPackets(t, first, 30, 5*time.Second)
	require.NoError(t, e.sig.CloseConsumer(ctx, vres.ID))
	time.Sleep(time.Second)
	readPackets(t, first, 30, 5*time.Second)
	require.Equal(t, 0, ortcrecv.Strays(r.tr), "stray streams are closed")
	goleak.VerifyNone(t, before, goleak.IgnoreTopFunction("github.com/soupkit/mediasoup-client-go/internal/ortcrecv.(*Transport).drain"))
	t.Logf("probator drained: %v", ortcrecv.ProbatorDrained(r.tr))
}

func TestCloseLeavesNothing(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, true)
	// The sending side is connected and sending once a first transport
	// receives: only then are its goroutines all there.
	r0 := e.newRecv(false, true)
	v0, _ := e.consume(ctx, r0, e.vp8ID)
	readPackets(t, v0, 10, 5*time.Second)
	require.NoError(t, r0.tr.Close())
	time.Sleep(200 * time.Millisecond)
	before := goleak.IgnoreCurrent()
	r := e.newRecv(true, true)
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	audio, _ := e.consume(ctx, r, e.opusID)
	video, _ := e.consume(ctx, r, e.vp8ID)
	readPackets(t, audio, 10, 5*time.Second)
	readPackets(t, video, 10, 5*time.Second)
	// Readers on both when the transport closes.
	done := make(chan error, 2)
	for _, rc := range []*ortcrecv.Receiver{audio, video} {
		go func(rc *ortcrecv.Receiver) {
			for {
				if _, _, err := rc.ReadRTP(); err != nil {
					done <- err
					return
				}
			}
		}(rc)
	}
	require.NoError(t, r.tr.Close())
	require.ErrorIs(t, <-done, io.EOF)
	require.ErrorIs(t, <-done, io.EOF)
	_, err := r.tr.Receive(params.MediaKindAudio, params.RTPParameters{})
	require.Error(t, err)
	goleak.VerifyNone(t, before)
}
