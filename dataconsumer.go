package mediasoupclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
)

// DataConsumerOptions are the server data consumer's parameters, as
// mediasoup's transport.consumeData() returns them: the JSON of a data
// consumer's id, dataProducerId, sctpStreamParameters, label and protocol
// decodes straight into it.
type DataConsumerOptions struct {
	// ID of the server-side data consumer.
	ID string `json:"id"`
	// DataProducerID of the data producer it consumes.
	DataProducerID string `json:"dataProducerId"`
	// SCTPStreamParameters given by the server.
	SCTPStreamParameters SCTPStreamParameters `json:"sctpStreamParameters"`
	// Label of the data channel.
	Label string `json:"label,omitempty"`
	// Protocol of the data channel.
	Protocol string `json:"protocol,omitempty"`
	// AppData is application data.
	AppData AppData `json:"appData,omitempty"`

	// OnMessage receives every message from the first one on: it is
	// installed before the data channel can deliver anything. It runs on
	// pion's goroutine, in order. The setter of the same name replaces it,
	// as the other setters replace the handlers below.
	OnMessage func(webrtc.DataChannelMessage) `json:"-"`
	// OnOpen is called when the data channel opens.
	OnOpen func() `json:"-"`
	// OnClose is called when the data channel closes.
	OnClose func() `json:"-"`
	// OnError receives data channel errors.
	OnError func(error) `json:"-"`
	// OnTransportClose is called when the data consumer closes because
	// its transport closed.
	OnTransportClose func() `json:"-"`
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
// on and returns once it is open (the first data channel of a transport
// waits for the connection and the SCTP association); if ctx ends first,
// the local data consumer is closed. Give the handlers in opts (DataConsumerOptions.OnMessage) to receive
// every message: a handler set with OnMessage after ConsumeData returns
// misses the messages that arrived in between.
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
	var openedAtOnce bool // the association was already up
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
		dcons.events.init(dataHandlers{
			open: opts.OnOpen, close: opts.OnClose, err: opts.OnError,
			message: opts.OnMessage, transportClose: opts.OnTransportClose,
		})
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
		openedAtOnce = dc.ReadyState() == webrtc.DataChannelStateOpen
		dcons.events.wire(dc, dcons.dcClosed)
		t.mu.Lock()
		t.dataConsumers[opts.ID] = dcons
		t.mu.Unlock()
		return dcons.Close, nil
	})
	if err != nil {
		return nil, err
	}
	// The server drops what it sends before its side of the SCTP
	// association is up: return once the channel is open, so that every
	// message sent from now on arrives.
	if err := dcons.waitServerReady(ctx, openedAtOnce); err != nil {
		dcons.Close()
		return nil, fmt.Errorf("consume data %s: %w", opts.ID, err)
	}
	t.observer.newDataConsumer(dcons)
	return dcons, nil
}

// sctpSettle is how long after a transport's SCTP association comes up
// ConsumeData waits before returning. When both ends start the association
// at once (mediasoup always does), pion establishes it on the server's
// COOKIE ECHO, one packet (its COOKIE ACK) before the server does, and the
// server drops the messages it sends in between.
const sctpSettle = 100 * time.Millisecond

// waitServerReady waits until the channel is open and, if the association
// came up after the channel was created, until it has been up for
// sctpSettle.
func (c *DataConsumer) waitServerReady(ctx context.Context, openedAtOnce bool) error {
	if err := c.WaitOpen(ctx); err != nil {
		return err
	}
	if openedAtOnce {
		return nil
	}
	c.events.mu.Lock()
	at := c.events.openedAt
	c.events.mu.Unlock()
	if at.IsZero() { // open seen through ReadyState before the event
		at = time.Now()
	}
	timer := time.NewTimer(time.Until(at.Add(sctpSettle)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-c.events.done:
		return fmt.Errorf("data consumer %s closed: %w", c.id, ErrInvalidState)
	case <-ctx.Done():
		return ctx.Err()
	}
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

// WaitOpen blocks until the data channel is open (at once if it is). It
// fails with ErrInvalidState if the data consumer closes first, and with
// ctx's error when ctx ends.
func (c *DataConsumer) WaitOpen(ctx context.Context) error {
	return c.events.waitOpen(ctx, "data consumer "+c.id, c.dc)
}

// OnMessage sets the handler of received messages, replacing
// DataConsumerOptions.OnMessage. It runs on pion's goroutine, in order;
// messages received before it is set went to the previous handler (or
// were dropped if there was none).
func (c *DataConsumer) OnMessage(f func(webrtc.DataChannelMessage)) { c.events.setMessage(f) }

// OnOpen sets the handler called when the data channel opens, replacing
// DataConsumerOptions.OnOpen; if it is already open, f runs at once on its
// own goroutine.
func (c *DataConsumer) OnOpen(f func()) { c.events.setOpen(f) }

// OnClose sets the handler called when the data channel closes, replacing
// DataConsumerOptions.OnClose.
func (c *DataConsumer) OnClose(f func()) { c.events.close.set(f) }

// OnError sets the handler of data channel errors, replacing
// DataConsumerOptions.OnError.
func (c *DataConsumer) OnError(f func(error)) { c.events.setError(f) }

// OnTransportClose sets the handler called when the data consumer closes
// because its transport closed, replacing
// DataConsumerOptions.OnTransportClose.
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
	c.events.finish()
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
