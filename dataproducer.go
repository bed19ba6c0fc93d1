package mediasoupclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
)

// DataProducerOptions are the options of Transport.ProduceData.
type DataProducerOptions struct {
	// Ordered delivery; nil means true unless a partial reliability option
	// is set.
	Ordered *bool
	// MaxPacketLifeTime in milliseconds, for partially reliable delivery.
	MaxPacketLifeTime *uint16
	// MaxRetransmits, for partially reliable delivery.
	MaxRetransmits *uint16
	// Label of the data channel.
	Label string
	// Protocol of the data channel.
	Protocol string
	// AppData is application data.
	AppData AppData
	// BufferedAmountLowThreshold is the initial low-water mark of
	// OnBufferedAmountLow (0 by default).
	BufferedAmountLowThreshold uint64

	// OnOpen, OnClose, OnError, OnBufferedAmountLow and OnTransportClose
	// are installed before the data channel can open, so no event is
	// missed; the setters of the same names replace them.
	OnOpen func()
	// OnClose is called when the data channel closes.
	OnClose func()
	// OnError receives data channel errors.
	OnError func(error)
	// OnBufferedAmountLow is called when the buffered amount drops below
	// the threshold.
	OnBufferedAmountLow func()
	// OnTransportClose is called when the data producer closes because
	// its transport closed.
	OnTransportClose func()
}

// DataProducer sends messages on an SCTP stream, like mediasoup-client's
// DataProducer.
type DataProducer struct {
	id        string
	dc        *webrtc.DataChannel
	sctp      SCTPStreamParameters
	appData   AppData
	appDataMu sync.Mutex
	transport *Transport

	mu     sync.Mutex
	closed bool

	events   dataEvents
	observer DataObserver
}

// ProduceData opens a data channel and calls the OnProduceData hook with
// its SCTP stream parameters for the server. The channel may still be
// connecting when it returns: call WaitOpen before the first send.
func (t *Transport) ProduceData(ctx context.Context, opts DataProducerOptions) (*DataProducer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := t.checkUsable(handler.DirectionSend); err != nil {
		return nil, err
	}
	if !t.h.HasSCTP() {
		return nil, fmt.Errorf("produce data: transport has no SCTP parameters: %w", ErrUnsupported)
	}
	t.mu.Lock()
	hook := t.onProduceData
	t.mu.Unlock()
	if hook == nil {
		return nil, fmt.Errorf("produce data: no OnProduceData hook set: %w", ErrInvalidParameters)
	}
	ordered := opts.Ordered
	if ordered == nil {
		v := opts.MaxPacketLifeTime == nil && opts.MaxRetransmits == nil
		ordered = &v
	}
	sp := SCTPStreamParameters{Ordered: ordered, MaxPacketLifeTime: opts.MaxPacketLifeTime, MaxRetransmits: opts.MaxRetransmits}
	if err := ValidateSCTPStreamParameters(&sp); err != nil {
		return nil, fmt.Errorf("produce data: %w", err)
	}
	appData := opts.AppData
	if appData == nil {
		appData = AppData{}
	}
	var dp *DataProducer
	err := t.enqueue(ctx, func(ctx context.Context) (func(), error) {
		if err := t.ensureConnected(ctx); err != nil {
			return nil, fmt.Errorf("produce data: %w", err)
		}
		sid, ok := t.takeStreamID()
		if !ok {
			return nil, fmt.Errorf("produce data: no free SCTP stream: %w", ErrInvalidState)
		}
		sp.StreamID = sid
		dp = &DataProducer{sctp: sp, appData: appData, transport: t}
		dp.events.init(dataHandlers{
			open: opts.OnOpen, close: opts.OnClose, err: opts.OnError,
			low: opts.OnBufferedAmountLow, transportClose: opts.OnTransportClose,
		})
		dc, err := t.h.OpenDataChannel(ctx, handler.DataChannelOptions{
			StreamID: sid, Label: opts.Label, Protocol: opts.Protocol, Ordered: *sp.Ordered,
			MaxPacketLifeTime: sp.MaxPacketLifeTime, MaxRetransmits: sp.MaxRetransmits,
		})
		if err != nil {
			t.releaseStreamID(sid)
			return nil, fmt.Errorf("produce data: %w", err)
		}
		dp.dc = dc
		dc.SetBufferedAmountLowThreshold(opts.BufferedAmountLowThreshold)
		dp.events.wire(dc, dp.dcClosed)
		id, err := hook(ctx, ProduceDataParams{SCTPStreamParameters: sp, Label: opts.Label, Protocol: opts.Protocol, AppData: appData})
		if err == nil && id == "" {
			err = fmt.Errorf("OnProduceData returned an empty ID: %w", ErrInvalidParameters)
		}
		if err != nil {
			dp.events.clear()
			if dp.markClosed() {
				t.releaseStreamID(sid)
			}
			_ = dc.Close()
			return nil, fmt.Errorf("produce data: %w", err)
		}
		t.mu.Lock()
		dp.id = id
		t.dataProducers[id] = dp
		t.mu.Unlock()
		return dp.Close, nil
	})
	if err != nil {
		return nil, err
	}
	t.observer.newDataProducer(dp)
	return dp, nil
}

