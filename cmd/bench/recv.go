package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// Receivers of the receive bench.
const (
	recvSDK  = "sdk"  // Transport.ConsumeMany, then Consumer.Track()
	recvPion = "pion" // a pion PeerConnection set up without the SDK, configured as the Device configures its own
	// recvPionDefaults is the same with pion's default media engine and
	// interceptors (RegisterDefaultCodecs, RegisterDefaultInterceptors):
	// what a program on bare pion would start from.
	recvPionDefaults = "pion-defaults"
	// recvSDKORTC is recvSDK with the ORTC handler's receive transport.
	recvSDKORTC = "sdk-ortc"
)

// recvClients are the receivers in the order of the first repetition.
var recvClients = []string{recvPion, recvSDK, recvSDKORTC, recvPionDefaults}

// recvNames are the receivers' names in the report.
var recvNames = map[string]string{
	recvSDK:          "SDK `Consumer.Track()`",
	recvSDKORTC:      "SDK, ORTC handler",
	recvPion:         "raw pion",
	recvPionDefaults: "raw pion, pion's defaults",
}

// recvConfig is the receive bench's part of the flags.
type recvConfig struct {
	streams int           // K video consumers (0: no receive bench)
	window  time.Duration // measured time of one run
	warmup  time.Duration // time between the last stream's first packet and the window
	reps    int           // runs of each receiver, alternating
	file    string        // VP8 IVF file (default: generated with ffmpeg)
}

// recvResult is one run of one receiver.
type recvResult struct {
	client  string
	streams int           // streams with packets in the window
	window  time.Duration // wall time of the window
	cpu     time.Duration // user+system CPU time of this process in the window
	bytes   int64         // RTP bytes (headers included) read from the tracks
	packets int64
	alloc   uint64 // heap bytes allocated in the window
	gcs     uint32 // collections in the window
	err     error
}

func (r recvResult) mbit() float64 { return float64(r.bytes) * 8 / 1e6 }

// cpuPerMbit is CPU milliseconds per received megabit.
func (r recvResult) cpuPerMbit() float64 {
	if r.bytes == 0 {
		return 0
	}
	return float64(r.cpu) / float64(time.Millisecond) / r.mbit()
}

// recvBench measures the CPU cost of receiving K VP8 streams through the
// SDK's consumers against a pion PeerConnection receiving the same streams.
// The media comes from a feeder child process (so its CPU time is not
// counted) into a comedia PlainTransport of the server with one producer
// per stream; each run consumes all K producers on a fresh receive
// transport and reads every track in its own goroutine, the same reader for
// both receivers.
type recvBench struct {
	e          *env
	cfg        recvConfig
	profileDir string
	dev        *msc.Device
	devORTC    *msc.Device
	raw        *rawBench
	defaults   *webrtc.API // pion's default media engine and interceptors
	producers  []string
	feeder     *feeder

	file     string
	fileKbps float64 // the file's own bitrate
	frames   int
}

// recvSSRCBase is the first producer SSRC of the feeder's streams.
const recvSSRCBase = 0x20000000

func newRecvBench(ctx context.Context, e *env, cfg recvConfig, profileDir string) (*recvBench, error) {
	b := &recvBench{e: e, cfg: cfg, profileDir: profileDir, file: cfg.file}
	if b.file == "" {
		var err error
		if b.file, err = recvMedia(); err != nil {
			return nil, err
		}
	}
	frames, fourcc, err := mediafile.ReadIVF(b.file)
	if err != nil {
		return nil, err
	}
	if fourcc != "VP80" {
		return nil, fmt.Errorf("%s: %s, want VP8", b.file, fourcc)
	}
	var size int
	var length time.Duration
	for _, f := range frames {
		size += len(f.Data)
		length += f.Duration
	}
	b.frames = len(frames)
	b.fileKbps = float64(size) * 8 / length.Seconds() / 1000

	if b.dev, err = loadedDevice(ctx, e, msc.HandlerNamePion); err != nil {
		return nil, err
	}
	if b.devORTC, err = loadedDevice(ctx, e, msc.HandlerNamePionORTC); err != nil {
		return nil, err
	}
	if b.raw, err = newRawBench(e, ""); err != nil {
		return nil, err
	}
	if b.defaults, err = defaultsAPI(); err != nil {
		return nil, err
	}

	in, err := e.sig.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		return nil, err
	}
	spec := feedSpec{Addr: net.JoinHostPort(in.IP, strconv.Itoa(in.Port)), File: b.file, PayloadType: 96}
	for i := 0; i < cfg.streams; i++ {
		ssrc := uint32(recvSSRCBase + i)
		id, err := e.sig.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindVideo, RTPParameters: msc.RTPParameters{
			Codecs: []msc.RTPCodecParameters{{
				MimeType: "video/VP8", PayloadType: 96, ClockRate: 90000,
				RTCPFeedback: []msc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}},
			}},
			Encodings: []msc.RTPEncodingParameters{{SSRC: ssrc}},
			RTCP:      msc.RTCPParameters{CNAME: "bench-feeder"},
		}})
		if err != nil {
			return nil, err
		}
		b.producers = append(b.producers, id)
		spec.SSRCs = append(spec.SSRCs, ssrc)
	}
	if b.feeder, err = startFeeder(spec); err != nil {
		return nil, fmt.Errorf("start the feeder: %w", err)
	}
	atExit(b.feeder.stop)
	return b, nil
}

