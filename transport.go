package mediasoupclient

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// ConnectionState is the transport's connection state (pion's peer
// connection state: new, connecting, connected, disconnected, failed,
// closed).
type ConnectionState = webrtc.PeerConnectionState

// ICEGatheringState is the transport's ICE gathering state.
type ICEGatheringState = webrtc.ICEGatheringState

// TransportOptions are the server transport's parameters, as mediasoup's
// createWebRtcTransport returns them: the JSON of the server transport's id,
// iceParameters, iceCandidates, dtlsParameters and sctpParameters decodes
// straight into it.
type TransportOptions struct {
	// ID of the server-side transport.
	ID string `json:"id"`
	// ICEParameters of the server.
	ICEParameters ICEParameters `json:"iceParameters"`
	// ICECandidates of the server.
	ICECandidates []ICECandidate `json:"iceCandidates"`
	// DTLSParameters of the server.
	DTLSParameters DTLSParameters `json:"dtlsParameters"`
	// SCTPParameters of the server; nil when the transport has no SCTP.
	SCTPParameters *SCTPParameters `json:"sctpParameters,omitempty"`
	// ICEServers (STUN/TURN) to use besides the server's candidates.
	ICEServers []webrtc.ICEServer `json:"iceServers,omitempty"`
	// ICETransportPolicy restricts candidates ("all" or "relay").
	ICETransportPolicy webrtc.ICETransportPolicy `json:"iceTransportPolicy,omitempty"`
	// AppData is application data.
	AppData AppData `json:"appData,omitempty"`
}

// ConnectParams are handed to the OnConnect hook.
type ConnectParams struct {
	// DTLSParameters to give the server's connectWebRtcTransport.
	DTLSParameters DTLSParameters
}

// ProduceParams are handed to the OnProduce hook.
type ProduceParams struct {
	// Kind of the producer.
	Kind MediaKind
	// RTPParameters to give the server's produce.
	RTPParameters RTPParameters
	// AppData of the producer.
	AppData AppData
}

// ProduceDataParams are handed to the OnProduceData hook.
type ProduceDataParams struct {
	// SCTPStreamParameters to give the server's produceData.
	SCTPStreamParameters SCTPStreamParameters
	// Label of the data channel.
	Label string
	// Protocol of the data channel.
	Protocol string
	// AppData of the data producer.
	AppData AppData
}

// Transport is a send or receive transport: one pion PeerConnection
// connected to one mediasoup WebRtcTransport. Its operations run one after
// another through a queue; concurrent Consume calls share a renegotiation.
type Transport struct {
	id        string
	dir       handler.Direction
	device    *Device
	h         handler.Transport
	ext       ortc.ExtendedRTPCapabilities
	canSend   map[MediaKind]bool
	appData   AppData
	appDataMu sync.Mutex
	maxMsg    int

	ctx    context.Context
	cancel context.CancelFunc
	q      *queue

	// keyFrames routes key frame requests to producers (send only).
	keyFrames *keyFrameRouter

	// connected is only touched by the dispatcher.
	connected bool

	mu            sync.Mutex
	closed        bool
	onConnect     func(context.Context, ConnectParams) error
	onProduce     func(context.Context, ProduceParams) (string, error)
	onProduceData func(context.Context, ProduceDataParams) (string, error)
	onConnState   func(ConnectionState)
	onGathering   func(ICEGatheringState)
	producers     map[string]*Producer
	consumers     map[string]*Consumer
	dataProducers map[string]*DataProducer
	dataConsumers map[string]*DataConsumer
	streamIDs     map[uint16]bool
	nextStreamID  int

	// everConnected: the connection reached "connected" once. deadErr is
	// set when it failed before that: pion never starts the receivers of
	// such a transport, so tracks that did not start end with it.
	everConnected bool
	deadErr       error

	connState atomic.Value // ConnectionState
	// consumeCallers counts Consume calls still preparing their request.
	consumeCallers atomic.Int64
	observer       TransportObserver
}