// takeStreamID returns the next free SCTP stream id after the last one
// taken, wrapping, as mediasoup-client does: a just-closed stream is not
// reused at once (the server may still hold its data producer).
func (t *Transport) takeStreamID() (uint16, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.streamIDs == nil {
		t.streamIDs = map[uint16]bool{}
	}
	limit := t.device.SCTPCapabilities().NumStreams.OS
	for i := 0; i < limit; i++ {
		id := uint16((t.nextStreamID + i) % limit)
		if !t.streamIDs[id] {
			t.streamIDs[id] = true
			t.nextStreamID = (int(id) + 1) % limit
			return id, true
		}
	}
	return 0, false
}

func (t *Transport) releaseStreamID(id uint16) {
	t.mu.Lock()
	delete(t.streamIDs, id)
	t.mu.Unlock()
}

// ID returns the server-side data producer's ID.
func (p *DataProducer) ID() string { return p.id }

// DataChannel returns pion's data channel.
func (p *DataProducer) DataChannel() *webrtc.DataChannel { return p.dc }

// SCTPStreamParameters returns the stream's parameters.
func (p *DataProducer) SCTPStreamParameters() SCTPStreamParameters { return p.sctp }

// ReadyState returns the data channel's state.
func (p *DataProducer) ReadyState() webrtc.DataChannelState { return p.dc.ReadyState() }

// Label returns the data channel's label.
func (p *DataProducer) Label() string { return p.dc.Label() }

// Protocol returns the data channel's sub-protocol.
func (p *DataProducer) Protocol() string { return p.dc.Protocol() }

// BufferedAmount returns the bytes queued to send.
func (p *DataProducer) BufferedAmount() uint64 { return p.dc.BufferedAmount() }

// BufferedAmountLowThreshold returns the low-water mark of OnBufferedAmountLow.
func (p *DataProducer) BufferedAmountLowThreshold() uint64 {
	return p.dc.BufferedAmountLowThreshold()
}

// SetBufferedAmountLowThreshold sets the low-water mark of OnBufferedAmountLow.
func (p *DataProducer) SetBufferedAmountLowThreshold(v uint64) {
	p.dc.SetBufferedAmountLowThreshold(v)
}

// AppData returns the data producer's application data.
func (p *DataProducer) AppData() AppData {
	p.appDataMu.Lock()
	defer p.appDataMu.Unlock()
	return p.appData
}

// SetAppData replaces the application data, as assigning appData does in
// mediasoup-client; nil becomes an empty map.
func (p *DataProducer) SetAppData(d AppData) {
	if d == nil {
		d = AppData{}
	}
	p.appDataMu.Lock()
	p.appData = d
	p.appDataMu.Unlock()
}

