package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
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

// ---------------------------------------------------------------------------
// The Go side: a signaling connection and a loaded device.
// ---------------------------------------------------------------------------

type peer struct {
	t      testing.TB
	sig    *testbed.Client
	device *msc.Device
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
	return &peer{t: t, sig: sig, device: dev}
}

func (p *peer) transport(dir string, sctp bool) *msc.Transport {
	p.t.Helper()
	ctx := testCtx(p.t, 30*time.Second)
	info, err := p.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: dir, SCTP: sctp})
	require.NoError(p.t, err)
	opts := msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates,
		DTLSParameters: info.DTLSParameters, SCTPParameters: info.SCTPParameters,
	}
	var tr *msc.Transport
	if dir == "send" {
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

// consume creates the consumer on the server (paused), then with the SDK
// from the server's parameters, then resumes it on the server.
func (p *peer) consume(ctx context.Context, tr *msc.Transport, producerID string) (*msc.Consumer, *testbed.ConsumeResult) {
	p.t.Helper()
	res, err := p.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: tr.ID(), ProducerID: producerID, RTPCapabilities: p.device.RecvRTPCapabilities()})
	require.NoError(p.t, err)
	c, err := tr.Consume(ctx, msc.ConsumerOptions{ID: res.ID, ProducerID: res.ProducerID, Kind: res.Kind, RTPParameters: res.RTPParameters})
	require.NoError(p.t, err)
	require.NoError(p.t, p.sig.ResumeConsumer(ctx, c.ID()))
	return c, res
}

// sendCodec picks the device's send codec of mime (H264: profile 42e01f).
func (p *peer) sendCodec(mime string) *msc.RTPCodecCapability {
	p.t.Helper()
	for _, c := range p.device.SendRTPCapabilities().Codecs {
		if strings.EqualFold(c.MimeType, mime) && (mime != webrtc.MimeTypeH264 || c.Parameters["profile-level-id"] == "42e01f") {
			c := c
			return &c
		}
	}
	p.t.Fatalf("the Go device cannot send %s", mime)
	return nil
}

// produceFile plays a test media file into a new producer on tr.
func (p *peer) produceFile(ctx context.Context, tr *msc.Transport, mime, name string) *msc.Producer {
	p.t.Helper()
	track := playFile(p.t, mime, name)
	prod, err := tr.Produce(ctx, msc.ProducerOptions{Track: track, Codec: p.sendCodec(mime)})
	require.NoError(p.t, err)
	return prod
}

// mediaPath names a file of testdata/media.
func mediaPath(name string) string { return "../../testdata/media/" + name }

// playFile plays a media file into a new track, looping until the test ends.
func playFile(t testing.TB, mime, name string) *webrtc.TrackLocalStaticSample {
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
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: mime}, kind, "go-stream")
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

// packetSink reads a consumer's track until the consumer closes, counting
// packets and handing them to an optional callback.
type packetSink struct {
	n    atomic.Int64
	done chan struct{}
	mu   sync.Mutex
	fn   func(*rtp.Packet)
	err  error
}

func sinkTrack(t testing.TB, c *msc.Consumer, fn func(*rtp.Packet)) *packetSink {
	s := &packetSink{done: make(chan struct{}), fn: fn}
	t.Cleanup(func() { c.Close(); <-s.done })
	go func() {
		defer close(s.done)
		for {
			p, _, err := c.Track().ReadRTP()
			if err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
				return
			}
			s.n.Add(1)
			s.mu.Lock()
			f := s.fn
			s.mu.Unlock()
			if f != nil {
				f(p)
			}
		}
	}()
	return s
}

func (s *packetSink) count() int64 { return s.n.Load() }

