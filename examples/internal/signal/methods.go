package signal

import (
	"context"
	"fmt"

	msc "github.com/soupkit/mediasoup-client-go"
)

// Notification methods the server sends.
const (
	// NotifyNewProducer: another peer of the room produced (ProducerInfo).
	NotifyNewProducer = "newProducer"
	// NotifyConsumerClosed: a consumer's producer or transport closed
	// (ConsumerClosed).
	NotifyConsumerClosed = "consumerClosed"
	// NotifyConsumerPaused: a consumer's producer paused (ConsumerEvent).
	NotifyConsumerPaused = "consumerPaused"
	// NotifyConsumerResumed: a consumer's producer resumed (ConsumerEvent).
	NotifyConsumerResumed = "consumerResumed"
)

// ProducerInfo describes a producer of the room: an entry of
// JoinResult.Producers, or the data of newProducer.
type ProducerInfo struct {
	ProducerID string        `json:"producerId"`
	Kind       msc.MediaKind `json:"kind"`
	PeerID     string        `json:"peerId"`
	Paused     bool          `json:"paused"`
	AppData    msc.AppData   `json:"appData"`
}

// ConsumerClosed is the data of consumerClosed. Reason is "producerclose"
// or "transportclose".
type ConsumerClosed struct {
	ConsumerID string `json:"consumerId"`
	ProducerID string `json:"producerId"`
	Reason     string `json:"reason"`
}

// ConsumerEvent is the data of consumerPaused and consumerResumed.
type ConsumerEvent struct {
	ConsumerID string `json:"consumerId"`
	ProducerID string `json:"producerId"`
}

// JoinResult is the answer to join.
type JoinResult struct {
	// PeerID is the ID the server gave this peer.
	PeerID string `json:"peerId"`
	// Room is the joined room's name.
	Room string `json:"room"`
	// RouterRTPCapabilities is what Device.Load wants.
	RouterRTPCapabilities msc.RTPCapabilities `json:"routerRtpCapabilities"`
	// Producers already in the room.
	Producers []ProducerInfo `json:"producers"`
}

// TransportInfo is the server side of a WebRtcTransport: what
// Device.CreateSendTransport and CreateRecvTransport want.
type TransportInfo struct {
	ID             string              `json:"id"`
	ICEParameters  msc.ICEParameters   `json:"iceParameters"`
	ICECandidates  []msc.ICECandidate  `json:"iceCandidates"`
	DTLSParameters msc.DTLSParameters  `json:"dtlsParameters"`
	SCTPParameters *msc.SCTPParameters `json:"sctpParameters"`
}

// Options returns the transport options for the Device.
func (i *TransportInfo) Options() msc.TransportOptions {
	return msc.TransportOptions{
		ID:             i.ID,
		ICEParameters:  i.ICEParameters,
		ICECandidates:  i.ICECandidates,
		DTLSParameters: i.DTLSParameters,
		SCTPParameters: i.SCTPParameters,
	}
}

// ConsumeResult describes a new server-side consumer.
type ConsumeResult struct {
	ID             string            `json:"id"`
	ProducerID     string            `json:"producerId"`
	Kind           msc.MediaKind     `json:"kind"`
	RTPParameters  msc.RTPParameters `json:"rtpParameters"`
	Type           string            `json:"type"`
	ProducerPaused bool              `json:"producerPaused"`
	Paused         bool              `json:"paused"`
}

// Options returns the consumer options for Transport.Consume.
func (r *ConsumeResult) Options() msc.ConsumerOptions {
	return msc.ConsumerOptions{ID: r.ID, ProducerID: r.ProducerID, Kind: r.Kind, RTPParameters: r.RTPParameters}
}

// Join joins room ("" means "default").
func (c *Client) Join(ctx context.Context, room string) (*JoinResult, error) {
	var r JoinResult
	if err := c.Call(ctx, "join", map[string]any{"room": room}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateWebRTCTransport creates a WebRtcTransport; direction is "send" or
// "recv".
func (c *Client) CreateWebRTCTransport(ctx context.Context, direction string) (*TransportInfo, error) {
	var r TransportInfo
	if err := c.Call(ctx, "createWebRtcTransport", map[string]any{"direction": direction}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ConnectWebRTCTransport gives the server the client's DTLS parameters.
func (c *Client) ConnectWebRTCTransport(ctx context.Context, transportID string, dtls msc.DTLSParameters) error {
	return c.Call(ctx, "connectWebRtcTransport", map[string]any{"transportId": transportID, "dtlsParameters": dtls}, nil)
}

// Produce creates a server-side producer and returns its ID.
func (c *Client) Produce(ctx context.Context, transportID string, p msc.ProduceParams) (string, error) {
	var r struct {
		ID string `json:"id"`
	}
	d := map[string]any{"transportId": transportID, "kind": p.Kind, "rtpParameters": p.RTPParameters}
	if len(p.AppData) > 0 {
		d["appData"] = p.AppData
	}
	if err := c.Call(ctx, "produce", d, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", fmt.Errorf("signal: produce: response has no id")
	}
	return r.ID, nil
}

// CloseProducer closes a server-side producer; its consumers get
// consumerClosed.
func (c *Client) CloseProducer(ctx context.Context, producerID string) error {
	return c.Call(ctx, "closeProducer", map[string]any{"producerId": producerID}, nil)
}

// Consume creates a server-side consumer of producerID on transportID. The
// server creates it paused: call ResumeConsumer once the local Consumer
// exists.
func (c *Client) Consume(ctx context.Context, transportID, producerID string, caps msc.RTPCapabilities) (*ConsumeResult, error) {
	var r ConsumeResult
	d := map[string]any{"transportId": transportID, "producerId": producerID, "rtpCapabilities": caps}
	if err := c.Call(ctx, "consume", d, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ResumeConsumer resumes a server-side consumer.
func (c *Client) ResumeConsumer(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "resumeConsumer", map[string]any{"consumerId": consumerID}, nil)
}

// RequestConsumerKeyFrame asks the consumer's producer for a key frame.
func (c *Client) RequestConsumerKeyFrame(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "requestConsumerKeyFrame", map[string]any{"consumerId": consumerID}, nil)
}

// CloseConsumer closes a server-side consumer.
func (c *Client) CloseConsumer(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "closeConsumer", map[string]any{"consumerId": consumerID}, nil)
}