// Observer returns the data producer's observer.
func (p *DataProducer) Observer() *DataObserver { return &p.observer }

// Closed reports whether the data producer is closed.
func (p *DataProducer) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// WaitOpen blocks until the data channel is open (at once if it is),
// so that Send and SendText can be called right after ProduceData. It
// fails with ErrInvalidState if the data producer closes first, and with
// ctx's error when ctx ends.
func (p *DataProducer) WaitOpen(ctx context.Context) error {
	return p.events.waitOpen(ctx, "data producer "+p.id, p.dc)
}

// Send sends a binary message. Messages larger than the transport's
// GetDataChannelMaxMessageSize fail with ErrInvalidParameters; sending
// before the channel opens fails with ErrInvalidState (see WaitOpen).
func (p *DataProducer) Send(b []byte) error {
	if err := p.checkSend(len(b)); err != nil {
		return err
	}
	return p.dc.Send(b)
}

// SendText sends a text message, with Send's limits.
func (p *DataProducer) SendText(s string) error {
	if err := p.checkSend(len(s)); err != nil {
		return err
	}
	return p.dc.SendText(s)
}

func (p *DataProducer) checkSend(n int) error {
	if p.Closed() {
		return fmt.Errorf("data producer %s closed: %w", p.id, ErrInvalidState)
	}
	if max := p.transport.GetDataChannelMaxMessageSize(); n > max {
		return fmt.Errorf("data producer %s: message of %d bytes exceeds the %d-byte limit: %w", p.id, n, max, ErrInvalidParameters)
	}
	switch st := p.dc.ReadyState(); st {
	case webrtc.DataChannelStateOpen:
	case webrtc.DataChannelStateConnecting:
		return fmt.Errorf("data producer %s: data channel is still connecting (call WaitOpen first): %w", p.id, ErrInvalidState)
	default:
		return fmt.Errorf("data producer %s: data channel is %s: %w", p.id, st, ErrInvalidState)
	}
	return nil
}

// OnOpen sets the handler called when the data channel opens, replacing
// DataProducerOptions.OnOpen; if it is already open, f runs at once on its
// own goroutine.
func (p *DataProducer) OnOpen(f func()) { p.events.setOpen(f) }

// OnClose sets the handler called when the data channel closes, replacing
// DataProducerOptions.OnClose.
func (p *DataProducer) OnClose(f func()) { p.events.close.set(f) }

// OnError sets the handler of data channel errors, replacing
// DataProducerOptions.OnError.
func (p *DataProducer) OnError(f func(error)) { p.events.setError(f) }

// OnBufferedAmountLow sets the handler called when the buffered amount
// drops below the threshold, replacing
// DataProducerOptions.OnBufferedAmountLow.
func (p *DataProducer) OnBufferedAmountLow(f func()) { p.events.low.set(f) }

// OnTransportClose sets the handler called when the data producer closes
// because its transport closed, replacing
// DataProducerOptions.OnTransportClose.
func (p *DataProducer) OnTransportClose(f func()) { p.events.transportClose.set(f) }

// Close closes the data channel. Idempotent.
func (p *DataProducer) Close() {
	if !p.markClosed() {
		return
	}
	t := p.transport
	t.mu.Lock()
	if t.dataProducers[p.id] == p {
		delete(t.dataProducers, p.id)
	}
	t.mu.Unlock()
	_ = p.dc.Close()
	t.releaseStreamID(p.sctp.StreamID)
	p.observer.close()
}

func (p *DataProducer) markClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.closed = true
	p.events.finish()
	return true
}

// dcClosed runs when pion reports the channel closed (by either side).
func (p *DataProducer) dcClosed() {
	if p.markClosed() {
		t := p.transport
		t.mu.Lock()
		if t.dataProducers[p.id] == p {
			delete(t.dataProducers, p.id)
		}
		t.mu.Unlock()
		t.releaseStreamID(p.sctp.StreamID)
		p.observer.close()
	}
}

