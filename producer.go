package mediasoupclient

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// ProducerCodecOptions tune the codec of a producer; they are written into
// the server's answer and into the RTP parameters given to the server.
type ProducerCodecOptions struct {
	// OpusStereo sets stereo and sprop-stereo.
	OpusStereo *bool
	// OpusFEC sets useinbandfec.
	OpusFEC *bool
	// OpusDTX sets usedtx.
	OpusDTX *bool
	// OpusMaxPlaybackRate sets maxplaybackrate (Hz).
	OpusMaxPlaybackRate *int
	// OpusMaxAverageBitrate sets maxaveragebitrate (bps).
	OpusMaxAverageBitrate *int
	// OpusPtime sets ptime (ms).
	OpusPtime *int
	// OpusNACK turns NACK feedback for Opus on or off.
	OpusNACK *bool
	// VideoGoogleStartBitrate sets x-google-start-bitrate (kbps).
	VideoGoogleStartBitrate *int
	// VideoGoogleMaxBitrate sets x-google-max-bitrate (kbps).
	VideoGoogleMaxBitrate *int
	// VideoGoogleMinBitrate sets x-google-min-bitrate (kbps).
	VideoGoogleMinBitrate *int
}

// ProducerOptions are the options of Transport.Produce.
type ProducerOptions struct {
	// Track to send. For simulcast, the lowest layer's track, with its RID.
	Track webrtc.TrackLocal
	// LayerTracks are the further simulcast layers, lowest first, each a
	// track with its own RID and the same ID as Track (pion sends one track
	// per RID).
	LayerTracks []webrtc.TrackLocal
	// StreamID is the msid stream id, for A/V sync groups; defaults to the
	// track's own.
	StreamID string
	// Encodings set per-layer maxBitrate, scalabilityMode and the like, one
	// per track (Track first).
	Encodings []RTPEncodingParameters
	// CodecOptions tune the codec.
	CodecOptions *ProducerCodecOptions
	// Codec picks one of the device's send codecs. When nil, a track that
	// reports its codec (pion's TrackLocalStaticSample and
	// TrackLocalStaticRTP do) is sent with the router codec matching it
	// (mime type; H264 packetization mode and profile; VP9 profile), and an
	// error names both when the router has none; other tracks take the
	// first codec of their kind.
	Codec *RTPCodecCapability
	// DisableTrackOnPause stops sending while paused; nil means true.
	DisableTrackOnPause *bool
	// ZeroRTPOnPause stops sending while paused even if DisableTrackOnPause
	// is false (pion has no disabled tracks: both stop the RTP).
	ZeroRTPOnPause bool
	// OnRTPSender is called with pion's sender once it exists, before the
	// offer/answer is applied, as mediasoup-client does. It runs on the
	// transport's queue: calls that wait for another operation of the
	// transport fail at once with ErrInvalidState from it; Close works.
	// The transport already reads the sender's RTCP (so that pion's NACK
	// responder runs): do not read it too; observe RTCP with an
	// interceptor in DeviceOptions.Interceptors instead.
	OnRTPSender func(*webrtc.RTPSender)
	// AppData is application data.
	AppData AppData
}

// Producer sends a track to the server, like mediasoup-client's Producer.
type Producer struct {
	id          string
	localID     string
	kind        MediaKind
	rtp         params.RTPParameters
	appData     AppData
	appDataMu   sync.Mutex
	transport   *Transport
	sender      *webrtc.RTPSender
	gates       []*gatedTrack
	stopOnPause bool

	mu       sync.Mutex
	closed   bool
	paused   bool
	track    webrtc.TrackLocal
	maxLayer int

	onTransportClose  callback
	onTrackEnded      callback
	onKeyFrameRequest stringCallback
	observer          MediaObserver
}