func newTransport(d *Device, dir handler.Direction, ext ortc.ExtendedRTPCapabilities, canSend map[MediaKind]bool, o TransportOptions) (*Transport, error) {
	if o.ID == "" {
		return nil, fmt.Errorf("transport ID missing: %w", ErrInvalidParameters)
	}
	ice := o.ICEParameters.internal()
	if err := ortc.ValidateICEParameters(&ice); err != nil {
		return nil, err
	}
	candidates := iceCandidatesInternal(o.ICECandidates)
	if err := ortc.ValidateICECandidates(candidates); err != nil {
		return nil, err
	}
	dtls := o.DTLSParameters.internal()
	if err := ortc.ValidateDTLSParameters(&dtls); err != nil {
		return nil, err
	}
	var sctp *params.SCTPParameters
	if o.SCTPParameters != nil {
		s := o.SCTPParameters.internal()
		if err := ortc.ValidateSCTPParameters(&s); err != nil {
			return nil, err
		}
		sctp = &s
	}
	var keyFrames *keyFrameRouter
	if dir == handler.DirectionSend {
		keyFrames = newKeyFrameRouter()
	}
	h, err := d.newHandler(dir, ext, keyFrames, handlerParams{
		ice: ice, candidates: candidates, dtls: dtls, sctp: sctp,
		iceServers: o.ICEServers, policy: o.ICETransportPolicy,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	if o.AppData == nil {
		o.AppData = AppData{}
	}
	t := &Transport{
		id: o.ID, dir: dir, device: d, h: h, ext: ext, canSend: canSend, appData: o.AppData,
		ctx: ctx, cancel: cancel, keyFrames: keyFrames,
		producers: map[string]*Producer{}, consumers: map[string]*Consumer{},
		dataProducers: map[string]*DataProducer{}, dataConsumers: map[string]*DataConsumer{},
	}
	if sctp != nil {
		t.maxMsg = sctp.DataChannelMaxMessageSize()
	}
	t.connState.Store(webrtc.PeerConnectionStateNew)
	t.q = newQueue(t.exec)
	t.q.arriving = t.consumeCallers.Load
	h.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		t.mu.Lock()
		if t.closed {
			// Silent after Close, as mediasoup-client is.
			t.mu.Unlock()
			return
		}
		t.connState.Store(s)
		var unstarted []*Consumer
		switch s {
		case webrtc.PeerConnectionStateConnected:
			t.everConnected = true
		case webrtc.PeerConnectionStateFailed:
			if !t.everConnected && t.deadErr == nil {
				t.deadErr = fmt.Errorf("transport %s failed before it ever connected: %w", t.id, ErrInvalidState)
				for _, c := range t.consumers {
					if !c.track.isStarted() {
						unstarted = append(unstarted, c)
					}
				}
			}
		}
		f := t.onConnState
		dead := t.deadErr
		t.mu.Unlock()
		for _, c := range unstarted {
			c.track.close(dead)
		}
		if s == webrtc.PeerConnectionStateFailed {
			t.tracksEnded()
		}
		if f != nil {
			f(s)
		}
		t.observer.connectionStateChange(s)
	})
	h.OnICEGatheringStateChange(func(s webrtc.ICEGatheringState) {
		t.mu.Lock()
		f := t.onGathering
		if t.closed {
			f = nil
		}
		t.mu.Unlock()
		if f != nil {
			f(s)
		}
	})
	return t, nil
}

// ID returns the server-side transport's ID.
func (t *Transport) ID() string { return t.id }

// Direction returns "send" or "recv".
func (t *Transport) Direction() string { return string(t.dir) }

// AppData returns the transport's application data.
func (t *Transport) AppData() AppData {
	t.appDataMu.Lock()
	defer t.appDataMu.Unlock()
	return t.appData
}

// SetAppData replaces the application data, as assigning appData does in
// mediasoup-client; nil becomes an empty map.
func (t *Transport) SetAppData(d AppData) {
	if d == nil {
		d = AppData{}
	}
	t.appDataMu.Lock()
	t.appData = d
	t.appDataMu.Unlock()
}

// Closed reports whether the transport is closed.
func (t *Transport) Closed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// ConnectionState returns the current connection state.
func (t *Transport) ConnectionState() ConnectionState {
	return t.connState.Load().(ConnectionState)
}

