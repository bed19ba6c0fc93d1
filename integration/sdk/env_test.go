package sdk

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

var roomSeq atomic.Int64

// testCtx is bounded by d and ends with the test.
func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func newRoom(t testing.TB) string {
	return fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), roomSeq.Add(1))
}

// peer is one participant: a signaling connection and a loaded device.
type peer struct {
	t      testing.TB
	sig    *testbed.Client
	device *msc.Device
	caps   msc.RTPCapabilities
}

func newPeer(t testing.TB, room string) *peer {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	sig, err := server.Dial(ctx, room)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sig.Close() })
	caps, err := sig.GetRouterRTPCapabilities(ctx)
	require.NoError(t, err)
	dev, err := msc.NewDevice(testDeviceOptions(loopbackOnly()))
	require.NoError(t, err)
	require.NoError(t, dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: caps}))
	return &peer{t: t, sig: sig, device: dev, caps: caps}
}

func (p *peer) transport(dir string, sctp bool) *msc.Transport {
	p.t.Helper()
	return p.transportWith(dir, sctp, func(*msc.TransportOptions) {})
}

// transportWith is peer.transport with the options edited before the
// transport is created.
func (p *peer) transportWith(dir string, sctp bool, edit func(*msc.TransportOptions)) *msc.Transport {
	p.t.Helper()
	ctx := testCtx(p.t, 30*time.Second)
	info, err := p.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: dir, SCTP: sctp})
	require.NoError(p.t, err)
	opts := info.Options()
	edit(&opts)
	var tr *msc.Transport
	if dir == testbed.DirectionSend {
		tr, err = p.device.CreateSendTransport(opts)
	} else {
		tr, err = p.device.CreateRecvTransport(opts)
	}
	require.NoError(p.t, err)
	p.t.Cleanup(tr.Close)
	tr.OnConnect(func(ctx context.Context, cp msc.ConnectParams) error {
		return p.sig.ConnectWebRTCTransport(ctx, tr.ID(), cp.DTLSParameters)
	})
	tr.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		return p.sig.Produce(ctx, testbed.ProduceOptions{TransportID: tr.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters, AppData: pp.AppData})
	})
	tr.OnProduceData(func(ctx context.Context, pp msc.ProduceDataParams) (string, error) {
		sp := pp.SCTPStreamParameters
		return p.sig.ProduceData(ctx, testbed.ProduceDataOptions{TransportID: tr.ID(), SCTPStreamParameters: &sp, Label: pp.Label, Protocol: pp.Protocol, AppData: pp.AppData})
	})
	return tr
}

// serverConsume asks the server for a (paused) consumer of producerID.
func (p *peer) serverConsume(ctx context.Context, tr *msc.Transport, producerID string) msc.ConsumerOptions {
	p.t.Helper()
	res, err := p.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: tr.ID(), ProducerID: producerID, RTPCapabilities: p.device.RecvRTPCapabilities()})
	require.NoError(p.t, err)
	return msc.ConsumerOptions{ID: res.ID, ProducerID: res.ProducerID, Kind: res.Kind, RTPParameters: res.RTPParameters}
}

// consume creates the consumer on both sides and resumes it on the server.
func (p *peer) consume(ctx context.Context, tr *msc.Transport, producerID string) *msc.Consumer {
	p.t.Helper()
	c, err := tr.Consume(ctx, p.serverConsume(ctx, tr, producerID))
	require.NoError(p.t, err)
	require.NoError(p.t, p.sig.ResumeConsumer(ctx, c.ID()))
	return c
}

// mediaPath names a file of testdata/media.
func mediaPath(name string) string { return "../../testdata/media/" + name }

// playFile plays a media file into a new track, looping until the test ends.
// sendCodec is the device's send codec of mime (and H264 profile-level-id
// when profile is set).
func sendCodec(t testing.TB, dev *msc.Device, mime, profile string) *msc.RTPCodecCapability {
	t.Helper()
	for _, c := range dev.SendRTPCapabilities().Codecs {
		if c.MimeType == mime && (profile == "" || c.Parameters["profile-level-id"] == profile) {
			return &c
		}
	}
	t.Fatalf("the device cannot send %s %s", mime, profile)
	return nil
}

// produceSimulcast produces three VP8 layers from files (80x60, 160x120,
// 320x240 with RIDs r0, r1, r2; 100, 300 and 900 kbit/s).
func produceSimulcast(ctx context.Context, t testing.TB, send *msc.Transport) *msc.Producer {
	t.Helper()
	prod, err := send.Produce(ctx, msc.ProducerOptions{
		Track: playFile(t, webrtc.MimeTypeVP8, "vp8-80x60.ivf", "r0"),
		LayerTracks: []webrtc.TrackLocal{
			playFile(t, webrtc.MimeTypeVP8, "vp8-160x120.ivf", "r1"),
			playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "r2"),
		},
		Encodings: []msc.RTPEncodingParameters{{MaxBitrate: 100000}, {MaxBitrate: 300000}, {MaxBitrate: 900000, ScalabilityMode: "L1T1"}},
	})
	require.NoError(t, err)
	return prod
}

func playFile(t testing.TB, mime, name, rid string) *webrtc.TrackLocalStaticSample {
	t.Helper()
	var frames []mediafile.Frame
	var err error
	switch mime {
	case webrtc.MimeTypeOpus:
		frames, err = mediafile.ReadOgg(mediaPath(name))
	case webrtc.MimeTypeH264:
		frames, err = mediafile.ReadH264(mediaPath(name), 30)
	default:
		frames, _, err = mediafile.ReadIVF(mediaPath(name))
	}
	require.NoError(t, err)
	kind := "video"
	if mime == webrtc.MimeTypeOpus {
		kind = "audio"
	}
	var opts []func(*webrtc.TrackLocalStaticRTP)
	if rid != "" {
		opts = append(opts, webrtc.WithRTPStreamID(rid))
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: mime}, kind, "stream", opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = mediafile.Play(ctx, track, frames, true)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return track
}

// loopbackOnly keeps pion on 127.0.0.1.
func loopbackOnly() *webrtc.SettingEngine { return testbed.LoopbackSettingEngine() }

// mediaSample is a tiny valid Opus packet (a 20 ms silence frame).
func mediaSample() media.Sample {
	return media.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond}
}

// handlerEnv names the handler the suite runs under (empty: the default);
// make test runs the suite under each.
const handlerEnv = "MSC_TEST_HANDLER"

// testDeviceOptions are the options of the suite's devices.
func testDeviceOptions(se *webrtc.SettingEngine) msc.DeviceOptions {
	return msc.DeviceOptions{SettingEngine: se, HandlerName: os.Getenv(handlerEnv)}
}

// ortcHandler reports whether receive transports run on the ORTC handler.
func ortcHandler() bool { return os.Getenv(handlerEnv) == msc.HandlerNamePionORTC }
