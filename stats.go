package mediasoupclient

import (
	"context"
	"fmt"

	"github.com/pion/webrtc/v3"
)

// GetStats returns pion's stats report of the transport's peer connection.
func (t *Transport) GetStats(ctx context.Context) (webrtc.StatsReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.Closed() {
		return nil, fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	return t.h.PeerConnection().GetStats(), nil
}

func (t *Transport) receiverStats(r *webrtc.RTPReceiver) webrtc.StatsReport {
	return t.h.PeerConnection().GetStats()
}

func (t *Transport) senderStats(s *webrtc.RTPSender) webrtc.StatsReport {
	return t.h.PeerConnection().GetStats()
}
