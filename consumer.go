package mediasoupclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// ConsumerOptions are the server consumer's parameters, as mediasoup's
// transport.consume() returns them: the JSON of a consumer's id, producerId,
// kind and rtpParameters decodes straight into it.
type ConsumerOptions struct {
	// ID of the server-side consumer.
	ID string `json:"id"`
	// ProducerID of the producer it consumes.
	ProducerID string `json:"producerId"`
	// Kind of media.
	Kind MediaKind `json:"kind"`
	// RTPParameters the server sends.
	RTPParameters RTPParameters `json:"rtpParameters"`
	// StreamID groups consumers for A/V sync (msid stream id); defaults to
	// the RTCP CNAME.
	StreamID string `json:"streamId,omitempty"`
	// OnRTPReceiver is called with pion's receiver once it exists, before
	// the offer/answer is applied, as mediasoup-client does. It runs on the
	// transport's queue: it must not wait for another operation of the
	// transport (those fail at once with ErrInvalidState when called from
	// it); closing the consumer's transport from it is allowed.
	OnRTPReceiver func(*webrtc.RTPReceiver) `json:"-"`
	// AppData is application data.
	AppData AppData `json:"appData,omitempty"`
}

type consumeRequest struct {
	opts ConsumerOptions
	rtp  params.RTPParameters
	out  *Consumer
}

// Consumer receives one server consumer's media, like mediasoup-client's
// Consumer. Its Track is readable as soon as Consume returns.
type Consumer struct {
	id         string
	localID    string
	producerID string
	kind       MediaKind
	rtp        params.RTPParameters
	appData    AppData
	appDataMu  sync.Mutex
	transport  *Transport
	receiver   *webrtc.RTPReceiver
	track      *RemoteTrack

	mu     sync.Mutex
	closed bool
	paused bool
	// pendingPLI sends one key frame request once the receiver starts.
	pendingPLI sync.Once

	onTransportClose callback
	onTrackEnded     callback
	observer         MediaObserver
}

// Consume creates a consumer from the server's consumer parameters. It
// returns once the local negotiation is done, whether or not the transport
// has connected yet: the consumer's track is readable at once and delivers
// media when it arrives. Concurrent calls on one transport are negotiated
// together in one offer/answer.
func (t *Transport) Consume(ctx context.Context, opts ConsumerOptions) (*Consumer, error) {
	cs, errs := t.consume(ctx, []ConsumerOptions{opts})
	return cs[0], errs[0]
}

// ConsumeMany creates several consumers in one renegotiation. It returns,
// for each option at the same index, the consumer or its error. It goes
// beyond mediasoup-client, whose equivalent is calling consume() several
// times in the same tick.
func (t *Transport) ConsumeMany(ctx context.Context, opts []ConsumerOptions) ([]*Consumer, []error) {
	return t.consume(ctx, opts)
}

func (t *Transport) consume(ctx context.Context, opts []ConsumerOptions) ([]*Consumer, []error) {
	out := make([]*Consumer, len(opts))
	errs := make([]error, len(opts))
	t.consumeCallers.Add(1)
	arrived := false
	defer func() {
		if !arrived {
			t.consumeCallers.Add(-1)
		}
	}()
	if err := t.notOnQueue("consume"); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	ops := make([]*op, 0, len(opts))
	idx := make([]int, 0, len(opts))
	for i, o := range opts {
		req, err := t.prepareConsume(ctx, o)
		if err != nil {
			errs[i] = err
			continue
		}
		op := newOp(ctx, opConsume)
		op.consume = req
		ops = append(ops, op)
		idx = append(idx, i)
	}
	for j, op := range ops {
		if !t.q.push(op) {
			errs[idx[j]] = fmt.Errorf("consume %s: transport closed: %w", op.consume.opts.ID, ErrInvalidState)
			ops[j] = nil
		}
	}
	t.consumeCallers.Add(-1)
	arrived = true
	for j, op := range ops {
		if op == nil {
			continue
		}
		if err := op.wait(ctx); err != nil {
			errs[idx[j]] = err
			continue
		}
		out[idx[j]] = op.consume.out
	}
	// Observer events fire on the caller's goroutine, with no operation of
	// the transport running: handlers may call back into the SDK.
	for _, c := range out {
		if c != nil {
			t.observer.newConsumer(c)
		}
	}
	return out, errs
}