// defaultsAPI is pion with its defaults, on loopback, answering as DTLS
// client (the role the connect request announces) and silent.
func defaultsAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	se := *loopbackOnly()
	se.LoggerFactory = handler.SlogFactory{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleClient); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// recvMedia is a 10 s VP8 file of about 1 Mbit/s (640x360, 30 fps, a key
// frame every second), made once with ffmpeg and cached.
func recvMedia() (string, error) {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "mediasoup-client-go", "bench")
	path := filepath.Join(dir, "vp8-640x360-1mbps.ivf")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", errors.New("the receive bench makes its VP8 file with ffmpeg, which is not installed (testbed/install.sh installs it; or pass -recv-file)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	// Temporal noise keeps the encoder at its target rate on a synthetic
	// picture.
	out, err := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30,noise=alls=8:allf=t", "-t", "10",
		"-c:v", "libvpx", "-b:v", "1M", "-minrate", "1M", "-maxrate", "1M", "-bufsize", "500k",
		"-g", "30", "-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0", "-lag-in-frames", "0",
		"-f", "ivf", tmp).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ffmpeg: %w: %s", err, out)
	}
	return path, os.Rename(tmp, path)
}

// receiver is one receiving client, set up once on its own server
// transport. Its server consumers are resumed only during its own windows;
// the other receivers stay set up meanwhile (paused), so every window
// carries the same idle objects and the receivers are compared under the
// same process state.
type receiver struct {
	client    string
	consumers []string // server consumer IDs
	sink      *sink
	close     func()
}

// run sets every receiver up, then measures reps windows of each, rotating
// which goes first.
func (b *recvBench) run(ctx context.Context) []recvResult {
	var out []recvResult
	receivers := map[string]*receiver{}
	defer func() {
		for _, r := range receivers {
			r.close()
		}
	}()
	for _, client := range recvClients {
		r, err := b.setup(ctx, client)
		if err != nil {
			logf("receive %-13s setup: error: %v", client, err)
			out = append(out, recvResult{client: client, err: fmt.Errorf("setup: %w", err)})
			continue
		}
		receivers[client] = r
	}
	for i := 0; i < b.cfg.reps; i++ {
		for j := range recvClients {
			r := receivers[recvClients[(i+j)%len(recvClients)]]
			if r == nil {
				continue
			}
			res := b.window(ctx, r, i+1)
			if res.err != nil {
				logf("receive %-13s round %d: error: %v", r.client, i+1, res.err)
			} else {
				logf("receive %-13s round %d: %d streams, %.1f Mbit/s, %.1f pkt/s, CPU %.2f s, %.2f ms CPU per Mbit, %.0f KiB allocated per Mbit",
					r.client, i+1, res.streams, res.mbit()/res.window.Seconds(), float64(res.packets)/res.window.Seconds(),
					res.cpu.Seconds(), res.cpuPerMbit(), float64(res.alloc)/1024/res.mbit())
			}
			out = append(out, res)
		}
	}
	return out
}

// setup creates a server transport and consumers (paused) for one client
// and its side of the transport, readers included.
func (b *recvBench) setup(ctx context.Context, client string) (*receiver, error) {
	info, err := b.e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	if err != nil {
		return nil, err
	}
	r := &receiver{client: client, sink: &sink{}}
	var closeClient func()
	var opts []msc.ConsumerOptions
	switch client {
	case recvSDK:
		closeClient, opts, err = b.startSDK(ctx, b.dev, info, r.sink)
	case recvSDKORTC:
		closeClient, opts, err = b.startSDK(ctx, b.devORTC, info, r.sink)
	case recvPionDefaults:
		closeClient, opts, err = b.startPion(ctx, b.defaults, info, r.sink)
	default:
		closeClient, opts, err = b.startPion(ctx, b.raw.api, info, r.sink)
	}
	r.close = func() {
		if closeClient != nil {
			closeClient()
		}
		// Every reader ends once its receiver is closed.
		r.sink.wg.Wait()
		_ = b.e.sig.CloseTransport(context.Background(), info.ID)
	}
	if err != nil {
		r.close()
		return nil, err
	}
	for _, o := range opts {
		r.consumers = append(r.consumers, o.ID)
	}
	return r, nil
}

