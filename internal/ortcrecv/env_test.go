package ortcrecv_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/ortcrecv"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

var server *testbed.Server

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testbed.RunTests(m, func(s *testbed.Server) { server = s }))
}

var roomSeq atomic.Int64

func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// env is one room: a signaling connection, the device's extended
// capabilities and a sending device with an Opus and a VP8 producer.
type env struct {
	t        testing.TB
	sig      *testbed.Client
	ext      ortc.ExtendedRTPCapabilities
	recvCaps params.RTPCapabilities
	opusID   string
	vp8ID    string
}

func newEnv(t testing.TB, produce bool) *env {
	t.Helper()
	ctx := testCtx(t, 60*time.Second)
	room := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), roomSeq.Add(1))
	sig, err := server.Dial(ctx, room)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sig.Close() })
	caps, err := sig.GetRouterRTPCapabilities(ctx)
	require.NoError(t, err)
	router, err := params.Convert[params.RTPCapabilities](caps)
	require.NoError(t, err)
	ext, err := ortc.GetExtendedRTPCapabilities(nativeCaps(t), router, false)
	require.NoError(t, err)
	e := &env{t: t, sig: sig, ext: ext, recvCaps: ortc.GetRecvRTPCapabilities(ext)}
	if produce {
		e.produce(ctx, caps)
	}
	return e
}

// nativeCaps are the handler's codecs and header extensions, as the SDK's
// device computes them.
func nativeCaps(t testing.TB) params.RTPCapabilities {
	m, err := handler.NewMediaEngine()
	require.NoError(t, err)
	ir := &interceptor.Registry{}
	require.NoError(t, handler.RegisterInterceptors(m, ir))
	caps, err := handler.NativeRTPCapabilities(webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir)))
	require.NoError(t, err)
	return caps
}

func (e *env) produce(ctx context.Context, caps msc.RTPCapabilities) {
	t := e.t
	dev, err := msc.NewDevice(msc.DeviceOptions{SettingEngine: testbed.LoopbackSettingEngine()})
	require.NoError(t, err)
	require.NoError(t, dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: caps}))
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: testbed.DirectionSend})
	require.NoError(t, err)
	send, err := dev.CreateSendTransport(info.Options())
	require.NoError(t, err)
	t.Cleanup(send.Close)
	send.OnConnect(func(ctx context.Context, cp msc.ConnectParams) error {
		return e.sig.ConnectWebRTCTransport(ctx, send.ID(), cp.DTLSParameters)
	})
	send.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		return e.sig.Produce(ctx, testbed.ProduceOptions{TransportID: send.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters, AppData: pp.AppData})
	})
	a, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg")})
	require.NoError(t, err)
	v, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-160x120.ivf")})
	require.NoError(t, err)
	e.opusID, e.vp8ID = a.ID(), v.ID()
}

func playFile(t testing.TB, mime, name string) *webrtc.TrackLocalStaticSample {
	t.Helper()
	path := "../../testdata/media/" + name
	var frames []mediafile.Frame
	var err error
	if mime == webrtc.MimeTypeOpus {
		frames, err = mediafile.ReadOgg(path)
	} else {
		frames, _, err = mediafile.ReadIVF(path)
	}
	require.NoError(t, err)
	kind := "video"
	if mime == webrtc.MimeTypeOpus {
		kind = "audio"
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: mime}, kind, "stream")
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

// recv is a receive transport on both sides.
type recv struct {
	id string
	tr *ortcrecv.Transport
}

// newRecv creates the server's transport and the local one, and connects
// it unless connect is false (then connectRecv does).
func (e *env) newRecv(sctp, connect bool) *recv {
	t := e.t
	ctx := testCtx(t, 30*time.Second)
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: testbed.DirectionRecv, SCTP: sctp})
	require.NoError(t, err)
	tr, err := ortcrecv.New(ortcrecv.Options{
		ICEParameters:  wire[params.ICEParameters](t, info.ICEParameters),
		ICECandidates:  wire[[]params.ICECandidate](t, info.ICECandidates),
		DTLSParameters: wire[params.DTLSParameters](t, info.DTLSParameters),
		SCTPParameters: wire[*params.SCTPParameters](t, info.SCTPParameters),
		Extended:       e.ext, SettingEngine: testbed.LoopbackSettingEngine(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	r := &recv{id: info.ID, tr: tr}
	if connect {
		e.connectRecv(ctx, r)
	}
	return r
}

func (e *env) connectRecv(ctx context.Context, r *recv) {
	dtls, err := r.tr.LocalDTLSParameters()
	require.NoError(e.t, err)
	require.NoError(e.t, e.sig.ConnectWebRTCTransport(ctx, r.id, wire[msc.DTLSParameters](e.t, dtls)))
	require.NoError(e.t, r.tr.Start(ctx))
}

// waitState waits until the transport reaches want.
func waitState(t testing.TB, tr *ortcrecv.Transport, want webrtc.PeerConnectionState, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for tr.ConnectionState() != want {
		if time.Now().After(deadline) {
			t.Fatalf("transport is %s, not %s, after %s", tr.ConnectionState(), want, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serverConsume asks the server for a paused consumer of producerID.
func (e *env) serverConsume(ctx context.Context, r *recv, producerID string) *testbed.ConsumeResult {
	e.t.Helper()
	res, err := e.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: r.id, ProducerID: producerID, RTPCapabilities: wire[msc.RTPCapabilities](e.t, e.recvCaps)})
	require.NoError(e.t, err)
	return res
}

// consume receives a consumer of producerID and resumes it.
func (e *env) consume(ctx context.Context, r *recv, producerID string) (*ortcrecv.Receiver, *testbed.ConsumeResult) {
	e.t.Helper()
	res := e.serverConsume(ctx, r, producerID)
	rc, err := r.tr.Receive(params.MediaKind(res.Kind), wire[params.RTPParameters](e.t, res.RTPParameters))
	require.NoError(e.t, err)
	require.NoError(e.t, e.sig.ResumeConsumer(ctx, res.ID))
	return rc, res
}

// wire converts a wire object between the kit's public types and the
// internal ones the transport takes.
func wire[T any](t testing.TB, v any) T {
	t.Helper()
	out, err := params.Convert[T](v)
	require.NoError(t, err)
	return out
}
