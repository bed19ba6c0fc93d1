package sdk

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// TestConsumeBeforeConnect: Consume returns before the transport has ever
// connected (the server learns the DTLS parameters only later), and the
// consumer's track delivers media once it connects.
func TestConsumeBeforeConnect(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	// The hook answers at once and tells the server later: until then
	// nothing can connect.
	connected := make(chan error, 1)
	recv.OnConnect(func(_ context.Context, p msc.ConnectParams) error {
		go func() {
			time.Sleep(500 * time.Millisecond)
			connected <- bob.sig.ConnectWebRTCTransport(ctx, recv.ID(), p.DTLSParameters)
		}()
		return nil
	})
	opts := bob.serverConsume(ctx, recv, prod.ID())
	start := time.Now()
	c, err := recv.Consume(ctx, opts)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 300*time.Millisecond)
	require.NotEqual(t, webrtc.PeerConnectionStateConnected, recv.ConnectionState(), "Consume returned before the transport connected")
	require.NoError(t, bob.sig.ResumeConsumer(ctx, c.ID()))
	pkts := readPackets(t, c.Track(), 20, 15*time.Second)
	require.NoError(t, <-connected)
	requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
}

// TestICEFailureEndsPendingRead: a real server transport whose candidate
// is made unreachable fails ICE; a read pending since before the connection
// ends within a second of the failed state, with a clear error.
func TestICEFailureEndsPendingRead(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)

	se := loopbackOnly()
	se.SetICETimeouts(500*time.Millisecond, time.Second, 200*time.Millisecond)
	dev, err := msc.NewDevice(testDeviceOptions(se))
	require.NoError(t, err)
	require.NoError(t, dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: bob.caps}))
	info, err := bob.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	require.NoError(t, err)
	// A port nobody listens on.
	hole, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	port := hole.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, hole.Close())
	cand := info.ICECandidates[0]
	for _, c := range info.ICECandidates {
		if c.Protocol == "udp" {
			cand = c
		}
	}
	cand.Port = uint16(port)
	recv, err := dev.CreateRecvTransport(msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: []msc.ICECandidate{cand}, DTLSParameters: info.DTLSParameters,
	})
	require.NoError(t, err)
	defer recv.Close()
	recv.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return bob.sig.ConnectWebRTCTransport(ctx, recv.ID(), p.DTLSParameters)
	})
	failed := make(chan time.Time, 1)
	recv.OnConnectionStateChange(func(s msc.ConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			failed <- time.Now()
		}
	})
	res, err := bob.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: recv.ID(), ProducerID: prod.ID(), RTPCapabilities: dev.RecvRTPCapabilities()})
	require.NoError(t, err)
	c, err := recv.Consume(ctx, msc.ConsumerOptions{ID: res.ID, ProducerID: res.ProducerID, Kind: res.Kind, RTPParameters: res.RTPParameters})
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() { _, _, err := c.Track().ReadRTP(); read <- err }()
	var at time.Time
	select {
	case at = <-failed:
	case <-ctx.Done():
		t.Fatal("ICE never failed")
	}
	select {
	case err := <-read:
		require.ErrorIs(t, err, msc.ErrInvalidState)
		t.Logf("pending read ended %v after the failed state: %v", time.Since(at), err)
		require.Less(t, time.Since(at), time.Second)
	case <-time.After(3 * time.Second):
		t.Fatal("the pending read outlived the failed transport")
	}
}

