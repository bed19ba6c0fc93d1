// Package handler is the boundary between the SDK's public objects and the
// code that drives pion for one mediasoup transport. Transport is that
// boundary; its implementations live in their own packages: peerconn (one
// pion PeerConnection negotiated with SDP, the default) and ortcrecv
// (pion's ORTC objects, no SDP, for receive transports). This package also
// holds what both share: the media engine and interceptors, bounded
// buffers, the stats interceptor and pion's logging adapter.
package handler

import (
	"context"
	"os"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Direction of a transport.
type Direction string

// Transport directions.
const (
	DirectionSend Direction = "send"
	DirectionRecv Direction = "recv"
)

// Transport is one mediasoup transport as the SDK's public objects use it.
// Its calls are not safe for concurrent use, except where a method says
// so: the SDK serialises them through the transport's operation queue.
type Transport interface {
	// LocalDTLSParameters are what the server's connect wants.
	LocalDTLSParameters() (params.DTLSParameters, error)
	// Connected is called once the OnConnect hook told the server the DTLS
	// parameters: a transport that waits for that starts connecting.
	Connected(ctx context.Context) error

	// Receive adds consumers; it returns once they are set up, whether or
	// not the transport has connected.
	Receive(ctx context.Context, opts []ReceiveOptions) ([]ReceiveResult, error)
	// StopReceiving removes consumers by LocalID.
	StopReceiving(ctx context.Context, localIDs []string) error
	// Send adds a producer.
	Send(ctx context.Context, o SendOptions) (SendResult, error)
	// StopSending removes a producer by LocalID.
	StopSending(ctx context.Context, localID string) error
	// ReplaceTrack sends another track on a producer, with no negotiation.
	ReplaceTrack(localID string, track webrtc.TrackLocal) error

	// HasSCTP reports whether the transport was given SCTP parameters.
	HasSCTP() bool
	// OpenDataChannel opens a negotiated data channel.
	OpenDataChannel(ctx context.Context, o DataChannelOptions) (*webrtc.DataChannel, error)

	// RestartICE applies the server's new ICE parameters.
	RestartICE(ctx context.Context, ice params.ICEParameters) error
	// UpdateICEServers replaces the STUN/TURN servers.
	UpdateICEServers(servers []webrtc.ICEServer) error

	// ConnectionState and ICEGatheringState are safe for concurrent use.
	ConnectionState() webrtc.PeerConnectionState
	ICEGatheringState() webrtc.ICEGatheringState
	// OnConnectionStateChange and OnICEGatheringStateChange set the one
	// function called, on the transport's own goroutines, with each new
	// state. Set them before any operation.
	OnConnectionStateChange(f func(webrtc.PeerConnectionState))
	OnICEGatheringStateChange(f func(webrtc.ICEGatheringState))

	// WriteRTCP sends RTCP (key frame requests); safe for concurrent use.
	WriteRTCP(pkts []rtcp.Packet) error
	// Stats returns the statistics of one RTP stream, nil when unknown;
	// safe for concurrent use.
	Stats(ssrc uint32) *stats.Stats
	// Report returns the transport's own stats report (ICE, DTLS,
	// certificates, data channels); safe for concurrent use.
	Report() webrtc.StatsReport
	// Renegotiations counts the offer/answer rounds applied (0 when the
	// transport negotiates nothing).
	Renegotiations() int64
	// PeerConnection is the underlying peer connection, nil when there is
	// none.
	PeerConnection() *webrtc.PeerConnection
	// Close stops everything; safe for concurrent use and idempotent.
	Close() error
}

// ReceiveOptions describe one consumer to add.
type ReceiveOptions struct {
	// TrackID is the msid track id (the consumer id).
	TrackID string
	// Kind of media.
	Kind params.MediaKind
	// RTPParameters the server sends.
	RTPParameters params.RTPParameters
	// StreamID is the msid stream id.
	StreamID string
	// OnReceiver, when set, is called with the receiver that will receive
	// the consumer's media once it exists, before the consumer is applied.
	OnReceiver func(*webrtc.RTPReceiver)
}

// ReceiveResult is what one added consumer got.
type ReceiveResult struct {
	// LocalID identifies the consumer on the transport (its mid, when
	// there is SDP).
	LocalID  string
	Receiver *webrtc.RTPReceiver
	// Track reads the consumer's media.
	Track TrackReader
}

// TrackReader reads one consumer's RTP. It is usable at once: reads wait
// until the receiver has started (the transport connected), deadlines work
// before that, and reads end once the receiver stops. Safe for concurrent
// use.
type TrackReader interface {
	// Read reads one RTP packet into b.
	Read(b []byte) (int, interceptor.Attributes, error)
	// SetReadDeadline sets the deadline of pending and later reads.
	SetReadDeadline(d time.Time) error
	// Started is closed once the receiver has started.
	Started() <-chan struct{}
	// TrackRemote is pion's track, nil when there is none yet.
	TrackRemote() *webrtc.TrackRemote
}

// CodecOptions tune a producer's codec (mediasoup-client's
// ProducerCodecOptions).
type CodecOptions struct { //nolint:revive // fields mirror ProducerCodecOptions
	OpusStereo              *bool
	OpusFEC                 *bool
	OpusDTX                 *bool
	OpusMaxPlaybackRate     *int
	OpusMaxAverageBitrate   *int
	OpusPtime               *int
	OpusNACK                *bool
	VideoGoogleStartBitrate *int
	VideoGoogleMaxBitrate   *int
	VideoGoogleMinBitrate   *int
}

// SendOptions describe one producer to add.
type SendOptions struct {
	// Track is the (first layer's) track.
	Track webrtc.TrackLocal
	// LayerTracks are the further simulcast layers, each with its RID.
	LayerTracks []webrtc.TrackLocal
	// Encodings requested by the application (maxBitrate, scalabilityMode...).
	Encodings []params.RTPEncodingParameters
	// CodecOptions tune the codec.
	CodecOptions *CodecOptions
	// Codec picks the codec to send, nil for the first one in common.
	Codec *params.RTPCodecCapability
	// OnSender, when set, is called with the sender once it exists, before
	// the offer/answer.
	OnSender func(*webrtc.RTPSender)
}

// SendResult is what the added producer got.
type SendResult struct {
	LocalID       string
	Transceiver   *webrtc.RTPTransceiver
	Sender        *webrtc.RTPSender
	RTPParameters params.RTPParameters
}

// DataChannelOptions describe a negotiated data channel.
type DataChannelOptions struct {
	StreamID          uint16
	Label             string
	Protocol          string
	Ordered           bool
	MaxPacketLifeTime *uint16
	MaxRetransmits    *uint16
}

// AppendMissingCodecs returns codecs followed by every codec of all (with
// their RTX) whose payload type is not in codecs yet: what the first media
// section of a kind lists, since pion v3 fixes a connection's codecs from
// it.
func AppendMissingCodecs(codecs, all []params.RTPCodecParameters) []params.RTPCodecParameters {
	have := map[uint8]bool{}
	for _, c := range codecs {
		have[c.PayloadType] = true
	}
	out := append([]params.RTPCodecParameters(nil), codecs...)
	for _, c := range all {
		if !have[c.PayloadType] {
			out = append(out, c)
		}
	}
	return out
}

// GatheringState maps pion's gatherer state to the gathering state.
func GatheringState(s webrtc.ICEGathererState) webrtc.ICEGatheringState {
	switch s {
	case webrtc.ICEGathererStateGathering:
		return webrtc.ICEGatheringStateGathering
	case webrtc.ICEGathererStateComplete:
		return webrtc.ICEGatheringStateComplete
	default:
		return webrtc.ICEGatheringStateNew
	}
}

// ErrDeadline is returned by a TrackReader's reads whose deadline passed
// before its receiver started; like pion's own timeouts it is a net.Error
// whose Timeout() is true, and it matches os.ErrDeadlineExceeded.
var ErrDeadline error = deadlineError{}

type deadlineError struct{}

func (deadlineError) Error() string   { return "read deadline exceeded" }
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }
func (deadlineError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}