// setPaused pauses or resumes a receiver's server consumers.
func (b *recvBench) setPaused(ctx context.Context, r *receiver, paused bool) error {
	for _, id := range r.consumers {
		f := b.e.sig.ResumeConsumer
		if paused {
			f = b.e.sig.PauseConsumer
		}
		if err := f(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// window resumes a receiver's consumers, waits until every stream has
// delivered packets and the warm-up time more, then counts CPU time, bytes
// read and allocations over the window, and pauses the consumers again.
func (b *recvBench) window(ctx context.Context, r *receiver, rep int) (res recvResult) {
	res.client = r.client
	start := r.sink.snapshot()
	if err := b.setPaused(ctx, r, false); err != nil {
		res.err = err
		return res
	}
	defer func() {
		if err := b.setPaused(context.Background(), r, true); err != nil && res.err == nil {
			res.err = err
		}
		// Packets in flight land before the next window starts.
		time.Sleep(300 * time.Millisecond)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := countGrown(start, r.sink.snapshot())
		if n >= b.cfg.streams {
			break
		}
		if time.Now().After(deadline) {
			res.err = fmt.Errorf("%d of %d streams received media within 20 s", n, b.cfg.streams)
			return res
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			res.err = err
			return res
		}
	}
	if err := sleepCtx(ctx, b.cfg.warmup); err != nil {
		res.err = err
		return res
	}
	name := fmt.Sprintf("recv-%s-%d", r.client, b.cfg.streams)
	if rep > 1 {
		name = fmt.Sprintf("%s.%d", name, rep)
	}
	stopProfile, err := startProfile(b.profileDir, name)
	if err != nil {
		res.err = err
		return res
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	before := r.sink.snapshot()
	cpu0 := processCPU()
	t0 := time.Now()
	err = sleepCtx(ctx, b.cfg.window)
	cpu1 := processCPU()
	res.window = time.Since(t0)
	after := r.sink.snapshot()
	runtime.ReadMemStats(&m1)
	stopProfile()
	if err != nil {
		res.err = err
		return res
	}
	res.cpu = cpu1 - cpu0
	res.alloc = m1.TotalAlloc - m0.TotalAlloc
	res.gcs = m1.NumGC - m0.NumGC
	res.streams = countGrown(before, after)
	for i := range after {
		var b0, p0 int64
		if i < len(before) {
			b0, p0 = before[i].bytes, before[i].packets
		}
		res.bytes += after[i].bytes - b0
		res.packets += after[i].packets - p0
	}
	return res
}

// countGrown is the number of streams with more packets in after than in
// before (a stream missing from before had none).
func countGrown(before, after []countSample) int {
	n := 0
	for i := range after {
		var p0 int64
		if i < len(before) {
			p0 = before[i].packets
		}
		if after[i].packets > p0 {
			n++
		}
	}
	return n
}

// consumeAll creates a paused server consumer of every producer.
func (b *recvBench) consumeAll(ctx context.Context, transportID string, caps msc.RTPCapabilities) ([]msc.ConsumerOptions, error) {
	out := make([]msc.ConsumerOptions, len(b.producers))
	for i, p := range b.producers {
		res, err := b.e.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: transportID, ProducerID: p, RTPCapabilities: caps})
		if err != nil {
			return nil, err
		}
		out[i] = msc.ConsumerOptions{ID: res.ID, ProducerID: res.ProducerID, Kind: res.Kind, RTPParameters: res.RTPParameters}
	}
	return out, nil
}

// startSDK consumes every stream through the SDK and reads Consumer.Track();
// the server consumers stay paused.
func (b *recvBench) startSDK(ctx context.Context, dev *msc.Device, info *testbed.WebRTCTransportInfo, s *sink) (func(), []msc.ConsumerOptions, error) {
	tr, err := dev.CreateRecvTransport(msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates, DTLSParameters: info.DTLSParameters,
	})
	if err != nil {
		return nil, nil, err
	}
	tr.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return b.e.sig.ConnectWebRTCTransport(ctx, info.ID, p.DTLSParameters)
	})
	opts, err := b.consumeAll(ctx, info.ID, dev.RecvRTPCapabilities())
	if err != nil {
		return tr.Close, nil, err
	}
	consumers, errs := tr.ConsumeMany(ctx, opts)
	if err := errors.Join(errs...); err != nil {
		return tr.Close, nil, err
	}
	for _, c := range consumers {
		s.read(c.Track())
	}
	return tr.Close, opts, nil
}

