package mediasoupclient

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func loadFixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/fixtures/" + name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

func loadedDevice(t testing.TB) *Device {
	t.Helper()
	var caps RTPCapabilities
	loadFixture(t, "router-rtp-capabilities.json", &caps)
	d, err := NewDevice(DeviceOptions{})
	require.NoError(t, err)
	require.NoError(t, d.Load(context.Background(), DeviceLoadOptions{RouterRTPCapabilities: caps}))
	return d
}

// fixtureTransportOptions are the captured server transport's parameters;
// its only candidate is on 127.0.0.1.
func fixtureTransportOptions(t testing.TB) TransportOptions {
	t.Helper()
	var o TransportOptions // the server's JSON decodes straight into it
	loadFixture(t, "webrtc-transport.json", &o)
	for _, c := range o.ICECandidates {
		require.Equal(t, "127.0.0.1", c.Host(), "fixtures must only point at loopback")
	}
	return o
}

func TestDeviceLoad(t *testing.T) {
	d := loadedDevice(t)
	require.True(t, d.Loaded())
	require.Equal(t, HandlerNamePion, d.HandlerName())
	for _, k := range []MediaKind{MediaKindAudio, MediaKindVideo} {
		ok, err := d.CanProduce(k)
		require.NoError(t, err)
		require.True(t, ok, k)
	}
	_, err := d.CanProduce("data")
	require.ErrorIs(t, err, ErrInvalidParameters)
	mimes := map[string]int{}
	for _, c := range d.RecvRTPCapabilities().Codecs {
		mimes[c.MimeType]++
	}
	require.Equal(t, map[string]int{"audio/opus": 1, "video/VP8": 1, "video/VP9": 1, "video/H264": 2, "video/rtx": 4}, mimes)
	require.Equal(t, d.RecvRTPCapabilities(), d.RTPCapabilities())
	err = d.Load(context.Background(), DeviceLoadOptions{})
	require.ErrorIs(t, err, ErrInvalidState)
}

func TestDeviceErrors(t *testing.T) {
	d, err := NewDevice(DeviceOptions{})
	require.NoError(t, err)
	_, err = d.CanProduce(MediaKindAudio)
	require.ErrorIs(t, err, ErrInvalidState)
	_, err = d.CreateSendTransport(fixtureTransportOptions(t))
	require.ErrorIs(t, err, ErrInvalidState)
	require.Empty(t, d.RecvRTPCapabilities().Codecs)
	err = d.Load(context.Background(), DeviceLoadOptions{RouterRTPCapabilities: RTPCapabilities{Codecs: []RTPCodecCapability{{Kind: "audio", MimeType: "video/VP8", ClockRate: 90000}}}})
	require.ErrorIs(t, err, ErrInvalidParameters)
	require.False(t, d.Loaded())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, d.Load(ctx, DeviceLoadOptions{}), context.Canceled)
	_, err = NewDevice(DeviceOptions{HandlerName: "Chrome111"})
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestTransportOptionsValidation(t *testing.T) {
	d := loadedDevice(t)
	good := fixtureTransportOptions(t)
	cases := map[string]func(o *TransportOptions){
		"no id":          func(o *TransportOptions) { o.ID = "" },
		"no ufrag":       func(o *TransportOptions) { o.ICEParameters.UsernameFragment = "" },
		"no fingerprint": func(o *TransportOptions) { o.DTLSParameters.Fingerprints = nil },
		"bad candidate": func(o *TransportOptions) {
			o.ICECandidates = []ICECandidate{{IP: "not-an-ip", Port: 1, Protocol: "udp", Type: "host"}}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			o := good
			o.ICECandidates = append([]ICECandidate(nil), good.ICECandidates...)
			mutate(&o)
			_, err := d.CreateRecvTransport(o)
			require.ErrorIs(t, err, ErrInvalidParameters)
		})
	}
}

// TestProduceOffline negotiates against the captured server parameters
// without a server: the SDP work and the hooks, not the media.
func TestProduceOffline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := loadedDevice(t)
	tr, err := d.CreateSendTransport(fixtureTransportOptions(t))
	require.NoError(t, err)
	defer tr.Close()
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a", "s")
	require.NoError(t, err)
	ctx := context.Background()

	_, err = tr.Produce(ctx, ProducerOptions{Track: track})
	require.ErrorIs(t, err, ErrInvalidParameters, "no OnProduce hook (a TypeError in mediasoup-client)")

	var connects int
	tr.OnConnect(func(ctx context.Context, p ConnectParams) error {
		connects++
		require.Equal(t, DTLSRoleClient, p.DTLSParameters.Role)
		require.NotEmpty(t, p.DTLSParameters.Fingerprints)
		return nil
	})
	hookErr := errors.New("server said no")
	tr.OnProduce(func(ctx context.Context, p ProduceParams) (string, error) { return "", hookErr })
	_, err = tr.Produce(ctx, ProducerOptions{Track: track})
	require.ErrorIs(t, err, hookErr)

	var got ProduceParams
	tr.OnProduce(func(ctx context.Context, p ProduceParams) (string, error) { got = p; return "p1", nil })
	p, err := tr.Produce(ctx, ProducerOptions{Track: track, CodecOptions: &ProducerCodecOptions{OpusStereo: ptr(true), OpusDTX: ptr(true), OpusNACK: ptr(false)}})
	require.NoError(t, err)
	require.Equal(t, 1, connects)
	require.Equal(t, "p1", p.ID())
	require.Equal(t, MediaKindAudio, got.Kind)
	rp := got.RTPParameters
	require.Equal(t, "audio/opus", rp.Codecs[0].MimeType)
	require.Equal(t, float64(1), rp.Codecs[0].Parameters["sprop-stereo"])
	require.Equal(t, float64(1), rp.Codecs[0].Parameters["usedtx"])
	require.NotContains(t, rp.Codecs[0].RTCPFeedback, RTCPFeedback{Type: "nack"}, "opusNack false")
	require.Len(t, rp.Encodings, 1)
	require.NotZero(t, rp.Encodings[0].SSRC)
	require.NotEmpty(t, rp.MID)
	require.NotEmpty(t, rp.RTCP.CNAME)
	b, err := json.Marshal(rp)
	require.NoError(t, err)
	var back RTPParameters
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, ValidateRTPParameters(&back))

	closed := make(chan struct{})
	p.OnTransportClose(func() { close(closed) })
	tr.Close()
	tr.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnTransportClose not fired")
	}
	require.True(t, p.Closed())
	_, err = tr.Produce(ctx, ProducerOptions{Track: track})
	require.ErrorIs(t, err, ErrInvalidState)
}

func ptr[T any](v T) *T { return &v }
