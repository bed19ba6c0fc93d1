package main

import (
	"context"
	"errors"
	"fmt"
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

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
	"github.com/soupkit/mediasoup-client-go/internal/testbed"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// Receivers of the receive bench.
const (
	recvSDK  = "sdk"  // Transport.ConsumeMany, then Consumer.Track()
	recvPion = "pion" // a pion PeerConnection set up without the SDK
)

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
	raw        *rawBench
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

	if b.dev, err = msc.NewDevice(msc.DeviceOptions{SettingEngine: loopbackOnly()}); err != nil {
		return nil, err
	}
	if err := b.dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: e.caps}); err != nil {
		return nil, err
	}
	if b.raw, err = newRawBench(e, ""); err != nil {
		return nil, err
	}

	in, err := e.sig.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		return nil, err
	}
	spec := feedSpec{Addr: net.JoinHostPort(in.IP, strconv.Itoa(in.Port)), File: b.file, PayloadType: 96}
	for i := 0; i < cfg.streams; i++ {
		ssrc := uint32(recvSSRCBase + i)
		id, err := e.sig.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: params.MediaKindVideo, RTPParameters: params.RTPParameters{
			Codecs: []params.RTPCodecParameters{{
				MimeType: "video/VP8", PayloadType: 96, ClockRate: 90000,
				RTCPFeedback: []params.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}},
			}},
			Encodings: []params.RTPEncodingParameters{{SSRC: ssrc}},
			RTCP:      params.RTCPParameters{CNAME: "bench-feeder"},
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

// run measures the receivers reps times each, alternating which goes first.
func (b *recvBench) run(ctx context.Context) []recvResult {
	var out []recvResult
	for i := 0; i < b.cfg.reps; i++ {
		order := []string{recvPion, recvSDK}
		if i%2 == 1 {
			order = []string{recvSDK, recvPion}
		}
		for _, client := range order {
			res := b.runOne(ctx, client, i+1)
			if res.err != nil {
				logf("receive %-4s run %d: error: %v", client, i+1, res.err)
			} else {
				logf("receive %-4s run %d: %d streams, %.1f Mbit/s, %.1f pkt/s, CPU %.2f s, %.2f ms CPU per Mbit, %.0f KiB allocated per Mbit",
					client, i+1, res.streams, res.mbit()/res.window.Seconds(), float64(res.packets)/res.window.Seconds(),
					res.cpu.Seconds(), res.cpuPerMbit(), float64(res.alloc)/1024/res.mbit())
			}
			out = append(out, res)
		}
	}
	return out
}

func (b *recvBench) runOne(ctx context.Context, client string, rep int) recvResult {
	res := recvResult{client: client}
	e := b.e
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	if err != nil {
		res.err = err
		return res
	}
	defer func() { _ = e.sig.CloseTransport(context.Background(), info.ID) }()
	s := &sink{}
	var closeClient func()
	switch client {
	case recvSDK:
		closeClient, err = b.startSDK(ctx, info, s)
	default:
		closeClient, err = b.startPion(ctx, info, s)
	}
	if closeClient != nil {
		// Every reader ends once its receiver is closed; waiting for them
		// keeps one run's goroutines out of the next run's CPU time.
		defer s.wg.Wait()
		defer closeClient()
	}
	if err != nil {
		res.err = err
		return res
	}
	name := fmt.Sprintf("recv-%s-%d", client, b.cfg.streams)
	if rep > 1 {
		name = fmt.Sprintf("%s.%d", name, rep)
	}
	b.measure(ctx, s, name, &res)
	return res
}

// consumeAll creates a paused server consumer of every producer.
func (b *recvBench) consumeAll(ctx context.Context, transportID string, caps params.RTPCapabilities) ([]msc.ConsumerOptions, error) {
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

func (b *recvBench) resumeAll(ctx context.Context, opts []msc.ConsumerOptions) error {
	for _, o := range opts {
		if err := b.e.sig.ResumeConsumer(ctx, o.ID); err != nil {
			return err
		}
	}
	return nil
}

// startSDK consumes every stream through the SDK and reads Consumer.Track().
func (b *recvBench) startSDK(ctx context.Context, info *testbed.WebRTCTransportInfo, s *sink) (func(), error) {
	tr, err := b.dev.CreateRecvTransport(msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates, DTLSParameters: info.DTLSParameters,
	})
	if err != nil {
		return nil, err
	}
	tr.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return b.e.sig.ConnectWebRTCTransport(ctx, info.ID, p.DTLSParameters)
	})
	opts, err := b.consumeAll(ctx, info.ID, b.dev.RecvRTPCapabilities())
	if err != nil {
		return tr.Close, err
	}
	consumers, errs := tr.ConsumeMany(ctx, opts)
	if err := errors.Join(errs...); err != nil {
		return tr.Close, err
	}
	for _, c := range consumers {
		s.read(c.Track())
	}
	return tr.Close, b.resumeAll(ctx, opts)
}

