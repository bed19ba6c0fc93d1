// Package reclib is the recorder example's logic, importable so that other
// programs (the project's demo) can record in-process: join a room of the
// bundled mediasoup test server, consume every producer that exists or
// appears, and write each consumer's media to a file (Opus to .ogg, VP8
// and VP9 to .ivf, H264 to Annex B .h264).
//
// It is built on the SDK's public frame path: Consumer.NewSampleReader
// turns each consumer's RTP into whole frames (in order, with KeyFrame set)
// and mediafile.NewWriterFor stores them in the container of the codec.
package reclib

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// Config configures a recorder.
type Config struct {
	// Server is the WebSocket URL of the server, e.g. ws://127.0.0.1:3000/.
	Server string
	// Room to join; "" means "default".
	Room string
	// OutDir receives the files; it is created if missing.
	OutDir string
	// Loopback keeps media on 127.0.0.1.
	Loopback bool
	// MaxLate is how many packets each sample reader waits for a missing
	// one before it drops the frame that needs it (0: the SDK's default,
	// see Consumer.NewSampleReader).
	MaxLate uint16
	// Logger receives what the recorder does; nil keeps it silent.
	Logger *slog.Logger
	// SDKLogger, when set, receives the SDK's own logs.
	SDKLogger *slog.Logger
}

// FileStats describes one recorded file.
type FileStats struct {
	// Path of the file.
	Path string
	// Kind is audio or video.
	Kind msc.MediaKind
	// MimeType is the codec received.
	MimeType string
	// ProducerID, ConsumerID and PeerID (the producer's peer) name the
	// stream.
	ProducerID, ConsumerID, PeerID string
	// Packets counts the RTP packets the consumer's stream received, as
	// its stats say when the file closes (Consumer.GetStats, inbound-rtp
	// PacketsReceived): packets of frames dropped or skipped count too.
	Packets int64
	// PayloadBytes is the size of the frames written, as the sample reader
	// returned them: encoded media without RTP headers or container
	// framing.
	PayloadBytes int64
	// Bytes is the file's size.
	Bytes int64
	// Frames counts the samples written to the file (an Opus packet, a VP8
	// or VP9 frame, an H264 access unit each) and KeyFrames those among
	// them with Sample.KeyFrame set (every Opus packet is one).
	Frames, KeyFrames int64
	// Skipped counts the samples read before the first key frame, which
	// are not written: nothing could decode them.
	Skipped int64
	// WriteErrors counts the samples the file writer refused.
	WriteErrors int64
	// Duration is the play time of the samples written: the sum of their
	// durations, which the sample reader takes from RTP timestamps.
	Duration time.Duration
	// CloseReason is why the file was closed: "producerclose" or
	// "transportclose" (the server closed the consumer) or "stopped".
	CloseReason string
}

// Summary lists the recorded files in the order they were opened.
type Summary []FileStats

// Print writes the summary as a table.
func (s Summary) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tKIND\tCODEC\tPACKETS\tBYTES\tFRAMES\tKEY FRAMES\tDURATION\tCLOSED BY")
	for _, f := range s {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", f.Path, f.Kind, f.MimeType, f.Packets, f.Bytes, f.Frames, f.KeyFrames, f.Duration.Round(10*time.Millisecond), f.CloseReason)
	}
	tw.Flush()
}

// Recorder is a running recorder. Close it to stop and get the summary.
type Recorder struct {
	cfg    Config
	log    *slog.Logger
	peer   *testbed.Peer
	ready  chan struct{} // closed once Start has set up the recorder
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// transport receives every consumer, whatever its codec.
	transport *msc.Transport

	mu      sync.Mutex
	closed  bool
	seq     int
	tracks  map[string]*track // by consumer ID
	order   []*track
	gone    map[string]string // consumers the server closed before they were set up
	changed chan struct{}     // closed and replaced when a track starts or ends
	summary Summary
}

