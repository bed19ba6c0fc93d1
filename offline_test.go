package mediasoupclient

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func fixtureConsumers(t testing.TB) (audio, video ConsumerOptions) {
	t.Helper()
	// The server's consume responses decode straight into the options.
	loadFixture(t, "consumer-audio.json", &audio)
	loadFixture(t, "consumer-video-simulcast.json", &video)
	return audio, video
}

// TestConsumeOffline consumes the captured consumer parameters with no
// server behind them: the transport never connects, yet Consume and
// ConsumeMany return at once, read deadlines work on the tracks, and a read
// blocked before the connection ends with io.EOF when the transport closes.
func TestConsumeOffline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := loadedDevice(t)
	tr, err := d.CreateRecvTransport(fixtureTransportOptions(t))
	require.NoError(t, err)
	defer tr.Close()
	tr.OnConnect(func(ctx context.Context, p ConnectParams) error { return nil })
	audio, video := fixtureConsumers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	start := time.Now()
	c, err := tr.Consume(ctx, audio)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 100*time.Millisecond, "Consume waits for no connection")

	audio2 := audio
	audio2.ID = "audio-2"
	audio2.RTPParameters = audio.RTPParameters.Clone()
	audio2.RTPParameters.Encodings[0].SSRC++
	start = time.Now()
	cs, errs := tr.ConsumeMany(ctx, []ConsumerOptions{video, audio2})
	require.NoError(t, errors.Join(errs...))
	require.Less(t, time.Since(start), 100*time.Millisecond, "ConsumeMany waits for no connection")
	require.Len(t, cs, 2)

	track := c.Track()
	require.Equal(t, webrtc.SSRC(audio.RTPParameters.Encodings[0].SSRC), track.SSRC())
	require.Equal(t, "audio/opus", track.Codec().MimeType, "codec known before any packet")
	require.NotNil(t, track.TrackRemote())
	require.NoError(t, track.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	start = time.Now()
	_, _, err = track.ReadRTP()
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a read deadline before the connection times out: %v", err)
	require.Less(t, time.Since(start), time.Second)

	// A deadline moved while a read waits applies to that read.
	require.NoError(t, track.SetReadDeadline(time.Time{}))
	read := make(chan error, 1)
	go func() { _, _, err := cs[0].Track().ReadRTP(); read <- err }()
	go func() { _, _, err := track.ReadRTP(); read <- err }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, track.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	select {
	case err := <-read:
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "got %v", err)
	case <-time.After(2 * time.Second):
		t.Fatal("a new deadline did not end the pending read")
	}

	// The closed consumer's pending read ends; the transport's close ends
	// the other one.
	start = time.Now()
	tr.Close()
	select {
	case err := <-read:
		require.ErrorIs(t, err, io.EOF)
	case <-time.After(2 * time.Second):
		t.Fatal("a read blocked before the connection did not end with the transport")
	}
	require.Less(t, time.Since(start), time.Second)
	_, _, err = cs[1].Track().ReadRTP()
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, webrtc.PeerConnectionStateClosed, tr.ConnectionState(), "closed at once")

	bad := audio
	bad.RTPParameters.Codecs = nil
	tr2, err := d.CreateRecvTransport(fixtureTransportOptions(t))
	require.NoError(t, err)
	defer tr2.Close()
	_, err = tr2.Consume(context.Background(), bad)
	require.ErrorIs(t, err, ErrInvalidParameters)
	bad = audio
	bad.Kind = MediaKindVideo
	_, err = tr2.Consume(context.Background(), bad)
	require.ErrorIs(t, err, ErrInvalidParameters)
}

// TestOfflineTransportFails lets ICE fail against a candidate nobody
// answers: the transport reports failed, a read pending since before the
// connection ends with a clear error within a second of it, and a queued
// RestartICE runs.
func TestOfflineTransportFails(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var caps RTPCapabilities
	loadFixture(t, "router-rtp-capabilities.json", &caps)
	se := webrtc.SettingEngine{}
	se.SetICETimeouts(300*time.Millisecond, 600*time.Millisecond, 100*time.Millisecond)
	d, err := NewDevice(DeviceOptions{SettingEngine: &se})
	require.NoError(t, err)
	require.NoError(t, d.Load(context.Background(), DeviceLoadOptions{RouterRTPCapabilities: caps}))
	opts := fixtureTransportOptions(t)
	tr, err := d.CreateRecvTransport(opts)
	require.NoError(t, err)
	defer tr.Close()
	tr.OnConnect(func(ctx context.Context, p ConnectParams) error { return nil })
	failed := make(chan time.Time, 1)
	var statesMu sync.Mutex
	var states []ConnectionState
	tr.OnConnectionStateChange(func(s ConnectionState) {
		statesMu.Lock()
		states = append(states, s)
		statesMu.Unlock()
		if s == webrtc.PeerConnectionStateFailed {
			select {
			case failed <- time.Now():
			default:
			}
		}
	})
	audio, _ := fixtureConsumers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := tr.Consume(ctx, audio)
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() { _, _, err := c.Track().ReadRTP(); read <- err }()

	var failedAt time.Time
	select {
	case failedAt = <-failed:
	case <-ctx.Done():
		t.Fatal("the transport never reported failed")
	}
	require.Equal(t, webrtc.PeerConnectionStateFailed, tr.ConnectionState())
	select {
	case err := <-read:
		require.ErrorIs(t, err, ErrInvalidState)
		require.Less(t, time.Since(failedAt), time.Second)
	case <-time.After(2 * time.Second):
		t.Fatal("a read pending on a failed transport did not end")
	}
	ice := opts.ICEParameters
	ice.UsernameFragment = "restartufrag0000"
	ice.Password = "restartpassword000000000000000000"
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	require.NoError(t, tr.RestartICE(rctx, ice), "RestartICE runs on a failed transport")
	statesMu.Lock()
	defer statesMu.Unlock()
	require.Contains(t, states, webrtc.PeerConnectionStateFailed)
}