// startPion receives the same streams on a pion PeerConnection of api
// (rawBench's, configured as the SDK's Device configures its own, or pion's
// defaults), with the same remote offer, and reads the tracks pion reports
// in OnTrack.
func (b *recvBench) startPion(ctx context.Context, api *webrtc.API, info *testbed.WebRTCTransportInfo, s *sink) (func(), []msc.ConsumerOptions, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle, RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, nil, err
	}
	closePC := func() { _ = pc.Close() }
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.read(t) })
	opts, err := b.consumeAll(ctx, info.ID, b.raw.recvCapsWire)
	if err != nil {
		return closePC, nil, err
	}
	raw, err := validate(opts)
	if err != nil {
		return closePC, nil, err
	}
	remote, err := remoteOffer(info)
	if err != nil {
		return closePC, nil, err
	}
	r := &rawPC{
		pc: pc, remote: remote, pinned: true,
		recvCodecs: b.raw.recvCodecs, kindApplied: map[params.MediaKind]bool{},
	}
	if err := r.add(raw); err != nil {
		return closePC, nil, err
	}
	if _, err := r.apply(); err != nil {
		return closePC, nil, err
	}
	if err := b.e.sig.ConnectWebRTCTransport(ctx, info.ID, localDTLS(pc)); err != nil {
		return closePC, nil, err
	}
	if err := waitConnected(ctx, pc.ConnectionState); err != nil {
		return closePC, nil, err
	}
	return closePC, opts, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// processCPU is the user and system CPU time this process has used (the
// feeder child not included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sink reads tracks, one goroutine each, the way a recorder or a load
// generator does: read into one buffer, parse the RTP header, count.
type sink struct {
	mu     sync.Mutex
	counts []*streamCount
	wg     sync.WaitGroup
}

type streamCount struct {
	bytes, packets atomic.Int64
}

type countSample struct{ bytes, packets int64 }

// trackReader is what the SDK's RemoteTrack and pion's TrackRemote share.
type trackReader interface {
	Read([]byte) (int, interceptor.Attributes, error)
}

func (s *sink) read(t trackReader) {
	c := &streamCount{}
	s.mu.Lock()
	s.counts = append(s.counts, c)
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 1500)
		var pkt rtp.Packet
		for {
			n, _, err := t.Read(buf)
			if err != nil {
				return
			}
			if pkt.Unmarshal(buf[:n]) != nil {
				continue
			}
			c.bytes.Add(int64(n))
			c.packets.Add(1)
		}
	}()
}

func (s *sink) snapshot() []countSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]countSample, len(s.counts))
	for i, c := range s.counts {
		out[i] = countSample{bytes: c.bytes.Load(), packets: c.packets.Load()}
	}
	return out
}

// recvSummary is the medians of the receivers and the SDK's ratios.
type recvSummary struct {
	sdk, pion, defaults float64   // median CPU ms per Mbit
	ortc                float64   // median CPU ms per Mbit, ORTC handler
	ratio               float64   // SDK / raw pion
	ratioORTC           float64   // SDK on the ORTC handler / raw pion (0: not measured)
	ratioDefaults       float64   // SDK / raw pion with pion's defaults (0: not measured)
	pairs               []float64 // SDK / raw pion of each repetition
	ok                  bool
	failedDetail        string
}