// ICEGatheringState returns the current ICE gathering state.
func (t *Transport) ICEGatheringState() ICEGatheringState {
	return t.h.ICEGatheringState()
}

// Renegotiations returns how many offer/answer rounds the transport applied.
func (t *Transport) Renegotiations() int64 { return t.h.Renegotiations() }

// PeerConnection exposes the underlying pion peer connection, for stats or
// tuning; nil for a receive transport of the ORTC handler, which has none.
// Negotiating on it directly breaks the transport, and so does replacing
// its OnTrack, OnConnectionStateChange or OnICEGatheringStateChange
// handler: the SDK's own are set there.
func (t *Transport) PeerConnection() *webrtc.PeerConnection { return t.h.PeerConnection() }

// Observer returns the transport's observer.
func (t *Transport) Observer() *TransportObserver { return &t.observer }

// OnConnect sets the hook called once, inside the first Produce, Consume,
// ProduceData or ConsumeData, with the DTLS parameters to give the
// server's connect. It runs on the transport's queue with the operation's
// context; its error fails the operation. From it, Close (of the transport
// or of its objects) works; calls that would wait for another operation of
// the same transport (Produce, Consume, RestartICE...) fail at once with
// ErrInvalidState instead of waiting for the running one.
func (t *Transport) OnConnect(f func(ctx context.Context, p ConnectParams) error) {
	t.mu.Lock()
	t.onConnect = f
	t.mu.Unlock()
}

// OnProduce sets the hook called inside Produce with the RTP parameters to
// give the server's produce; it returns the server producer's ID. It runs
// on the transport's queue, under the same rules as OnConnect's hook.
func (t *Transport) OnProduce(f func(ctx context.Context, p ProduceParams) (string, error)) {
	t.mu.Lock()
	t.onProduce = f
	t.mu.Unlock()
}

// OnProduceData sets the hook called inside ProduceData; it returns the
// server data producer's ID. It runs on the transport's queue, under the
// same rules as OnConnect's hook.
func (t *Transport) OnProduceData(f func(ctx context.Context, p ProduceDataParams) (string, error)) {
	t.mu.Lock()
	t.onProduceData = f
	t.mu.Unlock()
}

// OnConnectionStateChange sets the handler of connection state changes. It
// runs on pion's goroutine, in order, and is not called after Close (the
// state reads "closed" from then on). It may call back into the SDK. One
// handler per transport, as in pion: setting another replaces it.
func (t *Transport) OnConnectionStateChange(f func(ConnectionState)) {
	t.mu.Lock()
	t.onConnState = f
	t.mu.Unlock()
}

// OnICEGatheringStateChange sets the handler of ICE gathering state
// changes. It runs on pion's goroutine, in order.
func (t *Transport) OnICEGatheringStateChange(f func(ICEGatheringState)) {
	t.mu.Lock()
	t.onGathering = f
	t.mu.Unlock()
}

// GetDataChannelMaxMessageSize returns the largest message a data producer
// on this transport can send: the smaller of the server's limit and 65535
// bytes, the largest message a pion v3 data channel can receive (its read
// buffer is 65535 bytes: a larger message fails the receiving channel with
// io.ErrShortBuffer and closes it, so a Go data consumer of it would be
// lost).
func (t *Transport) GetDataChannelMaxMessageSize() int {
	const pionMax = 65535
	if t.maxMsg > 0 && t.maxMsg < pionMax {
		return t.maxMsg
	}
	return pionMax
}