// waitCount waits until the sink has counted at least n packets.
func (s *packetSink) waitCount(ctx context.Context, t testing.TB, n int64, what string) {
	t.Helper()
	for s.count() < n {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d packets, want %d", what, s.count(), n)
		case <-s.done:
			t.Fatalf("%s: track ended after %d packets (%v)", what, s.count(), s.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ---------------------------------------------------------------------------
// The browser side: mediasoup-client 3.24.1 on the interop page.
// ---------------------------------------------------------------------------

type page struct {
	t      testing.TB
	b      *browserProc
	joined pageJoin
}

type pageJoin struct {
	PeerID              string              `json:"peerId"`
	HandlerName         string              `json:"handlerName"`
	UserAgent           string              `json:"userAgent"`
	RecvRTPCapabilities msc.RTPCapabilities `json:"recvRtpCapabilities"`
	SendRTPCapabilities msc.RTPCapabilities `json:"sendRtpCapabilities"`
}

// pageMedia is a producer or consumer of the page.
type pageMedia struct {
	ID            string            `json:"id"`
	Kind          msc.MediaKind     `json:"kind"`
	Type          string            `json:"type"`
	RTPParameters msc.RTPParameters `json:"rtpParameters"`
}

type pageData struct {
	ID                   string                   `json:"id"`
	Label                string                   `json:"label"`
	ReadyState           string                   `json:"readyState"`
	SCTPStreamParameters msc.SCTPStreamParameters `json:"sctpStreamParameters"`
}

type pageMessage struct {
	Text   *string `json:"text"`
	Binary []byte  `json:"binary"` // base64 in JSON
}

// rtpStat is one inbound-rtp or outbound-rtp entry of the page's stats.
type rtpStat struct {
	Kind             string  `json:"kind"`
	SSRC             uint32  `json:"ssrc"`
	MimeType         string  `json:"mimeType"`
	PayloadType      int     `json:"payloadType"`
	SDPFmtpLine      string  `json:"sdpFmtpLine"`
	PacketsReceived  int64   `json:"packetsReceived"`
	PacketsLost      int64   `json:"packetsLost"`
	BytesReceived    int64   `json:"bytesReceived"`
	FramesDecoded    int64   `json:"framesDecoded"`
	KeyFramesDecoded int64   `json:"keyFramesDecoded"`
	FrameWidth       int     `json:"frameWidth"`
	FrameHeight      int     `json:"frameHeight"`
	TotalAudioEnergy float64 `json:"totalAudioEnergy"`
	AudioLevel       float64 `json:"audioLevel"`
	Decoder          string  `json:"decoderImplementation"`
	RID              string  `json:"rid"`
	PacketsSent      int64   `json:"packetsSent"`
	FramesEncoded    int64   `json:"framesEncoded"`
	ScalabilityMode  string  `json:"scalabilityMode"`
	QualityLimit     string  `json:"qualityLimitationReason"`
	Encoder          string  `json:"encoderImplementation"`
	PLICount         int64   `json:"pliCount"`
}

type pageStats struct {
	Producers map[string][]rtpStat `json:"producers"`
	Consumers map[string][]rtpStat `json:"consumers"`
}

// inbound returns the single inbound-rtp entry of a page consumer.
func (s pageStats) inbound(id string) rtpStat {
	if l := s.Consumers[id]; len(l) > 0 {
		return l[0]
	}
	return rtpStat{}
}

type pageEvent map[string]any

func (e pageEvent) str(k string) string { v, _ := e[k].(string); return v }

// openPage starts a browser, loads the interop page and joins room.
func openPage(t testing.TB, room string) *page {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok {
		t.Fatal("openPage needs a *testing.T")
	}
	b := launchBrowser(tt)
	ctx := testCtx(t, 60*time.Second)
	require.NoError(t, b.navigate(ctx, server.HTTPURL()+"interop/"))
	p := &page{t: t, b: b}
	p.call("join", map[string]any{"room": room}, &p.joined)
	t.Logf("browser: %s, mediasoup-client handler %s, peer %s", p.joined.UserAgent, p.joined.HandlerName, p.joined.PeerID)
	return p
}

// call runs a page function and fails the test on error.
func (p *page) call(name string, arg, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(p.t, p.b.call(ctx, name, arg, out))
}

func (p *page) produce(opts map[string]any) map[msc.MediaKind]pageMedia {
	p.t.Helper()
	var list []pageMedia
	p.call("produce", opts, &list)
	out := map[msc.MediaKind]pageMedia{}
	for _, m := range list {
		out[m.Kind] = m
	}
	return out
}

func (p *page) consume(producerID string) pageMedia {
	p.t.Helper()
	var m pageMedia
	p.call("consume", map[string]any{"producerId": producerID}, &m)
	return m
}

func (p *page) stats() pageStats {
	p.t.Helper()
	var s pageStats
	p.call("stats", nil, &s)
	return s
}

func (p *page) events() []pageEvent {
	p.t.Helper()
	var e []pageEvent
	p.call("events", nil, &e)
	return e
}

// waitEvent polls the page's event log for an event of typ whose field key
// equals val.
func (p *page) waitEvent(ctx context.Context, typ, key, val string) pageEvent {
	p.t.Helper()
	for {
		for _, e := range p.events() {
			if e.str("type") == typ && e.str(key) == val {
				return e
			}
		}
		select {
		case <-ctx.Done():
			raw, _ := json.Marshal(p.events())
			p.t.Fatalf("the page never saw %s with %s=%s; its events: %s", typ, key, val, raw)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitStats polls the page's stats until ok accepts them.
func (p *page) waitStats(ctx context.Context, what string, ok func(pageStats) bool) pageStats {
	p.t.Helper()
	var last pageStats
	for {
		last = p.stats()
		if ok(last) {
			return last
		}
		select {
		case <-ctx.Done():
			raw, _ := json.Marshal(last)
			p.t.Fatalf("%s: never reached; last page stats: %s", what, raw)
		case <-time.After(250 * time.Millisecond):
		}
	}
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