func summarize(results []recvResult) recvSummary {
	byRep := map[string][]float64{}
	for _, r := range results {
		if r.err != nil {
			continue
		}
		byRep[r.client] = append(byRep[r.client], r.cpuPerMbit())
	}
	sdkV, pionV := byRep[recvSDK], byRep[recvPion]
	var s recvSummary
	if len(sdkV) == 0 || len(pionV) == 0 {
		s.failedDetail = "a receiver has no successful run"
		return s
	}
	for i := 0; i < len(sdkV) && i < len(pionV); i++ {
		s.pairs = append(s.pairs, sdkV[i]/pionV[i])
	}
	s.sdk, s.pion = median(sdkV), median(pionV)
	s.ratio = s.sdk / s.pion
	if o := byRep[recvSDKORTC]; len(o) > 0 {
		s.ortc = median(o)
		s.ratioORTC = s.ortc / s.pion
	}
	if d := byRep[recvPionDefaults]; len(d) > 0 {
		s.defaults = median(d)
		s.ratioDefaults = s.sdk / s.defaults
	}
	s.ok = true
	return s
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// renderRecv is the receive section of BENCHMARKS.md.
func (rep *report) renderRecv(b *recvBench, results []recvResult) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Run %s: `%s` (`make bench`).\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), command())
	rep.machine(&s)
	fmt.Fprintf(&s, "| media | %s: VP8, %d frames, %.0f kbit/s, played in a loop by a feeder process |\n\n", filepath.Base(b.file), b.frames, b.fileKbps)
	fmt.Fprintf(&s, "Each receiver: %d VP8 consumers on one receive transport, each stream read in its own goroutine. CPU time of the bench process over %s windows, %s after every stream of the receiver resumed delivering.\n\n",
		b.cfg.streams, b.cfg.window, b.cfg.warmup)
	s.WriteString("| round | receiver | streams | Mbit/s | packets/s | CPU s | CPU ms per Mbit | KiB allocated per Mbit | GCs |\n")
	s.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	rep2 := map[string]int{}
	var errs []string
	for _, r := range results {
		rep2[r.client]++
		name := recvNames[r.client]
		if r.err != nil {
			fmt.Fprintf(&s, "| %d | %s | error | | | | | | |\n", rep2[r.client], name)
			errs = append(errs, fmt.Sprintf("%s run %d: %v", name, rep2[r.client], r.err))
			continue
		}
		sec := r.window.Seconds()
		fmt.Fprintf(&s, "| %d | %s | %d | %.1f | %.0f | %.2f | %.3f | %.0f | %d |\n", rep2[r.client], name, r.streams,
			r.mbit()/sec, float64(r.packets)/sec, r.cpu.Seconds(), r.cpuPerMbit(), float64(r.alloc)/1024/r.mbit(), r.gcs)
	}
	s.WriteString("\n")
	sum := summarize(results)
	if sum.ok {
		pairs := make([]string, len(sum.pairs))
		for i, p := range sum.pairs {
			pairs[i] = fmt.Sprintf("%.3f", p)
		}
		fmt.Fprintf(&s, "Median CPU per received megabit: SDK %.3f ms, raw pion %.3f ms; SDK / raw pion **%.3f×** (run by run: %s).",
			sum.sdk, sum.pion, sum.ratio, strings.Join(pairs, ", "))
		if sum.ratioDefaults > 0 {
			fmt.Fprintf(&s, " Raw pion with pion's defaults: %.3f ms; SDK / that: %.3f×.", sum.defaults, sum.ratioDefaults)
		}
		if sum.ratioORTC > 0 {
			fmt.Fprintf(&s, " SDK on the ORTC handler: %.3f ms; / raw pion **%.3f×**.", sum.ortc, sum.ratioORTC)
		}
		s.WriteString("\n\n")
		s.WriteString("Targets:\n\n- " + verdict("receive path CPU within 1.1× of raw pion", sum.ratio, 1.1, "×", false) + "\n")
		if sum.ratioORTC > 0 {
			s.WriteString("- " + verdict("ORTC handler: receive path CPU within 1.1× of raw pion", sum.ratioORTC, 1.1, "×", false) + "\n")
		}
		s.WriteString("\n")
	} else {
		s.WriteString("Target:\n\n- receive path CPU within 1.1× of raw pion: not measured (" + sum.failedDetail + ")\n\n")
	}
	s.WriteString("**SDK** consumes every stream with one `Transport.ConsumeMany` and reads `Consumer.Track()` (on the default PeerConnection handler, and again on the ORTC handler: `DeviceOptions{HandlerName: \"PionV3ORTC\"}`); **raw pion** is a `webrtc.PeerConnection` built without the SDK's Transport and Consumer (the same media engine and interceptors the Device uses: NACK, RTCP reports, TWCC, stats), given the same remote offer, reading the tracks of `OnTrack`; **raw pion, pion's defaults** the same with `RegisterDefaultCodecs` and `RegisterDefaultInterceptors` (NACK, RTCP reports, simulcast header extensions, TWCC; no stats interceptor), what a program on bare pion starts from. All read with the same loop (`TrackRemote.Read` into one buffer, `rtp.Packet.Unmarshal`, count). The receivers are set up once, each on its own server transport with its consumers paused; each window resumes one receiver's consumers and pauses them again after it, rotating the order every round, so every window runs with the same objects alive; the media comes from a child process (its CPU time is not counted) through a comedia PlainTransport with one producer per stream. **CPU** is user + system time of the bench process (`getrusage`) over the window: pion's UDP reads, SRTP, interceptors and the readers.\n\n")
	writeErrors(&s, errs)
	return s.String()
}