// Produce sends a track: it negotiates a media section, calls the OnProduce
// hook with the RTP parameters for the server, and returns the producer.
func (t *Transport) Produce(ctx context.Context, opts ProducerOptions) (*Producer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := t.checkUsable(handler.DirectionSend); err != nil {
		return nil, err
	}
	if isNilTrack(opts.Track) {
		return nil, fmt.Errorf("produce: Track missing: %w", ErrInvalidParameters)
	}
	for i, lt := range opts.LayerTracks {
		if isNilTrack(lt) {
			return nil, fmt.Errorf("produce: LayerTracks[%d] is nil: %w", i, ErrInvalidParameters)
		}
	}
	kind := MediaKind(opts.Track.Kind().String())
	if kind != MediaKindAudio && kind != MediaKindVideo {
		return nil, fmt.Errorf("produce: track kind %q: %w", kind, ErrInvalidParameters)
	}
	if !t.canSend[kind] {
		return nil, fmt.Errorf("produce: cannot send %s with this router: %w", kind, ErrUnsupported)
	}
	t.mu.Lock()
	hook := t.onProduce
	t.mu.Unlock()
	if hook == nil {
		return nil, fmt.Errorf("produce: no OnProduce hook set: %w", ErrInvalidParameters)
	}
	if err := checkLayers(kind, opts); err != nil {
		return nil, err
	}
	encodings := make([]params.RTPEncodingParameters, len(opts.Encodings))
	for i, pe := range opts.Encodings {
		e := pe.internal()
		if err := ortc.ValidateRTPEncodingParameters(&e); err != nil {
			return nil, fmt.Errorf("produce: encodings[%d]: %w", i, err)
		}
		encodings[i] = e
	}
	streamID := opts.StreamID
	if streamID == "" {
		streamID = opts.Track.StreamID()
	}
	if err := ortc.ValidateMSID(streamID, opts.Track.ID()); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	var codec *params.RTPCodecCapability
	if opts.Codec != nil {
		c := opts.Codec.internal()
		codec = &c
	} else if ct, ok := opts.Track.(interface {
		Codec() webrtc.RTPCodecCapability
	}); ok && ct.Codec().MimeType != "" {
		// A Go track carries encoded media already: send it with the
		// router codec that matches it, not the router's first one.
		c, err := ortc.ChooseSendCodec(ct.Codec(), t.device.sendCapabilities())
		if err != nil {
			return nil, fmt.Errorf("produce: %w", err)
		}
		codec = &c
	}
	var p *Producer
	err := t.enqueue(ctx, func(ctx context.Context) (func(), error) {
		var err error
		p, err = t.produce(ctx, kind, opts, encodings, codec, hook)
		if err != nil {
			return nil, err
		}
		return p.Close, nil
	})
	if err != nil {
		return nil, err
	}
	// On the caller's goroutine, no operation running: the handler may call
	// back into the SDK.
	t.observer.newProducer(p)
	return p, nil
}

