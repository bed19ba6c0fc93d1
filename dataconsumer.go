package mediasoupclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
)

// DataConsumerOptions are the server data consumer's parameters, as
// mediasoup's transport.consumeData() returns them.
type DataConsumerOptions struct {
	// ID of the server-side data consumer.
	ID string
	// DataProducerID of the data producer it consumes.
	DataProducerID string
	// SCTPStreamParameters given by the server.
	SCTPStreamParameters SCTPStreamParameters
	// Label of the data channel.
	Label string
	// Protocol of the data channel.
	Protocol string
	// AppData is application data.
	AppData AppData
}

// DataConsumer receives messages on an SCTP stream, like mediasoup-client's
// DataConsumer.
type DataConsumer struct {
	id             string
	dataProducerID string
	dc             *webrtc.DataChannel
	sctp           SCTPStreamParameters
	appData        AppData
	appDataMu      sync.Mutex
	transport      *Transport

	mu     sync.Mutex
	closed bool

	events   dataEvents
	observer DataObserver
}

// ConsumeData opens the negotiated data channel the server consumer sends
// on. Set OnMessage right away: messages that arrive before it are dropped.
func (t *Transport) ConsumeData(ctx context.Context, opts DataConsumerOptions) (*DataConsumer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := t.checkUsable(handler.DirectionRecv); err != nil {
		return nil, err
	}
	if !t.h.HasSCTP() {
		return nil, fmt.Errorf("consume data: transport has no SCTP parameters: %w", ErrUnsupported)
	}
	if opts.ID == "" || opts.DataProducerID == "" {
		return nil, fmt.Errorf("consume data: ID and DataProducerID are required: %w", ErrInvalidParameters)
	}
	sp := opts.SCTPStreamParameters
	if err := ValidateSCTPStreamParameters(&sp); err != nil {
		return nil, fmt.Errorf("consume data %s: %w", opts.ID, err)
	}
	appData := opts.AppData
	if appData == nil {
		appData = AppData{}
	}
	var dcons *DataConsumer
	err := t.enqueue(ctx, func(ctx context.Context) (func(), error) {
		if err := t.ensureConnected(ctx); err != nil {
			return nil, fmt.Errorf("consume data %s: %w", opts.ID, err)
		}
		t.mu.Lock()
		if t.streamIDs == nil {
			t.streamIDs = map[uint16]bool{}
		}
		busy := t.streamIDs[sp.StreamID]
		t.streamIDs[sp.StreamID] = true
		t.mu.Unlock()
		if busy {
			return nil, fmt.Errorf("consume data %s: SCTP stream %d in use: %w", opts.ID, sp.StreamID, ErrInvalidParameters)
		}
		dcons = &DataConsumer{id: opts.ID, dataProducerID: opts.DataProducerID, sctp: sp, appData: appData, transport: t}
		ordered := sp.Ordered == nil || *sp.Ordered
		dc, err := t.h.OpenDataChannel(ctx, handler.DataChannelOptions{
			StreamID: sp.StreamID, Label: opts.Label, Protocol: opts.Protocol, Ordered: ordered,
			MaxPacketLifeTime: sp.MaxPacketLifeTime, MaxRetransmits: sp.MaxRetransmits,
		})
		if err != nil {
			t.releaseStreamID(sp.StreamID)
			return nil, fmt.Errorf("consume data %s: %w", opts.ID, err)
		}
		dcons.dc = dc
		dcons.events.wire(dc, dcons.dcClosed)
		t.mu.Lock()
		t.dataConsumers[opts.ID] = dcons
		t.mu.Unlock()
		return dcons.Close, nil
	})
	if err != nil {
		return nil, err
	}
	t.observer.newDataConsumer(dcons)
	return dcons, nil
}

// ID returns the server-side data consumer's ID.
func (c *DataConsumer) ID() string { return c.id }

// DataProducerID returns the consumed data producer's ID.
func (c *DataConsumer) DataProducerID() string { return c.dataProducerID }

// DataChannel returns pion's data channel.
func (c *DataConsumer) DataChannel() *webrtc.DataChannel { return c.dc }

// SCTPStreamParameters returns the stream's parameters.
func (c *DataConsumer) SCTPStreamParameters() SCTPStreamParameters { return c.sctp }

// ReadyState returns the data channel's state.
func (c *DataConsumer) ReadyState() webrtc.DataChannelState { return c.dc.ReadyState() }

// Label returns the data channel's label.
func (c *DataConsumer) Label() string { return c.dc.Label() }

// Protocol returns the data channel's sub-protocol.
func (c *DataConsumer) Protocol() string { return c.dc.Protocol() }

// AppData returns the data consumer's application data.
func (c *DataConsumer) AppData() AppData {
	c.appDataMu.Lock()
	defer c.appDataMu.Unlock()
	return c.appData
}

// SetAppData replaces the application data, as assigning appData does in
// mediasoup-client; nil becomes an empty map.
func (c *DataConsumer) SetAppData(d AppData) {
	if d == nil {
		d = AppData{}
	}
	c.appDataMu.Lock()
	c.appData = d
	c.appDataMu.Unlock()
}

// Observer returns the data consumer's observer.
func (c *DataConsumer) Observer() *DataObserver { return &c.observer }

// Closed reports whether the data consumer is closed.
func (c *DataConsumer) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// OnMessage sets the handler of received messages. It runs on pion's
// goroutine, in order.
func (c *DataConsumer) OnMessage(f func(webrtc.DataChannelMessage)) { c.events.setMessage(f) }

// OnOpen sets the handler called when the data channel opens. The channel
// may be open by the time ConsumeData returns: set on an open channel, the
// handler is called at once on its own goroutine, as pion does. Either way
// it is called once.
func (c *DataConsumer) OnOpen(f func()) { c.events.setOpen(f) }

// OnClose sets the handler called when the data channel closes.
func (c *DataConsumer) OnClose(f func()) { c.events.close.set(f) }

// OnError sets the handler of data channel errors.
func (c *DataConsumer) OnError(f func(error)) { c.events.setError(f) }

// OnTransportClose sets the handler called when the data consumer closes
// because its transport closed.
func (c *DataConsumer) OnTransportClose(f func()) { c.events.transportClose.set(f) }

// Close closes the data channel. Idempotent.
func (c *DataConsumer) Close() {
	if !c.markClosed() {
		return
	}
	c.forget()
	_ = c.dc.Close()
	c.observer.close()
}

func (c *DataConsumer) forget() {
	t := c.transport
	t.mu.Lock()
	if t.dataConsumers[c.id] == c {
		delete(t.dataConsumers, c.id)
	}
	t.mu.Unlock()
	t.releaseStreamID(c.sctp.StreamID)
}

func (c *DataConsumer) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	return true
}

func (c *DataConsumer) dcClosed() {
	if c.markClosed() {
		c.forget()
		c.observer.close()
	}
}

func (c *DataConsumer) transportClosed() {
	if !c.markClosed() {
		return
	}
	c.events.transportClose.fire()
	c.observer.close()
}