// TestHostileInputsOffline: strings that would reach the SDP unchecked, a
// typed nil track and a codec pion has no codec for fail with the right
// error kind before any negotiation, and nothing panics.
func TestHostileInputsOffline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := loadedDevice(t)
	recv, err := d.CreateRecvTransport(fixtureTransportOptions(t))
	require.NoError(t, err)
	defer recv.Close()
	recv.OnConnect(func(ctx context.Context, p ConnectParams) error { return nil })
	ctx := context.Background()
	audio, video := fixtureConsumers(t)
	consumes := map[string]struct {
		mutate func(o *ConsumerOptions)
		want   error
	}{
		"ID with CRLF":        {func(o *ConsumerOptions) { o.ID = "s\r\na=x:y" }, ErrInvalidParameters},
		"ID with space":       {func(o *ConsumerOptions) { o.ID = "a b" }, ErrInvalidParameters},
		"StreamID with CRLF":  {func(o *ConsumerOptions) { o.StreamID = "s\r\na=x:y" }, ErrInvalidParameters},
		"StreamID with space": {func(o *ConsumerOptions) { o.StreamID = "a b" }, ErrInvalidParameters},
		"unknown codec at VP8's payload type": {func(o *ConsumerOptions) {
			*o = video
			o.RTPParameters = video.RTPParameters.Clone()
			o.RTPParameters.Codecs[0].MimeType = "video/FOO"
		}, ErrUnsupported},
		"extension id 250": {func(o *ConsumerOptions) {
			o.RTPParameters.HeaderExtensions = append(o.RTPParameters.HeaderExtensions, RTPHeaderExtensionParameters{URI: "urn:x-test", ID: 250})
		}, ErrInvalidParameters},
	}
	for name, tc := range consumes {
		t.Run("consume "+name, func(t *testing.T) {
			o := audio
			o.RTPParameters = audio.RTPParameters.Clone()
			tc.mutate(&o)
			_, err := recv.Consume(ctx, o)
			require.ErrorIs(t, err, tc.want)
		})
	}
	c, err := recv.Consume(ctx, audio)
	require.NoError(t, err, "the transport works after every refusal")
	c.Close()

	send, err := d.CreateSendTransport(fixtureTransportOptions(t))
	require.NoError(t, err)
	defer send.Close()
	send.OnConnect(func(ctx context.Context, p ConnectParams) error { return nil })
	send.OnProduce(func(ctx context.Context, p ProduceParams) (string, error) { return "p-" + p.RTPParameters.MID, nil })
	var typedNil *webrtc.TrackLocalStaticSample
	_, err = send.Produce(ctx, ProducerOptions{Track: typedNil})
	require.ErrorIs(t, err, ErrInvalidParameters)
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a", "s")
	require.NoError(t, err)
	_, err = send.Produce(ctx, ProducerOptions{Track: track, LayerTracks: []webrtc.TrackLocal{typedNil}})
	require.ErrorIs(t, err, ErrInvalidParameters)
	for _, sid := range []string{"s\r\na=x:y", "a b"} {
		_, err = send.Produce(ctx, ProducerOptions{Track: track, StreamID: sid})
		require.ErrorIs(t, err, ErrInvalidParameters, "stream id %q", sid)
	}
	bad, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a\r\nb", "s")
	require.NoError(t, err)
	_, err = send.Produce(ctx, ProducerOptions{Track: bad})
	require.ErrorIs(t, err, ErrInvalidParameters, "track id with CRLF")
	p, err := send.Produce(ctx, ProducerOptions{Track: track})
	require.NoError(t, err)
	require.NoError(t, p.ReplaceTrack(ctx, typedNil), "a typed nil track stops sending, as a null track does")
	require.Nil(t, p.Track())
	require.NoError(t, p.ReplaceTrack(ctx, track))
	require.Equal(t, track, p.Track())
}
