package mediasoupclient

import (
	"context"
	"fmt"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/ortc"
)

// RestartICE restarts ICE with the server's new ICE parameters (from the
// server transport's restartIce()), renegotiating in the transport's queue.
func (t *Transport) RestartICE(ctx context.Context, ice ICEParameters) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.Closed() {
		return fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	in := ice.internal()
	if err := ortc.ValidateICEParameters(&in); err != nil {
		return err
	}
	return t.enqueue(ctx, func(ctx context.Context) (func(), error) {
		if err := t.h.RestartICE(ctx, in); err != nil {
			return nil, fmt.Errorf("restart ICE: %w", err)
		}
		return nil, nil
	})
}

// UpdateICEServers replaces the STUN/TURN servers of the transport.
func (t *Transport) UpdateICEServers(ctx context.Context, servers []webrtc.ICEServer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.Closed() {
		return fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	return t.enqueue(ctx, func(context.Context) (func(), error) {
		if err := t.h.UpdateICEServers(servers); err != nil {
			return nil, fmt.Errorf("update ICE servers: %w: %w", ErrInvalidParameters, err)
		}
		return nil, nil
	})
}