// track records one consumer into one file.
type track struct {
	consumer *msc.Consumer
	reader   *msc.SampleReader
	writer   mediafile.Writer
	stats    FileStats
	started  bool               // the first key frame came: frames are written from it on
	stop     context.CancelFunc // stops read
	done     chan struct{}      // closed when read returned
	final    chan struct{}      // closed when the file is closed and stats are final
	finished bool
	readErr  error // why read stopped on its own
}

// Start joins the room, consumes the producers already there and keeps
// consuming new ones until Close.
func Start(ctx context.Context, cfg Config) (*Recorder, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.OutDir == "" {
		cfg.OutDir = "."
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{
		cfg: cfg, log: log, ctx: rctx, cancel: cancel, ready: make(chan struct{}),
		tracks: map[string]*track{}, gone: map[string]string{}, changed: make(chan struct{}),
	}
	// The callbacks are set at join so that no notification is missed;
	// they wait for the setup below.
	peer, err := testbed.JoinPeer(ctx, cfg.Server, testbed.PeerOptions{
		Room: cfg.Room, Loopback: cfg.Loopback, Device: msc.DeviceOptions{Logger: cfg.SDKLogger}, PionLogger: log,
		Client: testbed.ClientOptions{HistoryLimit: -1, OnNotification: r.handleNotification},
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("recorder: join: %w", err)
	}
	r.peer = peer
	log.Info("joined room", "room", peer.Joined.Room, "peer", peer.Joined.PeerID, "server", cfg.Server, "producers", len(peer.Joined.Producers))
	t, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		cancel()
		_ = peer.Close()
		return nil, fmt.Errorf("recorder: receive transport: %w", err)
	}
	t.OnConnectionStateChange(func(s msc.ConnectionState) {
		log.Info("receive transport connection state", "state", s.String())
	})
	r.transport = t
	for _, p := range peer.Joined.Producers {
		r.goConsume(p)
	}
	close(r.ready)
	return r, nil
}

func (r *Recorder) goConsume(p testbed.ProducerInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.consume(p); err != nil && r.ctx.Err() == nil {
			r.log.Error("cannot record producer", "producer", p.ProducerID, "kind", p.Kind, "err", err)
		}
	}()
}

// handleNotification runs on the signaling client's callback goroutine, one
// notification at a time, in order.
func (r *Recorder) handleNotification(n testbed.Notification) {
	select {
	case <-r.ready:
	case <-r.ctx.Done():
		return
	}
	switch n.Method {
	case testbed.NotifyNewProducer:
		var p testbed.ProducerInfo
		if err := n.Decode(&p); err != nil {
			r.log.Error("bad newProducer notification", "err", err)
			return
		}
		r.log.Info("new producer", "producer", p.ProducerID, "kind", p.Kind, "peer", p.PeerID)
		r.goConsume(p)
	case testbed.NotifyConsumerClosed:
		var c testbed.ConsumerClosed
		if err := n.Decode(&c); err != nil {
			r.log.Error("bad consumerClosed notification", "err", err)
			return
		}
		r.log.Info("server closed consumer", "consumer", c.ConsumerID, "reason", c.Reason)
		r.mu.Lock()
		t := r.tracks[c.ConsumerID]
		if t == nil {
			r.gone[c.ConsumerID] = c.Reason
		}
		r.mu.Unlock()
		if t != nil {
			r.finish(t, c.Reason)
		}
	case testbed.NotifyConsumerPaused, testbed.NotifyConsumerResumed:
		var e testbed.ConsumerEvent
		_ = n.Decode(&e)
		r.log.Info(n.Method, "consumer", e.ConsumerID)
	}
}

// serverConsume creates the server-side consumer (paused).
func (r *Recorder) serverConsume(ctx context.Context, producerID string) (*testbed.ConsumeResult, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	res, err := r.peer.Client.Consume(ctx, testbed.ConsumeOptions{TransportID: r.transport.ID(), ProducerID: producerID, RTPCapabilities: r.peer.Device.RecvRTPCapabilities()})
	if err != nil {
		return nil, err
	}
	if len(res.RTPParameters.Codecs) == 0 {
		_ = r.peer.Client.CloseConsumer(ctx, res.ID)
		return nil, errors.New("the server's consumer has no codec")
	}
	return res, nil
}