// isNilTrack reports a nil track, also a typed nil pointer in the
// interface.
func isNilTrack(t webrtc.TrackLocal) bool {
	if t == nil {
		return true
	}
	v := reflect.ValueOf(t)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

func checkLayers(kind MediaKind, o ProducerOptions) error {
	if len(o.LayerTracks) == 0 {
		if len(o.Encodings) > 1 {
			return fmt.Errorf("produce: %d encodings but one track: pass the other layers in LayerTracks: %w", len(o.Encodings), ErrInvalidParameters)
		}
		return nil
	}
	if kind != MediaKindVideo {
		return fmt.Errorf("produce: simulcast needs video: %w", ErrInvalidParameters)
	}
	if len(o.Encodings) != 0 && len(o.Encodings) != len(o.LayerTracks)+1 {
		return fmt.Errorf("produce: %d encodings for %d tracks: %w", len(o.Encodings), len(o.LayerTracks)+1, ErrInvalidParameters)
	}
	seen := map[string]bool{}
	for i, tr := range append([]webrtc.TrackLocal{o.Track}, o.LayerTracks...) {
		if tr == nil {
			return fmt.Errorf("produce: LayerTracks[%d] is nil: %w", i-1, ErrInvalidParameters)
		}
		if tr.RID() == "" || seen[tr.RID()] {
			return fmt.Errorf("produce: simulcast track %d needs its own RID (got %q): %w", i, tr.RID(), ErrInvalidParameters)
		}
		if tr.Kind() != webrtc.RTPCodecTypeVideo {
			return fmt.Errorf("produce: simulcast track %d is not video: %w", i, ErrInvalidParameters)
		}
		if tr.ID() != o.Track.ID() {
			return fmt.Errorf("produce: simulcast track %d has ID %q, not the first track's %q (pion requires one ID): %w", i, tr.ID(), o.Track.ID(), ErrInvalidParameters)
		}
		seen[tr.RID()] = true
	}
	return nil
}

func (t *Transport) produce(ctx context.Context, kind MediaKind, opts ProducerOptions, encodings []params.RTPEncodingParameters, codec *params.RTPCodecCapability, hook func(context.Context, ProduceParams) (string, error)) (*Producer, error) {
	if err := t.ensureConnected(ctx); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	first := newGatedTrack(opts.Track, opts.StreamID)
	gates := []*gatedTrack{first}
	layers := make([]webrtc.TrackLocal, 0, len(opts.LayerTracks))
	for _, lt := range opts.LayerTracks {
		g := newGatedTrack(lt, first.streamID)
		gates = append(gates, g)
		layers = append(layers, g)
	}
	var co *handler.CodecOptions
	if opts.CodecOptions != nil {
		c := handler.CodecOptions(*opts.CodecOptions)
		co = &c
	}
	res, err := t.h.Send(ctx, handler.SendOptions{
		Track: first, LayerTracks: layers, Encodings: encodings, CodecOptions: co, Codec: codec,
		OnSender: opts.OnRTPSender,
	})
	if err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	appData := opts.AppData
	if appData == nil {
		appData = AppData{}
	}
	id, err := hook(ctx, ProduceParams{Kind: kind, RTPParameters: rtpParametersFrom(res.RTPParameters), AppData: appData})
	if err == nil && id == "" {
		err = fmt.Errorf("OnProduce returned an empty producer ID: %w", ErrInvalidParameters)
	}
	if err != nil {
		_ = t.h.StopSending(t.ctx, res.LocalID)
		return nil, fmt.Errorf("produce: %w", err)
	}
	p := &Producer{
		id: id, localID: res.LocalID, kind: kind, rtp: res.RTPParameters, appData: appData, transport: t,
		sender: res.Sender, gates: gates, track: opts.Track, maxLayer: len(gates) - 1,
		stopOnPause: opts.DisableTrackOnPause == nil || *opts.DisableTrackOnPause || opts.ZeroRTPOnPause,
	}
	t.mu.Lock()
	t.producers[id] = p
	t.mu.Unlock()
	if t.keyFrames != nil {
		var rids []string
		if len(opts.LayerTracks) > 0 {
			for _, tr := range append([]webrtc.TrackLocal{opts.Track}, opts.LayerTracks...) {
				rids = append(rids, tr.RID())
			}
		}
		t.keyFrames.add(p, rids)
	}
	return p, nil
}

// ID returns the server-side producer's ID.
func (p *Producer) ID() string { return p.id }

// LocalID returns the producer's local media section id (mid).
func (p *Producer) LocalID() string { return p.localID }

// Kind returns the media kind.
func (p *Producer) Kind() MediaKind { return p.kind }

// Track returns the track being sent (the first layer's for simulcast).
func (p *Producer) Track() webrtc.TrackLocal {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.track
}

// RTPSender returns pion's sender. Its RTCP is read by the transport (see
// ProducerOptions.OnRTPSender).
func (p *Producer) RTPSender() *webrtc.RTPSender { return p.sender }

// RTPParameters returns the RTP parameters given to the server.
func (p *Producer) RTPParameters() RTPParameters { return rtpParametersFrom(p.rtp) }

// AppData returns the producer's application data.
func (p *Producer) AppData() AppData {
	p.appDataMu.Lock()
	defer p.appDataMu.Unlock()
	return p.appData
}

// SetAppData replaces the application data, as assigning appData does in
// mediasoup-client; nil becomes an empty map.
func (p *Producer) SetAppData(d AppData) {
	if d == nil {
		d = AppData{}
	}
	p.appDataMu.Lock()
	p.appData = d
	p.appDataMu.Unlock()
}

// Observer returns the producer's observer.
func (p *Producer) Observer() *MediaObserver { return &p.observer }

// Closed reports whether the producer is closed.
func (p *Producer) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Paused reports whether the producer is paused.
func (p *Producer) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// MaxSpatialLayer returns the highest simulcast layer being sent.
func (p *Producer) MaxSpatialLayer() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxLayer
}

// Pause stops sending RTP (unless DisableTrackOnPause was false and
// ZeroRTPOnPause unset). Pause the server producer through your signaling
// too, as with mediasoup-client.
func (p *Producer) Pause() {
	p.mu.Lock()
	if p.closed || p.paused {
		p.mu.Unlock()
		return
	}
	p.paused = true
	p.applyGatesLocked()
	p.mu.Unlock()
	p.observer.fire(obsPause)
}

// Resume sends RTP again.
func (p *Producer) Resume() {
	p.mu.Lock()
	if p.closed || !p.paused {
		p.mu.Unlock()
		return
	}
	p.paused = false
	p.applyGatesLocked()
	p.mu.Unlock()
	p.observer.fire(obsResume)
}

func (p *Producer) applyGatesLocked() {
	for i, g := range p.gates {
		g.muted.Store((p.paused && p.stopOnPause) || i > p.maxLayer)
	}
}

// SetMaxSpatialLayer limits simulcast to layers 0..layer. pion v3 cannot
// deactivate an encoding, so the SDK drops the higher layers' packets;
// the server sees those streams go inactive.
func (p *Producer) SetMaxSpatialLayer(ctx context.Context, layer int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("producer %s closed: %w", p.id, ErrInvalidState)
	}
	if p.kind != MediaKindVideo {
		return fmt.Errorf("producer %s: not a video producer: %w", p.id, ErrUnsupported)
	}
	if layer < 0 || layer >= len(p.gates) {
		return fmt.Errorf("producer %s: spatial layer %d out of 0..%d: %w", p.id, layer, len(p.gates)-1, ErrInvalidParameters)
	}
	p.maxLayer = layer
	p.applyGatesLocked()
	return nil
}

