package ortcrecv

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Handler is a Transport behind the SDK's handler.Transport boundary: it
// keeps consumers by local id and receives only (sending is
// ErrUnsupported: send transports stay on the PeerConnection handler).
type Handler struct {
	*Transport

	mu   sync.Mutex
	byID map[string]*Receiver
	next int
}

var _ handler.Transport = (*Handler)(nil)

// NewHandler creates a receive transport for the handler boundary.
func NewHandler(o Options) (*Handler, error) {
	t, err := New(o)
	if err != nil {
		return nil, err
	}
	return &Handler{Transport: t, byID: map[string]*Receiver{}}, nil
}

// Connected starts connecting: the server knows the DTLS parameters now.
func (h *Handler) Connected(ctx context.Context) error { return h.Start(ctx) }

// Receive adds one receiver per consumer; none of them waits for the
// connection. When one fails, those added by the same call are stopped.
func (h *Handler) Receive(_ context.Context, opts []handler.ReceiveOptions) ([]handler.ReceiveResult, error) {
	out := make([]handler.ReceiveResult, 0, len(opts))
	for _, o := range opts {
		r, err := h.Transport.Receive(o.Kind, o.RTPParameters)
		if err != nil {
			for _, done := range out {
				h.stop(done.LocalID)
			}
			return nil, err
		}
		if o.OnReceiver != nil {
			o.OnReceiver(r.RTPReceiver())
		}
		h.mu.Lock()
		id := "r" + strconv.Itoa(h.next)
		h.next++
		h.byID[id] = r
		h.mu.Unlock()
		out = append(out, handler.ReceiveResult{LocalID: id, Receiver: r.RTPReceiver(), Track: r})
	}
	return out, nil
}

// StopReceiving stops the receivers of the local ids.
func (h *Handler) StopReceiving(_ context.Context, ids []string) error {
	for _, id := range ids {
		h.stop(id)
	}
	return nil
}

func (h *Handler) stop(id string) {
	h.mu.Lock()
	r := h.byID[id]
	delete(h.byID, id)
	h.mu.Unlock()
	if r != nil {
		_ = h.Transport.StopReceiving(r)
	}
}

// Send is not supported: this handler receives only.
func (h *Handler) Send(context.Context, handler.SendOptions) (handler.SendResult, error) {
	return handler.SendResult{}, fmt.Errorf("send on a receive transport: %w", params.ErrUnsupported)
}

// StopSending is not supported: this handler receives only.
func (h *Handler) StopSending(context.Context, string) error {
	return fmt.Errorf("send on a receive transport: %w", params.ErrUnsupported)
}

// ReplaceTrack is not supported: this handler receives only.
func (h *Handler) ReplaceTrack(string, webrtc.TrackLocal) error {
	return fmt.Errorf("send on a receive transport: %w", params.ErrUnsupported)
}

// HasSCTP reports whether the transport has SCTP parameters.
func (h *Handler) HasSCTP() bool { return h.sctp != nil }

// UpdateICEServers is not supported: pion's ORTC gatherer takes its ICE
// servers when it is created.
func (h *Handler) UpdateICEServers([]webrtc.ICEServer) error {
	return fmt.Errorf("ICE servers of an ORTC receive transport are fixed when it is created: %w", params.ErrUnsupported)
}

// ICEGatheringState returns the gatherer's state.
func (h *Handler) ICEGatheringState() webrtc.ICEGatheringState {
	return handler.GatheringState(h.gatherer.State())
}

// OnICEGatheringStateChange sets the gathering state handler.
func (h *Handler) OnICEGatheringStateChange(f func(webrtc.ICEGatheringState)) {
	h.gatherer.OnStateChange(func(s webrtc.ICEGathererState) { f(handler.GatheringState(s)) })
}

// Report returns the transport's entry: DTLS state and ICE role.
func (h *Handler) Report() webrtc.StatsReport {
	ts := webrtc.StatsTimestamp(float64(time.Now().UnixNano()) / float64(time.Millisecond))
	return webrtc.StatsReport{"iceTransport": webrtc.TransportStats{
		Timestamp: ts, Type: webrtc.StatsTypeTransport, ID: "iceTransport",
		ICERole: h.ice.Role(), DTLSState: h.dtls.State(),
	}}
}

// Renegotiations is 0: nothing is negotiated.
func (h *Handler) Renegotiations() int64 { return 0 }

// PeerConnection is nil: there is none.
func (h *Handler) PeerConnection() *webrtc.PeerConnection { return nil }
