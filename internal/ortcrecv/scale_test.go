package ortcrecv_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/handler/peerconn"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// scaleN is the number of consumers the scale test adds to an ORTC
// transport; handlerN (ORTCRECV_HANDLER_N, default 300, 0 to skip) to the
// SDP handler for comparison.
const scaleN = 1000

func handlerN() int {
	if v := os.Getenv("ORTCRECV_HANDLER_N"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return 300
}

// figures are what adding consumers one by one cost.
type figures struct {
	n                 int
	p50, p99, max     time.Duration
	total             time.Duration
	heapPerConsumer   float64
	goroutinesPerCons float64
}

func (f figures) String() string {
	return fmt.Sprintf("%d consumers: Receive p50 %s p99 %s max %s, total %s; %.0f B heap and %.2f goroutines per idle consumer",
		f.n, f.p50, f.p99, f.max, f.total.Round(time.Millisecond), f.heapPerConsumer, f.goroutinesPerCons)
}

func heapNow() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// measure adds n paused consumers (alternating Opus and VP8+RTX) through
// add, timing add alone (the server's consume is not counted).
func (e *env) measure(ctx context.Context, transportID string, n int, add func(kind params.MediaKind, id string, rp params.RTPParameters) error) figures {
	t := e.t
	heap0, gr0 := heapNow()
	durs := make([]time.Duration, 0, n)
	recvCaps := wire[msc.RTPCapabilities](t, e.recvCaps)
	for i := 0; i < n; i++ {
		producer := e.opusID
		if i%2 == 1 {
			producer = e.vp8ID
		}
		res, err := e.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: transportID, ProducerID: producer, RTPCapabilities: recvCaps})
		require.NoError(t, err)
		rp := wire[params.RTPParameters](t, res.RTPParameters)
		start := time.Now()
		require.NoError(t, add(params.MediaKind(res.Kind), res.ID, rp))
		durs = append(durs, time.Since(start))
	}
	time.Sleep(500 * time.Millisecond)
	heap1, gr1 := heapNow()
	f := figures{n: n}
	for _, d := range durs {
		f.total += d
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	f.p50, f.p99, f.max = durs[n/2], durs[n*99/100], durs[n-1]
	f.heapPerConsumer = (float64(heap1) - float64(heap0)) / float64(n)
	f.goroutinesPerCons = float64(gr1-gr0) / float64(n)
	return f
}

func TestScaleOneByOne(t *testing.T) {
	ctx := testCtx(t, 15*time.Minute)
	e := newEnv(t, true)

	r := e.newRecv(false, true)
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	ortcFig := e.measure(ctx, r.id, scaleN, func(kind params.MediaKind, _ string, rp params.RTPParameters) error {
		_, err := r.tr.Receive(kind, rp)
		return err
	})
	t.Logf("ORTC: %s", ortcFig)
	// A consumer resumed now still gets media on the crowded transport.
	video, vres := e.consume(ctx, r, e.vp8ID)
	checkStream(t, readPackets(t, video, 20, 5*time.Second), vres.RTPParameters)
	require.NoError(t, r.tr.Close())

	n := handlerN()
	if n == 0 {
		return
	}
	h, id := e.newHandler(ctx)
	hFig := e.measure(ctx, id, n, func(kind params.MediaKind, cid string, rp params.RTPParameters) error {
		_, err := h.Receive(ctx, []handler.ReceiveOptions{{TrackID: cid, Kind: kind, RTPParameters: rp}})
		return err
	})
	t.Logf("SDP handler: %s", hFig)
	require.NoError(t, h.Close())
}

// newHandler is a receive transport of the SDK's SDP handler, set up as the
// device sets it up, and connected.
func (e *env) newHandler(ctx context.Context) (*peerconn.Handler, string) {
	t := e.t
	m, err := handler.NewMediaEngine()
	require.NoError(t, err)
	ir := &interceptor.Registry{}
	require.NoError(t, handler.RegisterInterceptors(m, ir))
	ir.Add(&handler.StatsFactory{})
	se := testbed.LoopbackSettingEngine()
	se.BufferFactory = handler.BufferFactory
	require.NoError(t, se.SetAnsweringDTLSRole(webrtc.DTLSRoleClient))
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(*se))
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: testbed.DirectionRecv})
	require.NoError(t, err)
	h, err := peerconn.New(peerconn.Options{
		Direction: handler.DirectionRecv, API: api, ICEParameters: wire[params.ICEParameters](t, info.ICEParameters),
		ICECandidates: wire[[]params.ICECandidate](t, info.ICECandidates), DTLSParameters: wire[params.DTLSParameters](t, info.DTLSParameters),
		Extended: e.ext,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	dtls, err := h.LocalDTLSParameters()
	require.NoError(t, err)
	require.NoError(t, e.sig.ConnectWebRTCTransport(ctx, info.ID, wire[msc.DTLSParameters](t, dtls)))
	return h, info.ID
}
