package mediasoupclient

import (
	"context"
	"fmt"
	"sync"

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
// its SCTP stream parameters for the server.
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
		dc, err := t.h.OpenDataChannel(ctx, handler.DataChannelOptions{
			StreamID: sid, Label: opts.Label, Protocol: opts.Protocol, Ordered: *sp.Ordered,
			MaxPacketLifeTime: sp.MaxPacketLifeTime, MaxRetransmits: sp.MaxRetransmits,
		})
		if err != nil {
			t.releaseStreamID(sid)
			return nil, fmt.Errorf("produce data: %w", err)
		}
		id, err := hook(ctx, ProduceDataParams{SCTPStreamParameters: sp, Label: opts.Label, Protocol: opts.Protocol, AppData: appData})
		if err == nil && id == "" {
			err = fmt.Errorf("OnProduceData returned an empty ID: %w", ErrInvalidParameters)
		}
		if err != nil {
			_ = dc.Close()
			t.releaseStreamID(sid)
			return nil, fmt.Errorf("produce data: %w", err)
		}
		dp = &DataProducer{id: id, dc: dc, sctp: sp, appData: appData, transport: t}
		dp.events.wire(dc, dp.dcClosed)
		t.mu.Lock()
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

// Send sends a binary message. Messages larger than the transport's
// GetDataChannelMaxMessageSize fail with ErrInvalidParameters.
func (p *DataProducer) Send(b []byte) error {
	if err := p.checkSend(len(b)); err != nil {
		return err
	}
	return p.dc.Send(b)
}

// SendText sends a text message.
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
	if st := p.dc.ReadyState(); st != webrtc.DataChannelStateOpen {
		return fmt.Errorf("data producer %s: data channel is %s: %w", p.id, st, ErrInvalidState)
	}
	return nil
}

// OnOpen sets the handler called when the data channel opens. A channel
// on a connected transport may be open by the time ProduceData returns:
// set on an open channel, the handler is called at once on its own
// goroutine, as pion does. Either way it is called once.
func (p *DataProducer) OnOpen(f func()) { p.events.setOpen(f) }

// OnClose sets the handler called when the data channel closes.
func (p *DataProducer) OnClose(f func()) { p.events.close.set(f) }

// OnError sets the handler of data channel errors.
func (p *DataProducer) OnError(f func(error)) { p.events.setError(f) }

// OnBufferedAmountLow sets the handler called when the buffered amount
// drops below the threshold.
func (p *DataProducer) OnBufferedAmountLow(f func()) { p.events.low.set(f) }

// OnTransportClose sets the handler called when the data producer closes
// because its transport closed.
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

// dataEvents forwards a data channel's events to the user's handlers.
type dataEvents struct {
	close, low, transportClose callback
	mu                         sync.Mutex
	onError                    func(error)
	onMessage                  func(webrtc.DataChannelMessage)
	// opened: the channel's open event happened; onOpen is its handler.
	opened bool
	onOpen func()
}

// setOpen sets the open handler; set after the open event, it is called
// at once (each handler hears the open exactly once).
func (e *dataEvents) setOpen(f func()) {
	e.mu.Lock()
	e.onOpen = f
	late := e.opened
	e.mu.Unlock()
	if late && f != nil {
		go f()
	}
}

func (e *dataEvents) fireOpen() {
	e.mu.Lock()
	e.opened = true
	f := e.onOpen
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