// consume sets up one producer's consumer: server side (created paused),
// local side, file, reader; then resumes it and asks for a key frame.
func (r *Recorder) consume(p testbed.ProducerInfo) error {
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	sig := r.peer.Client
	res, err := r.serverConsume(ctx, p.ProducerID)
	if err != nil {
		return err
	}
	c, err := r.transport.Consume(ctx, res.Options())
	if err != nil {
		_ = sig.CloseConsumer(context.Background(), res.ID)
		return err
	}
	codec := c.RTPParameters().Codecs[0]
	ext, err := mediafile.Extension(codec.MimeType)
	var reader *msc.SampleReader
	if err == nil {
		reader, err = c.NewSampleReader(r.cfg.MaxLate)
	}
	if err != nil {
		c.Close()
		_ = sig.CloseConsumer(ctx, c.ID())
		return err
	}

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		c.Close()
		return nil
	}
	r.seq++
	name := fmt.Sprintf("%02d-%s-%s-%s%s", r.seq, c.Kind(), shortCodec(codec.MimeType), short(p.ProducerID), ext)
	path := filepath.Join(r.cfg.OutDir, name)
	w, err := mediafile.NewWriterFor(codec.MimeType, path)
	if err != nil {
		r.mu.Unlock()
		c.Close()
		_ = sig.CloseConsumer(ctx, c.ID())
		return err
	}
	readCtx, stop := context.WithCancel(context.Background())
	t := &track{
		consumer: c, reader: reader, writer: w,
		stop: stop, done: make(chan struct{}), final: make(chan struct{}),
		stats: FileStats{Path: path, Kind: c.Kind(), MimeType: codec.MimeType, ProducerID: p.ProducerID, ConsumerID: c.ID(), PeerID: p.PeerID},
	}
	r.tracks[c.ID()] = t
	r.order = append(r.order, t)
	reason, gone := r.gone[c.ID()]
	r.signalChange()
	r.mu.Unlock()

	go t.read(readCtx)
	r.log.Info("recording", "consumer", c.ID(), "producer", p.ProducerID, "codec", codec.MimeType, "file", path)
	if gone {
		r.finish(t, reason)
		return nil
	}
	if err := sig.ResumeConsumer(ctx, c.ID()); err != nil {
		return fmt.Errorf("resume consumer: %w", err)
	}
	if c.Kind() == msc.MediaKindVideo {
		// Writers start at a key frame: ask for one at once, through RTCP
		// (PLI) and through the server.
		if err := c.RequestKeyFrame(); err != nil {
			r.log.Warn("key frame request (PLI) failed", "consumer", c.ID(), "err", err)
		}
		if err := sig.RequestConsumerKeyFrame(ctx, c.ID()); err != nil {
			r.log.Warn("key frame request failed", "consumer", c.ID(), "err", err)
		}
	}
	return nil
}

// read copies the consumer's frames to the file until stopped or the track
// ends.
func (t *track) read(ctx context.Context) {
	defer close(t.done)
	for {
		s, err := t.reader.ReadSample(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.readErr = err
			}
			return
		}
		t.write(s)
	}
}

// write stores one frame, from the first key frame on.
func (t *track) write(s *msc.Sample) {
	st := &t.stats
	if !t.started {
		if !s.KeyFrame {
			st.Skipped++
			return
		}
		t.started = true
	}
	if err := t.writer.WriteSample(s); err != nil {
		st.WriteErrors++
		return
	}
	st.Frames++
	if s.KeyFrame {
		st.KeyFrames++
	}
	st.PayloadBytes += int64(len(s.Data))
	st.Duration += s.Duration
}

// packetsReceived is the number of RTP packets the consumer's stream
// received, from its stats.
func packetsReceived(c *msc.Consumer) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	report, err := c.GetStats(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, s := range report {
		if in, ok := s.(webrtc.InboundRTPStreamStats); ok {
			n += int64(in.PacketsReceived)
		}
	}
	return n, nil
}