func (p *DataProducer) transportClosed() {
	if !p.markClosed() {
		return
	}
	p.events.transportClose.fire()
	p.observer.close()
}

// dataHandlers are the user's handlers given in the options.
type dataHandlers struct {
	open, close, low, transportClose func()
	err                              func(error)
	message                          func(webrtc.DataChannelMessage)
}

// dataEvents forwards a data channel's events to the user's handlers and
// tracks whether it opened and whether its owner closed.
type dataEvents struct {
	close, low, transportClose callback

	mu        sync.Mutex
	onOpen    func()
	onError   func(error)
	onMessage func(webrtc.DataChannelMessage)
	isOpen    bool
	openedAt  time.Time
	opened    chan struct{} // closed when the data channel opens
	done      chan struct{} // closed when the owner closes
}

// init installs the options' handlers; it runs before the data channel
// exists.
func (e *dataEvents) init(h dataHandlers) {
	e.opened = make(chan struct{})
	e.done = make(chan struct{})
	e.onOpen, e.onError, e.onMessage = h.open, h.err, h.message
	e.close.set(h.close)
	e.low.set(h.low)
	e.transportClose.set(h.transportClose)
}

// clear drops every handler (the owner failed to be created).
func (e *dataEvents) clear() {
	e.setOpen(nil)
	e.setError(nil)
	e.setMessage(nil)
	e.close.set(nil)
	e.low.set(nil)
	e.transportClose.set(nil)
}

// finish marks the owner closed, waking WaitOpen. Call it once.
func (e *dataEvents) finish() { close(e.done) }

// setOpen replaces the open handler; if the channel is already open, f is
// called at once on its own goroutine, as pion does.
func (e *dataEvents) setOpen(f func()) {
	e.mu.Lock()
	e.onOpen = f
	open := e.isOpen
	e.mu.Unlock()
	if open && f != nil {
		go f()
	}
}

func (e *dataEvents) fireOpen() {
	e.mu.Lock()
	if e.isOpen {
		e.mu.Unlock()
		return
	}
	e.isOpen = true
	e.openedAt = time.Now()
	f := e.onOpen
	close(e.opened)
	e.mu.Unlock()
	if f != nil {
		f()
	}
}

func (e *dataEvents) setError(f func(error)) { e.mu.Lock(); e.onError = f; e.mu.Unlock() }

func (e *dataEvents) setMessage(f func(webrtc.DataChannelMessage)) {
	e.mu.Lock()
	e.onMessage = f
	e.mu.Unlock()
}

// waitOpen blocks until the channel opens, the owner closes or ctx ends.
func (e *dataEvents) waitOpen(ctx context.Context, what string, dc *webrtc.DataChannel) error {
	select {
	case <-e.done:
		return fmt.Errorf("%s closed: %w", what, ErrInvalidState)
	default:
	}
	if dc.ReadyState() == webrtc.DataChannelStateOpen {
		return nil
	}
	select {
	case <-e.opened:
		return nil
	case <-e.done:
		return fmt.Errorf("%s closed before its data channel opened: %w", what, ErrInvalidState)
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for the data channel to open (%s): %w", what, dc.ReadyState(), ctx.Err())
	}
}

func (e *dataEvents) wire(dc *webrtc.DataChannel, closed func()) {
	dc.OnOpen(e.fireOpen)
	dc.OnClose(func() {
		closed()
		e.close.fire()
	})
	dc.OnBufferedAmountLow(e.low.fire)
	dc.OnError(func(err error) {
		e.mu.Lock()
		f := e.onError
		e.mu.Unlock()
		if f != nil {
			f(err)
		}
	})
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		e.mu.Lock()
		f := e.onMessage
		e.mu.Unlock()
		if f != nil {
			f(m)
		}
	})
}