// SetRTPEncodingParameters applies per-encoding settings. pion v3 has no
// RTPSender.SetParameters: only Active is honoured (inactive encodings stop
// sending); bitrates and frame rates are the application's encoder's job.
func (p *Producer) SetRTPEncodingParameters(ctx context.Context, encodings []RTPEncodingParameters) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("producer %s closed: %w", p.id, ErrInvalidState)
	}
	if len(encodings) != len(p.gates) {
		return fmt.Errorf("producer %s: %d encodings for %d streams: %w", p.id, len(encodings), len(p.gates), ErrInvalidParameters)
	}
	for i, pe := range encodings {
		e := pe.internal()
		if err := ortc.ValidateRTPEncodingParameters(&e); err != nil {
			return fmt.Errorf("producer %s: encodings[%d]: %w", p.id, i, err)
		}
	}
	max := -1
	for i, e := range encodings {
		if e.Active == nil || *e.Active {
			max = i
		}
	}
	for i, g := range p.gates {
		active := encodings[i].Active == nil || *encodings[i].Active
		g.muted.Store(!active || (p.paused && p.stopOnPause))
	}
	if max >= 0 {
		p.maxLayer = max
	}
	return nil
}

// ReplaceTrack sends another track (of the same kind) without
// renegotiation; for simulcast it replaces the first layer. A nil track
// stops sending, as mediasoup-client's replaceTrack({ track: null }) does
// (Track then returns nil), until a track is given again.
func (p *Producer) ReplaceTrack(ctx context.Context, track webrtc.TrackLocal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if isNilTrack(track) {
		if p.Closed() {
			return fmt.Errorf("producer %s closed: %w", p.id, ErrInvalidState)
		}
		p.mu.Lock()
		for _, g := range p.gates {
			g.off.Store(true)
		}
		p.track = nil
		p.mu.Unlock()
		return nil
	}
	if MediaKind(track.Kind().String()) != p.kind {
		return fmt.Errorf("producer %s: track kind %s: %w", p.id, track.Kind(), ErrInvalidParameters)
	}
	if p.Closed() {
		return fmt.Errorf("producer %s closed: %w", p.id, ErrInvalidState)
	}
	return p.transport.enqueue(ctx, func(ctx context.Context) (func(), error) {
		p.mu.Lock()
		g := p.gates[0].replacing(track)
		for _, other := range p.gates[1:] {
			other.off.Store(false)
		}
		p.mu.Unlock()
		if err := p.transport.h.ReplaceTrack(p.localID, g); err != nil {
			return nil, fmt.Errorf("producer %s: replace track: %w", p.id, err)
		}
		p.mu.Lock()
		p.gates[0] = g
		p.track = track
		p.mu.Unlock()
		return nil, nil
	})
}

// GetStats returns the producer's outbound-rtp entries (one per simulcast
// stream) and its transport's ICE and DTLS entries.
func (p *Producer) GetStats(ctx context.Context) (webrtc.StatsReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Closed() {
		return nil, fmt.Errorf("producer %s closed: %w", p.id, ErrInvalidState)
	}
	report := p.transport.transportStats()
	p.addStats(report)
	return report, nil
}

// OnTransportClose sets the handler called when the producer closes
// because its transport closed.
func (p *Producer) OnTransportClose(f func()) { p.onTransportClose.set(f) }

// OnTrackEnded sets the handler called when the producer's track can no
// longer be sent: its transport's connection failed. It runs on pion's
// goroutine.
func (p *Producer) OnTrackEnded(f func()) { p.onTrackEnded.set(f) }

// OnKeyFrameRequest sets the handler called when the server asks for a key
// frame of the producer's stream (a PLI or FIR: a consumer joined, resumed,
// switched layers or lost the picture). rid is the simulcast layer's RID,
// "" without simulcast. A bot with a live encoder answers it by encoding a
// key frame; file playback has none to give until the file's next one. It
// runs on the transport's RTCP reader: return quickly.
func (p *Producer) OnKeyFrameRequest(f func(rid string)) { p.onKeyFrameRequest.set(f) }

// Close stops sending and renegotiates the media section off in the
// background; the section is reused by later producers. Close the server
// producer through your signaling too. Idempotent.
func (p *Producer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	t := p.transport
	if t.keyFrames != nil {
		t.keyFrames.remove(p)
	}
	t.mu.Lock()
	if t.producers[p.id] == p {
		delete(t.producers, p.id)
	}
	t.mu.Unlock()
	o := newOp(t.ctx, opSingle)
	o.run = func(ctx context.Context) (func(), error) { return nil, t.h.StopSending(ctx, p.localID) }
	t.q.push(o)
	p.observer.fire(obsClose)
}

func (p *Producer) transportClosed() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.onTransportClose.fire()
	p.observer.fire(obsClose)
}