// finish stops a track's reader, closes its file and its consumer. A
// second call waits for the first to complete.
func (r *Recorder) finish(t *track, reason string) {
	r.mu.Lock()
	if t.finished {
		r.mu.Unlock()
		<-t.final
		return
	}
	t.finished = true
	r.mu.Unlock()

	// Pausing first stops packets from reaching the reader, so the stats
	// read next count at least what gets written. Closing the consumer then
	// ends its track: the reader writes the frames still complete, the
	// last one included, and returns.
	t.consumer.Pause()
	st := &t.stats
	packets, statsErr := packetsReceived(t.consumer) // before the consumer closes
	if statsErr != nil {
		r.log.Warn("no stats for the consumer", "consumer", st.ConsumerID, "err", statsErr)
	}
	st.Packets = packets
	t.consumer.Close()
	select {
	case <-t.done:
	case <-time.After(5 * time.Second):
		t.stop()
		<-t.done
	}
	err := t.writer.Close()
	st.CloseReason = reason
	if fi, serr := os.Stat(st.Path); serr == nil {
		st.Bytes = fi.Size()
	}
	if err != nil {
		r.log.Error("closing file", "file", st.Path, "err", err)
	}
	if t.readErr != nil && !errors.Is(t.readErr, io.EOF) {
		r.log.Warn("track stopped before its consumer closed", "file", st.Path, "err", t.readErr)
	}
	r.log.Info("closed file", "file", st.Path, "reason", reason, "packets", st.Packets, "frames", st.Frames, "keyFrames", st.KeyFrames, "skipped", st.Skipped, "writeErrors", st.WriteErrors, "bytes", st.Bytes)

	close(t.final)
	r.mu.Lock()
	r.signalChange()
	r.mu.Unlock()
}

// signalChange wakes Wait; r.mu is held.
func (r *Recorder) signalChange() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Wait blocks until cond, called with the number of files opened and of
// files still recording, returns true, or ctx ends.
func (r *Recorder) Wait(ctx context.Context, cond func(opened, recording int) bool) error {
	for {
		r.mu.Lock()
		opened, recording := len(r.order), 0
		for _, t := range r.order {
			if !t.finished {
				recording++
			}
		}
		ch := r.changed
		r.mu.Unlock()
		if cond(opened, recording) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("recorder: %d files opened, %d recording: %w", opened, recording, ctx.Err())
		}
	}
}

// Done is closed when the signaling connection is gone.
func (r *Recorder) Done() <-chan struct{} { return r.peer.Client.Done() }

// Close stops recording: it closes every file still open, the transport
// and the signaling, and returns the summary. Idempotent.
func (r *Recorder) Close() Summary {
	r.mu.Lock()
	if r.closed {
		s := r.summary
		r.mu.Unlock()
		return s
	}
	r.closed = true
	r.mu.Unlock()

	// No track registers from now on: finish the ones there are, then
	// leave.
	r.cancel()
	r.mu.Lock()
	order := append([]*track(nil), r.order...)
	r.mu.Unlock()
	for _, t := range order {
		r.finish(t, "stopped")
	}
	r.transport.Close()
	_ = r.peer.Close()
	r.wg.Wait()
	s := make(Summary, len(order))
	for i, t := range order {
		s[i] = t.stats
	}
	r.mu.Lock()
	r.summary = s
	r.mu.Unlock()
	r.log.Info("left room", "files", len(s))
	return s
}

// Run starts a recorder and records until ctx ends or the server goes
// away, then closes it and returns the summary.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	r, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return r.Close(), nil
	case <-r.Done():
		return r.Close(), errors.New("recorder: signaling connection lost")
	}
}

func shortCodec(mime string) string {
	for i := 0; i < len(mime); i++ {
		if mime[i] == '/' {
			return mime[i+1:]
		}
	}
	return mime
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