// startPion receives the same streams on a pion PeerConnection configured
// as the SDK's Device configures its own (rawBench's API), with the same
// remote offer, and reads the tracks pion reports in OnTrack.
func (b *recvBench) startPion(ctx context.Context, info *testbed.WebRTCTransportInfo, s *sink) (func(), error) {
	ice, dtls := info.ICEParameters, info.DTLSParameters
	pc, err := b.raw.api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle, RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, err
	}
	closePC := func() { _ = pc.Close() }
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.read(t) })
	opts, err := b.consumeAll(ctx, info.ID, b.raw.recvCaps)
	if err != nil {
		return closePC, err
	}
	if err := validate(opts); err != nil {
		return closePC, err
	}
	r := &rawPC{
		pc: pc, remote: sdp.New(sdp.RoleOffer, ice, info.ICECandidates, dtls, nil), pinned: true,
		recvCodecs: b.raw.recvCodecs, kindApplied: map[params.MediaKind]bool{},
	}
	if err := r.add(opts); err != nil {
		return closePC, err
	}
	if _, err := r.apply(); err != nil {
		return closePC, err
	}
	if err := b.e.sig.ConnectWebRTCTransport(ctx, info.ID, localDTLS(pc)); err != nil {
		return closePC, err
	}
	if err := waitConnected(ctx, pc.ConnectionState); err != nil {
		return closePC, err
	}
	return closePC, b.resumeAll(ctx, opts)
}

// measure waits until every stream has delivered packets, lets the flow
// settle for the warm-up time, then counts CPU time, bytes read and
// allocations over the window.
func (b *recvBench) measure(ctx context.Context, s *sink, profileName string, res *recvResult) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		if n := s.receiving(); n >= b.cfg.streams {
			break
		} else if time.Now().After(deadline) {
			res.err = fmt.Errorf("%d of %d streams received media within 20 s", n, b.cfg.streams)
			return
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			res.err = err
			return
		}
	}
	if err := sleepCtx(ctx, b.cfg.warmup); err != nil {
		res.err = err
		return
	}
	stopProfile, err := startProfile(b.profileDir, profileName)
	if err != nil {
		res.err = err
		return
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	before := s.snapshot()
	cpu0 := processCPU()
	t0 := time.Now()
	err = sleepCtx(ctx, b.cfg.window)
	cpu1 := processCPU()
	res.window = time.Since(t0)
	after := s.snapshot()
	runtime.ReadMemStats(&m1)
	stopProfile()
	if err != nil {
		res.err = err
		return
	}
	res.cpu = cpu1 - cpu0
	res.alloc = m1.TotalAlloc - m0.TotalAlloc
	res.gcs = m1.NumGC - m0.NumGC
	for i := range after {
		var b0, p0 int64
		if i < len(before) {
			b0, p0 = before[i].bytes, before[i].packets
		}
		if after[i].packets > p0 {
			res.streams++
		}
		res.bytes += after[i].bytes - b0
		res.packets += after[i].packets - p0
	}
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

func (s *sink) read(t *webrtc.TrackRemote) {
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

// receiving is the number of tracks that have delivered a packet.
func (s *sink) receiving() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts {
		if c.packets.Load() > 0 {
			n++
		}
	}
	return n
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

// recvSummary is the medians of both receivers and their ratio.
type recvSummary struct {
	sdk, pion    float64 // median CPU ms per Mbit
	ratio        float64
	pairs        []float64 // SDK/pion of each repetition
	ok           bool
	failedDetail string
}

func summarize(results []recvResult) recvSummary {
	var sdkV, pionV []float64
	byRep := map[string][]float64{}
	for _, r := range results {
		if r.err != nil {
			continue
		}
		byRep[r.client] = append(byRep[r.client], r.cpuPerMbit())
	}
	sdkV, pionV = byRep[recvSDK], byRep[recvPion]
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
	fmt.Fprintf(&s, "%d VP8 consumers on one receive transport, each stream read in its own goroutine; CPU time of the receiving process over %s windows after %s of warm-up.\n\n",
		b.cfg.streams, b.cfg.window, b.cfg.warmup)
	s.WriteString("| run | receiver | streams | Mbit/s | packets/s | CPU s | CPU ms per Mbit | KiB allocated per Mbit | GCs |\n")
	s.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	rep2 := map[string]int{}
	var errs []string
	for _, r := range results {
		rep2[r.client]++
		name := map[string]string{recvSDK: "SDK `Consumer.Track()`", recvPion: "raw pion"}[r.client]
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
		fmt.Fprintf(&s, "Median CPU per received megabit: SDK %.3f ms, raw pion %.3f ms; SDK / raw pion **%.3f×** (run by run: %s).\n\n",
			sum.sdk, sum.pion, sum.ratio, strings.Join(pairs, ", "))
		s.WriteString("Target:\n\n- " + verdict("receive path CPU within 1.1× of raw pion", sum.ratio, 1.1, "×", false) + "\n\n")
	} else {
		s.WriteString("Target:\n\n- receive path CPU within 1.1× of raw pion: not measured (" + sum.failedDetail + ")\n\n")
	}
	s.WriteString("**SDK** consumes every stream with one `Transport.ConsumeMany` and reads `Consumer.Track()`; **raw pion** is a `webrtc.PeerConnection` built without the SDK's Transport and Consumer (the same media engine and interceptors the Device uses: NACK, RTCP reports, TWCC, stats), given the same remote offer, reading the tracks of `OnTrack`. Both read with the same loop (`TrackRemote.Read` into one buffer, `rtp.Packet.Unmarshal`, count). The two receivers run one after the other, alternating which goes first, on fresh server transports; the media comes from a child process (its CPU time is not counted) through a comedia PlainTransport with one producer per stream. **CPU** is user + system time of the bench process (`getrusage`) over the window: pion's UDP reads, SRTP, interceptors and the readers.\n\n")
	if len(errs) > 0 {
		s.WriteString("Errors:\n\n")
		for _, e := range errs {
			fmt.Fprintf(&s, "- %s\n", strings.ReplaceAll(e, "\n", " "))
		}
		s.WriteString("\n")
	}
	return s.String()
}