func (t *Transport) prepareConsume(ctx context.Context, o ConsumerOptions) (*consumeRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := t.checkUsable(handler.DirectionRecv); err != nil {
		return nil, err
	}
	rtp := o.RTPParameters.internal()
	if err := ortc.ValidateConsumerOptions(o.ID, o.ProducerID, o.StreamID, params.MediaKind(o.Kind), &rtp); err != nil {
		return nil, fmt.Errorf("consume %q: %w", o.ID, err)
	}
	if ok, err := ortc.CanReceive(rtp, t.ext); err != nil || !ok {
		if err == nil {
			err = ErrUnsupported
		}
		return nil, fmt.Errorf("consume %s: cannot receive these RTP parameters: %w", o.ID, err)
	}
	t.mu.Lock()
	_, dup := t.consumers[o.ID]
	ssrcErr := t.ssrcInUse(rtp)
	t.mu.Unlock()
	if dup {
		return nil, fmt.Errorf("consume %s: a consumer with this ID exists: %w", o.ID, ErrInvalidParameters)
	}
	if ssrcErr != nil {
		return nil, fmt.Errorf("consume %s: %w", o.ID, ssrcErr)
	}
	return &consumeRequest{opts: o, rtp: rtp}, nil
}

// ssrcInUse reports an SSRC of rtp that a live consumer of the transport
// receives already: pion would give the stream to that consumer only. The
// caller holds t.mu.
func (t *Transport) ssrcInUse(rtp params.RTPParameters) error {
	for _, e := range rtp.Encodings {
		for _, ssrc := range []uint32{e.SSRC, rtxSSRC(e)} {
			if ssrc == 0 {
				continue
			}
			for _, c := range t.consumers {
				for _, ce := range c.rtp.Encodings {
					if ce.SSRC == ssrc || rtxSSRC(ce) == ssrc {
						return fmt.Errorf("rtpParameters.encodings: SSRC %d is consumer %s's: %w", ssrc, c.id, ErrInvalidParameters)
					}
				}
			}
		}
	}
	return nil
}

func rtxSSRC(e params.RTPEncodingParameters) uint32 {
	if e.RTX == nil {
		return 0
	}
	return e.RTX.SSRC
}

func kindMatches(mime string, kind MediaKind) bool {
	return len(mime) > len(kind) && mime[:len(kind)] == string(kind) && mime[len(kind)] == '/'
}

// execConsume negotiates a batch of consumers on the dispatcher goroutine.
func (t *Transport) execConsume(batch []*op) {
	live := batch[:0:0]
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.finish(err, nil)
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return
	}
	ctx, stop := mergeContexts(t.ctx, live)
	defer stop()
	fail := func(err error) {
		for _, o := range live {
			o.finish(fmt.Errorf("consume %s: %w", o.consume.opts.ID, err), nil)
		}
	}
	if err := t.ensureConnected(ctx); err != nil {
		fail(err)
		return
	}
	reqs := make([]handler.ReceiveOptions, len(live))
	for i, o := range live {
		c := o.consume
		reqs[i] = handler.ReceiveOptions{
			TrackID: c.opts.ID, Kind: params.MediaKind(c.opts.Kind), RTPParameters: c.rtp, StreamID: c.opts.StreamID,
			OnReceiver: c.opts.OnRTPReceiver,
		}
	}
	res, err := t.h.Receive(ctx, reqs)
	if err != nil {
		fail(err)
		return
	}
	for i, o := range live {
		c := o.consume
		r := res[i]
		streamID := c.opts.StreamID
		if streamID == "" {
			streamID = c.rtp.RTCP.CNAME
		}
		cons := &Consumer{
			id: c.opts.ID, localID: r.LocalID, producerID: c.opts.ProducerID, kind: c.opts.Kind,
			rtp: c.rtp, appData: c.opts.AppData, transport: t, receiver: r.Receiver,
			track: newRemoteTrack(r.Track, c.opts.Kind, c.rtp, c.opts.ID, streamID),
		}
		if cons.appData == nil {
			cons.appData = AppData{}
		}
		t.mu.Lock()
		t.consumers[cons.id] = cons
		dead := t.deadErr
		t.mu.Unlock()
		if dead != nil {
			cons.track.close(dead)
		}
		c.out = cons
		o.finish(nil, cons.Close)
	}
}

// ID returns the server-side consumer's ID.
func (c *Consumer) ID() string { return c.id }

// LocalID returns the consumer's local media section id (mid).
func (c *Consumer) LocalID() string { return c.localID }

// ProducerID returns the consumed producer's ID.
func (c *Consumer) ProducerID() string { return c.producerID }

// Kind returns the media kind.
func (c *Consumer) Kind() MediaKind { return c.kind }

// RTPReceiver returns pion's receiver.
func (c *Consumer) RTPReceiver() *webrtc.RTPReceiver { return c.receiver }