// TestSCTPParameterShapes: a send transport made from the server's own SCTP
// parameters and one made from the same rewritten into the newer shape
// (maxSendMessageSize and friends, no OS/MIS/maxMessageSize) both open a
// data channel through the bundled server and report the size limit of the
// fields present.
func TestSCTPParameterShapes(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	recv := bob.transport("recv", true)
	for _, shape := range []string{"server's", "newer"} {
		t.Run(shape, func(t *testing.T) {
			info, err := alice.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "send", SCTP: true})
			require.NoError(t, err)
			require.NotNil(t, info.SCTPParameters)
			sp := *info.SCTPParameters
			want := 65535 // what a pion v3 data channel can receive, below the server's 262144
			if shape == "newer" {
				size := 50000
				n := msc.SCTPParameters{Port: sp.Port, MaxSendMessageSize: &size, MaxReceiveMessageSize: &size}
				sp = n
				want = 50000
			}
			send, err := alice.device.CreateSendTransport(msc.TransportOptions{
				ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates,
				DTLSParameters: info.DTLSParameters, SCTPParameters: &sp,
			})
			require.NoError(t, err)
			defer send.Close()
			send.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
				return alice.sig.ConnectWebRTCTransport(ctx, send.ID(), p.DTLSParameters)
			})
			send.OnProduceData(func(ctx context.Context, p msc.ProduceDataParams) (string, error) {
				s := p.SCTPStreamParameters
				return alice.sig.ProduceData(ctx, testbed.ProduceDataOptions{TransportID: send.ID(), SCTPStreamParameters: &s, Label: p.Label})
			})
			require.Equal(t, want, send.GetDataChannelMaxMessageSize())
			dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "shape"})
			require.NoError(t, err)
			dres, err := bob.sig.ConsumeData(ctx, recv.ID(), dp.ID())
			require.NoError(t, err)
			dc, err := recv.ConsumeData(ctx, dres.Options())
			require.NoError(t, err)
			got := collect(dc)
			waitOpen(t, ctx, dp.ReadyState)
			waitOpen(t, ctx, dc.ReadyState)
			require.NoError(t, dp.SendText("hello "+shape))
			msgs := got.wait(t, ctx, 1)
			require.Equal(t, "hello "+shape, string(msgs[0].Data))
		})
	}
}

// TestProduceMatchesTrackCodec: with no Codec option, Produce sends an
// encoded track with the router codec matching it (H264 42e01f, VP9
// profile 2, Opus), the server's producer has that codec, and a consumer
// receives it.
func TestProduceMatchesTrackCodec(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	_, bob, send, recv := newPair(t)
	cases := []struct {
		name string
		cap  webrtc.RTPCodecCapability
		file string
		want func(t *testing.T, c msc.RTPCodecParameters)
	}{
		{"h264 42e01f", webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, "h264-320x240.h264",
			func(t *testing.T, c msc.RTPCodecParameters) {
				v, _ := c.Parameters.String("profile-level-id")
				require.Equal(t, "42e01f", v)
			}},
		{"vp9 profile 2", webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=2"}, "vp9p2-160x120.ivf",
			func(t *testing.T, c msc.RTPCodecParameters) {
				v, _ := c.Parameters.String("profile-id")
				require.Equal(t, "2", v)
			}},
		{"opus", webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "opus-48k-stereo.ogg",
			func(t *testing.T, c msc.RTPCodecParameters) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := mediafile.Open(mediaPath(tc.file))
			require.NoError(t, err)
			kind := "video"
			if tc.cap.MimeType == webrtc.MimeTypeOpus {
				kind = "audio"
			}
			track, err := webrtc.NewTrackLocalStaticSample(tc.cap, kind, "s-"+kind)
			require.NoError(t, err)
			pctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); _ = mediafile.Play(pctx, track, f.Frames, true) }()
			defer func() { cancel(); <-done }()
			prod, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
			require.NoError(t, err)
			codec := prod.RTPParameters().Codecs[0]
			require.Equal(t, tc.cap.MimeType, codec.MimeType)
			tc.want(t, codec)
			c := bob.consume(ctx, recv, prod.ID())
			require.Equal(t, tc.cap.MimeType, c.RTPParameters().Codecs[0].MimeType)
			tc.want(t, c.RTPParameters().Codecs[0])
			pkts := readPackets(t, c.Track(), 10, 15*time.Second)
			requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
		})
	}
	// A codec the router does not have is named in the error.
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1;profile-level-id=640034"}, "video", "x")
	require.NoError(t, err)
	_, err = send.Produce(ctx, msc.ProducerOptions{Track: track})
	require.ErrorIs(t, err, msc.ErrUnsupported)
	require.Contains(t, err.Error(), "640034")
}
