package ortcrecv

import (
	"context"
	"fmt"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// OpenDataChannel opens a negotiated data channel on the server-given SCTP
// stream. pion's ORTC data channels need the SCTP association up, so it
// waits for that, for as long as ctx allows.
func (t *Transport) OpenDataChannel(ctx context.Context, o handler.DataChannelOptions) (*webrtc.DataChannel, error) {
	if t.sctp == nil {
		return nil, fmt.Errorf("transport has no SCTP parameters: %w", params.ErrInvalidState)
	}
	select {
	case <-t.sctpReady:
	case <-t.closedCh:
		return nil, fmt.Errorf("transport closed: %w", params.ErrInvalidState)
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for SCTP: %w", ctx.Err())
	}
	t.mu.Lock()
	err, closed := t.sctpErr, t.closed
	t.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("transport closed: %w", params.ErrInvalidState)
	}
	if err != nil {
		return nil, err
	}
	id := o.StreamID
	dc, err := t.api.NewDataChannel(t.sctp, &webrtc.DataChannelParameters{
		Label: o.Label, Protocol: o.Protocol, ID: &id, Ordered: o.Ordered,
		MaxPacketLifeTime: o.MaxPacketLifeTime, MaxRetransmits: o.MaxRetransmits, Negotiated: true,
	})
	if err != nil {
		return nil, fmt.Errorf("data channel: %w", err)
	}
	return dc, nil
}