// Track returns the remote track to read RTP from. Reads and read
// deadlines work as soon as Consume returns, connected or not; reads end
// with io.EOF when the consumer or its transport closes. pion v3 peeks
// each track's first packet on its own goroutine (for OnTrack); a read that
// races that peek can get the first two packets swapped.
func (c *Consumer) Track() *RemoteTrack { return c.track }

// RTPParameters returns the consumer's RTP parameters.
func (c *Consumer) RTPParameters() RTPParameters { return rtpParametersFrom(c.rtp) }

// AppData returns the consumer's application data.
func (c *Consumer) AppData() AppData {
	c.appDataMu.Lock()
	defer c.appDataMu.Unlock()
	return c.appData
}

// SetAppData replaces the application data, as assigning appData does in
// mediasoup-client; nil becomes an empty map.
func (c *Consumer) SetAppData(d AppData) {
	if d == nil {
		d = AppData{}
	}
	c.appDataMu.Lock()
	c.appData = d
	c.appDataMu.Unlock()
}

// Observer returns the consumer's observer.
func (c *Consumer) Observer() *MediaObserver { return &c.observer }

// Closed reports whether the consumer is closed.
func (c *Consumer) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Paused reports whether the consumer is paused locally.
func (c *Consumer) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Pause pauses the consumer locally: packets that still arrive are dropped
// before they reach the track's readers, as mediasoup-client disables the
// track. The application pauses the server side through its signaling.
func (c *Consumer) Pause() {
	c.mu.Lock()
	if c.closed || c.paused {
		c.mu.Unlock()
		return
	}
	c.paused = true
	c.track.paused.Store(true)
	c.mu.Unlock()
	c.observer.fire(obsPause)
}

// Resume marks the consumer resumed.
func (c *Consumer) Resume() {
	c.mu.Lock()
	if c.closed || !c.paused {
		c.mu.Unlock()
		return
	}
	c.paused = false
	c.track.paused.Store(false)
	c.mu.Unlock()
	c.observer.fire(obsResume)
}

// RequestKeyFrame sends a PLI for the consumer's stream, so a recorder can
// start on a key frame. It's for video consumers. Before the consumer's
// receiver has started (the transport is still connecting) the request is
// sent once it starts.
func (c *Consumer) RequestKeyFrame() error {
	if c.Closed() {
		return fmt.Errorf("consumer %s closed: %w", c.id, ErrInvalidState)
	}
	if c.kind != MediaKindVideo || len(c.rtp.Encodings) == 0 {
		return fmt.Errorf("consumer %s: key frames are for video: %w", c.id, ErrInvalidState)
	}
	pli := []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: c.rtp.Encodings[0].SSRC}}
	h := c.transport.h
	if c.track.isStarted() {
		return h.WriteRTCP(pli)
	}
	c.pendingPLI.Do(func() {
		go func() {
			select {
			case <-c.track.r.Started():
				_ = h.WriteRTCP(pli)
			case <-c.track.done:
			}
		}()
	})
	return nil
}

// GetStats returns the consumer's inbound-rtp entries and its transport's
// ICE and DTLS entries.
func (c *Consumer) GetStats(ctx context.Context) (webrtc.StatsReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.Closed() {
		return nil, fmt.Errorf("consumer %s closed: %w", c.id, ErrInvalidState)
	}
	report := c.transport.transportStats()
	c.addStats(report)
	return report, nil
}

// OnTransportClose sets the handler called when the consumer closes
// because its transport closed.
func (c *Consumer) OnTransportClose(f func()) { c.onTransportClose.set(f) }

// OnTrackEnded sets the handler called when the consumer's track can no
// longer receive: its transport's connection failed. It runs on pion's
// goroutine.
func (c *Consumer) OnTrackEnded(f func()) { c.onTrackEnded.set(f) }

// Close closes the consumer; its media section is renegotiated off in the
// background (together with other closes) and reused by later consumers.
// Idempotent.
func (c *Consumer) Close() {
	if !c.markClosed() {
		return
	}
	t := c.transport
	t.mu.Lock()
	if t.consumers[c.id] == c {
		delete(t.consumers, c.id)
	}
	t.mu.Unlock()
	c.track.close(nil)
	o := newOp(t.ctx, opStopReceiving)
	o.stopMID = c.localID
	t.q.push(o)
	c.observer.fire(obsClose)
}

func (c *Consumer) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	return true
}

func (c *Consumer) transportClosed() {
	if !c.markClosed() {
		return
	}
	c.track.close(nil)
	c.onTransportClose.fire()
	c.observer.fire(obsClose)
}