// Close closes the transport, its producers and consumers (which fire
// OnTransportClose) and the peer connection. Idempotent, and safe from any
// callback: called from a hook running on the transport's queue, it ends
// the running operation instead of waiting for it.
func (t *Transport) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.connState.Store(webrtc.PeerConnectionStateClosed)
	t.mu.Unlock()
	t.cancel()
	for _, o := range t.q.close(!t.q.onDispatcher()) {
		o.finish(fmt.Errorf("transport closed: %w", ErrInvalidState), nil)
	}
	t.mu.Lock()
	producers, consumers := mapValues(t.producers), mapValues(t.consumers)
	dataProducers, dataConsumers := mapValues(t.dataProducers), mapValues(t.dataConsumers)
	t.producers, t.consumers = map[string]*Producer{}, map[string]*Consumer{}
	t.dataProducers, t.dataConsumers = map[string]*DataProducer{}, map[string]*DataConsumer{}
	t.mu.Unlock()
	// Children learn of the close before the peer connection goes, so that
	// its own close events (data channels) don't pre-empt OnTransportClose.
	for _, p := range producers {
		p.transportClosed()
	}
	for _, c := range consumers {
		c.transportClosed()
	}
	for _, p := range dataProducers {
		p.transportClosed()
	}
	for _, c := range dataConsumers {
		c.transportClosed()
	}
	_ = t.h.Close()
	t.observer.close()
}

// tracksEnded tells producers and consumers that their tracks can no
// longer flow (the connection failed); they stay open for a RestartICE.
func (t *Transport) tracksEnded() {
	t.mu.Lock()
	producers, consumers := mapValues(t.producers), mapValues(t.consumers)
	t.mu.Unlock()
	for _, p := range producers {
		p.onTrackEnded.fire()
		p.observer.fire(obsTrackEnded)
	}
	for _, c := range consumers {
		c.onTrackEnded.fire()
		c.observer.fire(obsTrackEnded)
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// notOnQueue fails a call that would wait for the transport's queue while
// running on it (from a hook): it would wait for itself.
func (t *Transport) notOnQueue(what string) error {
	if t.q.onDispatcher() {
		return fmt.Errorf("%s called from a callback running on the transport's operation queue (OnConnect, OnProduce, OnProduceData, OnRTPSender, OnRTPReceiver): call it from another goroutine: %w", what, ErrInvalidState)
	}
	return nil
}

// enqueue runs fn as one operation and waits for it or ctx.
func (t *Transport) enqueue(ctx context.Context, fn func(ctx context.Context) (cleanup func(), err error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.notOnQueue("operation"); err != nil {
		return err
	}
	o := newOp(ctx, opSingle)
	o.run = fn
	if !t.q.push(o) {
		return fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	return o.wait(ctx)
}

// exec runs one batch on the dispatcher goroutine.
func (t *Transport) exec(batch []*op) {
	switch batch[0].kind {
	case opConsume:
		t.execConsume(batch)
	case opStopReceiving:
		mids := make([]string, len(batch))
		for i, o := range batch {
			mids[i] = o.stopMID
		}
		err := t.h.StopReceiving(t.ctx, mids)
		for _, o := range batch {
			o.finish(err, nil)
		}
	default:
		o := batch[0]
		if err := o.ctx.Err(); err != nil {
			o.finish(err, nil)
			return
		}
		ctx, stop := mergeContexts(t.ctx, []*op{o})
		cleanup, err := o.run(ctx)
		stop()
		o.finish(err, cleanup)
	}
}

// mergeContexts returns a context that ends when the transport closes or
// when every operation's own context has ended.
func mergeContexts(parent context.Context, ops []*op) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	var live atomic.Int64
	live.Store(int64(len(ops)))
	stops := make([]func() bool, 0, len(ops))
	for _, o := range ops {
		stops = append(stops, context.AfterFunc(o.ctx, func() {
			if live.Add(-1) == 0 {
				cancel()
			}
		}))
	}
	return ctx, func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
}

// ensureConnected calls the OnConnect hook once.
func (t *Transport) ensureConnected(ctx context.Context) error {
	if t.connected {
		return nil
	}
	t.mu.Lock()
	f := t.onConnect
	t.mu.Unlock()
	if f == nil {
		return fmt.Errorf("no OnConnect hook set: %w", ErrInvalidParameters)
	}
	dtls, err := t.h.LocalDTLSParameters()
	if err != nil {
		return err
	}
	if err := f(ctx, ConnectParams{DTLSParameters: dtlsParametersFrom(dtls)}); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := t.h.Connected(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	t.connected = true
	return nil
}

func (t *Transport) checkUsable(dir handler.Direction) error {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	if t.dir != dir {
		return fmt.Errorf("not a %s transport: %w", dir, ErrUnsupported)
	}
	return nil
}
