package testbed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	msc "github.com/soupkit/mediasoup-client-go"
)

// Notification methods the server sends.
const (
	// NotifyNewProducer goes to every other peer of the room (ProducerInfo).
	NotifyNewProducer = "newProducer"
	// NotifyNewDataProducer goes to every other peer (DataProducerInfo).
	NotifyNewDataProducer = "newDataProducer"
	// NotifyConsumerClosed: the producer or the transport closed
	// (ConsumerClosed).
	NotifyConsumerClosed = "consumerClosed"
	// NotifyConsumerPaused: the producer paused (ConsumerEvent).
	NotifyConsumerPaused = "consumerPaused"
	// NotifyConsumerResumed: the producer resumed (ConsumerEvent).
	NotifyConsumerResumed = "consumerResumed"
	// NotifyConsumerLayersChanged: the consumer's current layers changed
	// (ConsumerLayersChanged).
	NotifyConsumerLayersChanged = "consumerLayersChanged"
	// NotifyDataConsumerClosed: the data producer or the transport closed
	// (DataConsumerClosed).
	NotifyDataConsumerClosed = "dataConsumerClosed"
)

// Transport directions of CreateWebRTCTransport.
const (
	// DirectionSend is a transport the client produces on.
	DirectionSend = "send"
	// DirectionRecv is a transport the client consumes on.
	DirectionRecv = "recv"
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

// DataProducerInfo describes a data producer of the room: an entry of
// JoinResult.DataProducers, or the data of newDataProducer. PeerID is empty
// for a data producer on the room's DirectTransport.
type DataProducerInfo struct {
	DataProducerID string      `json:"dataProducerId"`
	Label          string      `json:"label"`
	Protocol       string      `json:"protocol"`
	PeerID         string      `json:"peerId"`
	AppData        msc.AppData `json:"appData"`
}

// ConsumerClosed is the data of consumerClosed. Reason is "producerclose" or
// "transportclose".
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

// ConsumerLayersChanged is the data of consumerLayersChanged; nil layers
// mean the consumer currently forwards nothing.
type ConsumerLayersChanged struct {
	ConsumerID    string `json:"consumerId"`
	SpatialLayer  *int   `json:"spatialLayer"`
	TemporalLayer *int   `json:"temporalLayer"`
}

// DataConsumerClosed is the data of dataConsumerClosed. Reason is
// "dataproducerclose" or "transportclose".
type DataConsumerClosed struct {
	DataConsumerID string `json:"dataConsumerId"`
	DataProducerID string `json:"dataProducerId"`
	Reason         string `json:"reason"`
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
	// DataProducers already in the room.
	DataProducers []DataProducerInfo `json:"dataProducers"`
}

// WebRTCTransportOptions are the arguments of createWebRtcTransport.
type WebRTCTransportOptions struct {
	// Direction is DirectionSend or DirectionRecv.
	Direction string
	// SCTP enables SCTP (data channels) on the transport, as mediasoup's
	// enableSctp. A transport for data needs it.
	SCTP bool
	// NumSCTPStreams are the SCTP streams the server offers (default
	// {OS: 1024, MIS: 1024}).
	NumSCTPStreams *msc.NumSCTPStreams
	// SCTPCapabilities, when set (Device.SCTPCapabilities()), enables SCTP
	// with its stream counts, as mediasoup-client applications send them.
	SCTPCapabilities *msc.SCTPCapabilities
}

// MarshalJSON encodes the options as the server reads them.
func (o WebRTCTransportOptions) MarshalJSON() ([]byte, error) {
	w := struct {
		Direction      string              `json:"direction"`
		SCTP           bool                `json:"sctp"`
		NumSCTPStreams *msc.NumSCTPStreams `json:"numSctpStreams,omitempty"`
	}{o.Direction, o.SCTP, o.NumSCTPStreams}
	if o.SCTPCapabilities != nil {
		w.SCTP = true
		if w.NumSCTPStreams == nil {
			n := o.SCTPCapabilities.NumStreams
			w.NumSCTPStreams = &n
		}
	}
	return json.Marshal(w)
}

// WebRTCTransportInfo is the server side of a WebRtcTransport.
type WebRTCTransportInfo struct {
	ID             string              `json:"id"`
	ICEParameters  msc.ICEParameters   `json:"iceParameters"`
	ICECandidates  []msc.ICECandidate  `json:"iceCandidates"`
	DTLSParameters msc.DTLSParameters  `json:"dtlsParameters"`
	SCTPParameters *msc.SCTPParameters `json:"sctpParameters"`
}

// Options returns what Device.CreateSendTransport and CreateRecvTransport
// want.
func (i *WebRTCTransportInfo) Options() msc.TransportOptions {
	return msc.TransportOptions{
		ID:             i.ID,
		ICEParameters:  i.ICEParameters,
		ICECandidates:  i.ICECandidates,
		DTLSParameters: i.DTLSParameters,
		SCTPParameters: i.SCTPParameters,
	}
}

// PlainTransportOptions are the arguments of createPlainTransport.
type PlainTransportOptions struct {
	// Comedia makes the server learn the remote address from the first
	// packet it receives.
	Comedia bool `json:"comedia"`
	// RTCPMux defaults to true.
	RTCPMux *bool `json:"rtcpMux,omitempty"`
	// SCTP enables SCTP over the plain transport.
	SCTP bool `json:"sctp,omitempty"`
}

// PlainTransportInfo is the server's local address of a PlainTransport.
type PlainTransportInfo struct {
	ID   string `json:"id"`
	IP   string `json:"ip"`
	Port int    `json:"port"`
	// RTCPPort is 0 with RTCP mux.
	RTCPPort int `json:"rtcpPort"`
}

// ProduceOptions are the arguments of produce.
type ProduceOptions struct {
	TransportID   string            `json:"transportId"`
	Kind          msc.MediaKind     `json:"kind"`
	RTPParameters msc.RTPParameters `json:"rtpParameters"`
	Paused        bool              `json:"paused,omitempty"`
	AppData       msc.AppData       `json:"appData,omitempty"`
}

// ConsumeOptions are the arguments of consume.
type ConsumeOptions struct {
	TransportID     string              `json:"transportId"`
	ProducerID      string              `json:"producerId"`
	RTPCapabilities msc.RTPCapabilities `json:"rtpCapabilities"`
	// Paused defaults to true: consumers start paused and are resumed once
	// the client side is ready, as real applications do.
	Paused *bool `json:"paused,omitempty"`
	// PreferredLayers of a simulcast or SVC consumer.
	PreferredLayers *Layers     `json:"preferredLayers,omitempty"`
	AppData         msc.AppData `json:"appData,omitempty"`
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

// Options returns what Transport.Consume wants.
func (r *ConsumeResult) Options() msc.ConsumerOptions {
	return msc.ConsumerOptions{ID: r.ID, ProducerID: r.ProducerID, Kind: r.Kind, RTPParameters: r.RTPParameters}
}

// ProduceDataOptions are the arguments of produceData.
type ProduceDataOptions struct {
	TransportID          string                    `json:"transportId"`
	SCTPStreamParameters *msc.SCTPStreamParameters `json:"sctpStreamParameters,omitempty"`
	Label                string                    `json:"label"`
	Protocol             string                    `json:"protocol"`
	AppData              msc.AppData               `json:"appData,omitempty"`
}

// ConsumeDataOptions are the arguments of consumeData.
type ConsumeDataOptions struct {
	TransportID    string `json:"transportId"`
	DataProducerID string `json:"dataProducerId"`
	// Ordered overrides the data producer's ordering.
	Ordered *bool       `json:"ordered,omitempty"`
	AppData msc.AppData `json:"appData,omitempty"`
}

// ConsumeDataResult describes a new server-side data consumer.
type ConsumeDataResult struct {
	ID                   string                   `json:"id"`
	DataProducerID       string                   `json:"dataProducerId"`
	SCTPStreamParameters msc.SCTPStreamParameters `json:"sctpStreamParameters"`
	Label                string                   `json:"label"`
	Protocol             string                   `json:"protocol"`
}

// Options returns what Transport.ConsumeData wants.
func (r *ConsumeDataResult) Options() msc.DataConsumerOptions {
	return msc.DataConsumerOptions{
		ID: r.ID, DataProducerID: r.DataProducerID, SCTPStreamParameters: r.SCTPStreamParameters,
		Label: r.Label, Protocol: r.Protocol,
	}
}

// ConsumerLayers is the answer to setConsumerPreferredLayers.
type ConsumerLayers struct {
	PreferredLayers *Layers `json:"preferredLayers"`
	CurrentLayers   *Layers `json:"currentLayers"`
}

// Layers is a spatial/temporal layer pair.
type Layers struct {
	SpatialLayer  int  `json:"spatialLayer"`
	TemporalLayer *int `json:"temporalLayer,omitempty"`
}

// ObjectType names a server-side object for GetStats and Dump.
type ObjectType string

// Object types.
const (
	TypeTransport    ObjectType = "transport"
	TypeProducer     ObjectType = "producer"
	TypeConsumer     ObjectType = "consumer"
	TypeDataProducer ObjectType = "dataProducer"
	TypeDataConsumer ObjectType = "dataConsumer"
	TypeRouter       ObjectType = "router" // Dump only; the ID is ignored
)

// Stats is one entry of a GetStats answer (mediasoup's stats objects).
type Stats map[string]any

// Type is the entry's "type" ("inbound-rtp", "outbound-rtp",
// "webrtc-transport", ...).
func (s Stats) Type() string { v, _ := s["type"].(string); return v }

// Int returns a numeric field as int64 (0 when absent).
func (s Stats) Int(key string) int64 { v, _ := s[key].(float64); return int64(v) }

// Join joins room ("" means "default") under a peer ID the server picks.
func (c *Client) Join(ctx context.Context, room string) (*JoinResult, error) {
	return c.JoinAs(ctx, room, "")
}

// JoinAs joins room under peerID ("" lets the server pick); the server
// refuses a peer ID already in the room.
func (c *Client) JoinAs(ctx context.Context, room, peerID string) (*JoinResult, error) {
	var r JoinResult
	d := map[string]any{"room": room}
	if peerID != "" {
		d["peerId"] = peerID
	}
	if err := c.Call(ctx, "join", d, &r); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.PeerID = r.PeerID
	c.Joined = r
	c.mu.Unlock()
	return &r, nil
}

// GetRouterRTPCapabilities returns the room router's RTP capabilities.
func (c *Client) GetRouterRTPCapabilities(ctx context.Context) (msc.RTPCapabilities, error) {
	var r msc.RTPCapabilities
	err := c.Call(ctx, "getRouterRtpCapabilities", nil, &r)
	return r, err
}

// CreateWebRTCTransport creates a WebRtcTransport listening on 127.0.0.1
// (UDP and TCP).
func (c *Client) CreateWebRTCTransport(ctx context.Context, opts WebRTCTransportOptions) (*WebRTCTransportInfo, error) {
	var r WebRTCTransportInfo
	if err := c.Call(ctx, "createWebRtcTransport", opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ConnectWebRTCTransport gives the server the client's DTLS parameters
// (what Transport.OnConnect hands over).
func (c *Client) ConnectWebRTCTransport(ctx context.Context, transportID string, dtls msc.DTLSParameters) error {
	return c.Call(ctx, "connectWebRtcTransport", map[string]any{"transportId": transportID, "dtlsParameters": dtls}, nil)
}

// RestartICE restarts ICE on the server side and returns the new
// parameters, for Transport.RestartICE.
func (c *Client) RestartICE(ctx context.Context, transportID string) (msc.ICEParameters, error) {
	var r struct {
		ICEParameters msc.ICEParameters `json:"iceParameters"`
	}
	err := c.Call(ctx, "restartIce", map[string]any{"transportId": transportID}, &r)
	return r.ICEParameters, err
}

// CloseTransport closes a transport of this peer, with its producers and
// consumers.
func (c *Client) CloseTransport(ctx context.Context, transportID string) error {
	return c.Call(ctx, "closeTransport", map[string]any{"transportId": transportID}, nil)
}

// CreatePlainTransport creates a PlainTransport listening on 127.0.0.1.
func (c *Client) CreatePlainTransport(ctx context.Context, opts PlainTransportOptions) (*PlainTransportInfo, error) {
	var r PlainTransportInfo
	if err := c.Call(ctx, "createPlainTransport", opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ConnectPlainTransport tells a PlainTransport where to send; rtcpPort 0
// means RTCP mux (or none given).
func (c *Client) ConnectPlainTransport(ctx context.Context, transportID, ip string, port, rtcpPort int) error {
	d := map[string]any{"transportId": transportID, "ip": ip, "port": port}
	if rtcpPort != 0 {
		d["rtcpPort"] = rtcpPort
	}
	return c.Call(ctx, "connectPlainTransport", d, nil)
}

// Produce creates a producer and returns its ID (what Transport.OnProduce
// returns).
func (c *Client) Produce(ctx context.Context, opts ProduceOptions) (string, error) {
	return c.callID(ctx, "produce", opts)
}

// CloseProducer closes a producer; its consumers get consumerClosed.
func (c *Client) CloseProducer(ctx context.Context, producerID string) error {
	return c.Call(ctx, "closeProducer", map[string]any{"producerId": producerID}, nil)
}

// PauseProducer pauses a producer; its consumers get consumerPaused.
func (c *Client) PauseProducer(ctx context.Context, producerID string) error {
	return c.Call(ctx, "pauseProducer", map[string]any{"producerId": producerID}, nil)
}

// ResumeProducer resumes a producer; its consumers get consumerResumed.
func (c *Client) ResumeProducer(ctx context.Context, producerID string) error {
	return c.Call(ctx, "resumeProducer", map[string]any{"producerId": producerID}, nil)
}

// Consume creates a server-side consumer, paused unless opts.Paused says
// false: create the local side with Transport.Consume(ctx, res.Options()),
// then ResumeConsumer.
func (c *Client) Consume(ctx context.Context, opts ConsumeOptions) (*ConsumeResult, error) {
	var r ConsumeResult
	if err := c.Call(ctx, "consume", opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ResumeConsumer resumes a consumer.
func (c *Client) ResumeConsumer(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "resumeConsumer", map[string]any{"consumerId": consumerID}, nil)
}

// PauseConsumer pauses a consumer.
func (c *Client) PauseConsumer(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "pauseConsumer", map[string]any{"consumerId": consumerID}, nil)
}

// CloseConsumer closes a consumer.
func (c *Client) CloseConsumer(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "closeConsumer", map[string]any{"consumerId": consumerID}, nil)
}

// SetConsumerPreferredLayers sets a simulcast or SVC consumer's preferred
// layers; temporalLayer nil means the highest.
func (c *Client) SetConsumerPreferredLayers(ctx context.Context, consumerID string, spatialLayer int, temporalLayer *int) (*ConsumerLayers, error) {
	d := map[string]any{"consumerId": consumerID, "spatialLayer": spatialLayer}
	if temporalLayer != nil {
		d["temporalLayer"] = *temporalLayer
	}
	var r ConsumerLayers
	if err := c.Call(ctx, "setConsumerPreferredLayers", d, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SetConsumerPriority sets a consumer's priority (1..255).
func (c *Client) SetConsumerPriority(ctx context.Context, consumerID string, priority int) error {
	return c.Call(ctx, "setConsumerPriority", map[string]any{"consumerId": consumerID, "priority": priority}, nil)
}

// RequestConsumerKeyFrame has the server ask the consumer's producer for a
// key frame.
func (c *Client) RequestConsumerKeyFrame(ctx context.Context, consumerID string) error {
	return c.Call(ctx, "requestConsumerKeyFrame", map[string]any{"consumerId": consumerID}, nil)
}

// ProduceData creates a data producer and returns its ID (what
// Transport.OnProduceData returns).
func (c *Client) ProduceData(ctx context.Context, opts ProduceDataOptions) (string, error) {
	return c.callID(ctx, "produceData", opts)
}

// ConsumeData creates a data consumer of dataProducerID on transportID:
// create the local side with Transport.ConsumeData(ctx, res.Options()).
func (c *Client) ConsumeData(ctx context.Context, transportID, dataProducerID string) (*ConsumeDataResult, error) {
	return c.ConsumeDataWith(ctx, ConsumeDataOptions{TransportID: transportID, DataProducerID: dataProducerID})
}

// ConsumeDataWith is ConsumeData with every option of consumeData.
func (c *Client) ConsumeDataWith(ctx context.Context, opts ConsumeDataOptions) (*ConsumeDataResult, error) {
	var r ConsumeDataResult
	if err := c.Call(ctx, "consumeData", opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CloseDataProducer closes a data producer; its data consumers get
// dataConsumerClosed.
func (c *Client) CloseDataProducer(ctx context.Context, dataProducerID string) error {
	return c.Call(ctx, "closeDataProducer", map[string]any{"dataProducerId": dataProducerID}, nil)
}

// CloseDataConsumer closes a data consumer.
func (c *Client) CloseDataConsumer(ctx context.Context, dataConsumerID string) error {
	return c.Call(ctx, "closeDataConsumer", map[string]any{"dataConsumerId": dataConsumerID}, nil)
}

// CreateDirectDataProducer creates a data producer on the room's
// DirectTransport: the server itself sends on it (SendDirectData).
func (c *Client) CreateDirectDataProducer(ctx context.Context, label, protocol string) (string, error) {
	return c.callID(ctx, "createDirectDataProducer", map[string]any{"label": label, "protocol": protocol})
}

// SendDirectData makes the server send message on a direct data producer,
// as a binary message when binary is true, else as text.
func (c *Client) SendDirectData(ctx context.Context, dataProducerID string, message []byte, binary bool) error {
	m := string(message)
	if binary {
		m = base64.StdEncoding.EncodeToString(message)
	}
	return c.Call(ctx, "sendDirectData", map[string]any{"dataProducerId": dataProducerID, "message": m, "binary": binary}, nil)
}

// GetStats returns the server-side stats of an object.
func (c *Client) GetStats(ctx context.Context, typ ObjectType, id string) ([]Stats, error) {
	var r []Stats
	err := c.Call(ctx, "getStats", map[string]any{"type": typ, "id": id}, &r)
	return r, err
}

// Dump returns the server-side dump of an object (TypeRouter ignores id).
func (c *Client) Dump(ctx context.Context, typ ObjectType, id string) (json.RawMessage, error) {
	var r json.RawMessage
	err := c.Call(ctx, "dump", map[string]any{"type": typ, "id": id}, &r)
	return r, err
}

func (c *Client) callID(ctx context.Context, method string, data any) (string, error) {
	var r struct {
		ID string `json:"id"`
	}
	if err := c.Call(ctx, method, data, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", fmt.Errorf("testbed: %s: response has no id", method)
	}
	return r.ID, nil
}
