package mediasoupclient

import (
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// The wire types below are mediasoup's JSON objects. They marshal and
// unmarshal to exactly what a mediasoup server sends and expects, so the
// server's JSON can be decoded straight into them and the SDK's output sent
// back as it is.

// MediaKind is "audio" or "video".
type MediaKind string

// Media kinds.
const (
	MediaKindAudio MediaKind = "audio"
	MediaKindVideo MediaKind = "video"
)

// RTPHeaderExtensionDirection tells in which direction a header extension
// may be used.
type RTPHeaderExtensionDirection string

// Header extension directions.
const (
	RTPHeaderExtensionDirectionSendRecv RTPHeaderExtensionDirection = "sendrecv"
	RTPHeaderExtensionDirectionSendOnly RTPHeaderExtensionDirection = "sendonly"
	RTPHeaderExtensionDirectionRecvOnly RTPHeaderExtensionDirection = "recvonly"
	RTPHeaderExtensionDirectionInactive RTPHeaderExtensionDirection = "inactive"
)

// DTLSRole is the DTLS role of an endpoint.
type DTLSRole string

// DTLS roles.
const (
	DTLSRoleAuto   DTLSRole = "auto"
	DTLSRoleClient DTLSRole = "client"
	DTLSRoleServer DTLSRole = "server"
)

// AppData is application data attached to an object. The SDK never reads
// it.
type AppData map[string]any

// CodecParameters holds a codec's parameters ("apt", "profile-level-id",
// "packetization-mode"...). Values are strings or numbers; numbers decoded
// from JSON are float64, so read them with Int and String. A nil map
// marshals as {}, as mediasoup expects.
type CodecParameters map[string]any

// MarshalJSON writes {} for a nil map.
func (p CodecParameters) MarshalJSON() ([]byte, error) {
	return params.CodecParameters(p).MarshalJSON()
}

// Int returns the parameter as an integer; numbers and numeric strings are
// accepted.
func (p CodecParameters) Int(key string) (int, bool) { return params.CodecParameters(p).Int(key) }

// String returns the parameter as a string; numbers are formatted.
func (p CodecParameters) String(key string) (string, bool) {
	return params.CodecParameters(p).String(key)
}

// Clone returns a copy of the map (values are scalars).
func (p CodecParameters) Clone() CodecParameters {
	return CodecParameters(params.CodecParameters(p).Clone())
}

// RTCPFeedback is one RTCP feedback mechanism of a codec.
type RTCPFeedback struct {
	// Type is the feedback type: "nack", "ccm", "goog-remb", "transport-cc".
	Type string `json:"type"`
	// Parameter qualifies the type ("pli", "fir"); empty when none.
	Parameter string `json:"parameter"`
}

// RTPCodecCapability describes a codec an endpoint supports.
type RTPCodecCapability struct {
	// Kind is the media kind.
	Kind MediaKind `json:"kind"`
	// MimeType is "audio/opus", "video/VP8"...
	MimeType string `json:"mimeType"`
	// PreferredPayloadType is the payload type the endpoint prefers.
	PreferredPayloadType *uint8 `json:"preferredPayloadType,omitempty"`
	// ClockRate is the RTP clock rate.
	ClockRate int `json:"clockRate"`
	// Channels is the number of audio channels (audio only).
	Channels *int `json:"channels,omitempty"`
	// Parameters are the codec's parameters.
	Parameters CodecParameters `json:"parameters"`
	// RTCPFeedback lists the RTCP feedback the codec supports.
	RTCPFeedback []RTCPFeedback `json:"rtcpFeedback"`
}

// MarshalJSON writes [] for nil RTCP feedback.
func (c RTPCodecCapability) MarshalJSON() ([]byte, error) { return c.internal().MarshalJSON() }

// String names the codec for messages: "audio/opus/48000/2".
func (c RTPCodecCapability) String() string { return c.internal().String() }

// RTPHeaderExtension describes a header extension an endpoint supports.
type RTPHeaderExtension struct {
	// Kind is the media kind it applies to.
	Kind MediaKind `json:"kind"`
	// URI identifies the extension.
	URI string `json:"uri"`
	// PreferredID is the extension id the endpoint prefers.
	PreferredID int `json:"preferredId"`
	// PreferredEncrypt tells whether the endpoint prefers it encrypted.
	PreferredEncrypt bool `json:"preferredEncrypt"`
	// Direction is where the extension may be used; empty means sendrecv.
	Direction RTPHeaderExtensionDirection `json:"direction,omitempty"`
}

// RTPCapabilities lists the codecs and header extensions an endpoint
// supports: a router's (Device.Load), or the device's
// (Device.RTPCapabilities, to send to the server before consuming).
type RTPCapabilities struct {
	// Codecs are the supported codecs, in order of preference.
	Codecs []RTPCodecCapability `json:"codecs"`
	// HeaderExtensions are the supported header extensions.
	HeaderExtensions []RTPHeaderExtension `json:"headerExtensions"`
}

// MarshalJSON writes [] for nil slices.
func (c RTPCapabilities) MarshalJSON() ([]byte, error) { return c.internal().MarshalJSON() }

// Clone returns a deep copy.
func (c RTPCapabilities) Clone() RTPCapabilities { return rtpCapabilitiesFrom(c.internal()) }

// RTPCodecParameters describes a codec a producer or consumer uses.
type RTPCodecParameters struct {
	// MimeType is "audio/opus", "video/VP8"...
	MimeType string `json:"mimeType"`
	// PayloadType is the RTP payload type.
	PayloadType uint8 `json:"payloadType"`
	// ClockRate is the RTP clock rate.
	ClockRate int `json:"clockRate"`
	// Channels is the number of audio channels (audio only).
	Channels *int `json:"channels,omitempty"`
	// Parameters are the codec's parameters.
	Parameters CodecParameters `json:"parameters"`
	// RTCPFeedback lists the RTCP feedback in use.
	RTCPFeedback []RTCPFeedback `json:"rtcpFeedback"`
}

// MarshalJSON writes [] for nil RTCP feedback.
func (c RTPCodecParameters) MarshalJSON() ([]byte, error) { return c.internal().MarshalJSON() }

// RTPHeaderExtensionParameters describes a header extension in use.
type RTPHeaderExtensionParameters struct {
	// URI identifies the extension.
	URI string `json:"uri"`
	// ID is the extension's id in RTP packets.
	ID int `json:"id"`
	// Encrypt tells whether the extension is encrypted.
	Encrypt bool `json:"encrypt"`
	// Parameters are the extension's parameters.
	Parameters CodecParameters `json:"parameters"`
}

// RTPEncodingRTX carries the SSRC of an encoding's retransmission stream.
type RTPEncodingRTX struct {
	// SSRC of the retransmission stream.
	SSRC uint32 `json:"ssrc"`
}

// RTPEncodingParameters describes one RTP stream (one simulcast layer).
type RTPEncodingParameters struct {
	// SSRC of the stream; 0 when not signaled.
	SSRC uint32 `json:"ssrc,omitempty"`
	// RID of the stream (simulcast); empty when not used.
	RID string `json:"rid,omitempty"`
	// CodecPayloadType pins the stream's codec.
	CodecPayloadType *uint8 `json:"codecPayloadType,omitempty"`
	// RTX is the retransmission stream; nil when none.
	RTX *RTPEncodingRTX `json:"rtx,omitempty"`
	// DTX enables discontinuous transmission (audio).
	DTX bool `json:"dtx,omitempty"`
	// ScalabilityMode is the SVC or simulcast mode, such as "L1T3".
	ScalabilityMode string `json:"scalabilityMode,omitempty"`
	// ScaleResolutionDownBy scales the video resolution down.
	ScaleResolutionDownBy float64 `json:"scaleResolutionDownBy,omitempty"`
	// MaxBitrate is the maximum bitrate in bits per second.
	MaxBitrate int `json:"maxBitrate,omitempty"`
	// MaxFramerate is the maximum frame rate.
	MaxFramerate float64 `json:"maxFramerate,omitempty"`
	// AdaptivePtime enables adaptive packet time (audio).
	AdaptivePtime bool `json:"adaptivePtime,omitempty"`
	// Priority is the encoding's priority ("very-low" to "high").
	Priority string `json:"priority,omitempty"`
	// NetworkPriority is the encoding's network priority.
	NetworkPriority string `json:"networkPriority,omitempty"`
	// Active tells whether the encoding is sent; nil means true.
	Active *bool `json:"active,omitempty"`
}

// RTCPParameters describes how RTCP is used.
type RTCPParameters struct {
	// CNAME is the canonical name of the endpoint.
	CNAME string `json:"cname,omitempty"`
	// ReducedSize enables reduced-size RTCP (RFC 5506); nil means true.
	ReducedSize *bool `json:"reducedSize,omitempty"`
	// Mux multiplexes RTP and RTCP on one port; nil means true.
	Mux *bool `json:"mux,omitempty"`
}

// RTPParameters describe what a producer sends or a consumer receives: the
// server's consume response carries them for ConsumerOptions, and
// Transport.Produce hands them to the OnProduce hook.
type RTPParameters struct {
	// MID is the media section's mid; empty when not set.
	MID string `json:"mid,omitempty"`
	// Codecs in use; the first is the media codec, RTX ones follow theirs.
	Codecs []RTPCodecParameters `json:"codecs"`
	// HeaderExtensions in use.
	HeaderExtensions []RTPHeaderExtensionParameters `json:"headerExtensions"`
	// Encodings are the RTP streams.
	Encodings []RTPEncodingParameters `json:"encodings"`
	// RTCP parameters.
	RTCP RTCPParameters `json:"rtcp"`
}

// MarshalJSON writes [] for nil slices.
func (p RTPParameters) MarshalJSON() ([]byte, error) { return p.internal().MarshalJSON() }

// Clone returns a deep copy.
func (p RTPParameters) Clone() RTPParameters { return rtpParametersFrom(p.internal()) }

// NumSCTPStreams is the number of SCTP streams an endpoint offers.
type NumSCTPStreams struct {
	// OS is the number of outgoing streams.
	OS int `json:"OS"`
	// MIS is the maximum number of incoming streams.
	MIS int `json:"MIS"`
}

// SCTPCapabilities describe an endpoint's SCTP support
// (Device.SCTPCapabilities, sent to the server when creating a transport
// with data channels).
type SCTPCapabilities struct {
	// NumStreams is the number of streams offered.
	NumStreams NumSCTPStreams `json:"numStreams"`
}

// SCTPParameters describe the server side of a transport's SCTP
// association. A mediasoup server sends one of two shapes: the classic one,
// {port, OS, MIS, maxMessageSize}, or, with mediasoup's own SCTP stack,
// {port, maxSendMessageSize, maxReceiveMessageSize, sendBufferSize,
// perStreamSendQueueLimit, maxReceiverWindowBufferSize, isDataChannel},
// where OS, MIS and maxMessageSize may be absent. Both decode here; fields
// absent from the JSON stay absent when it is marshalled back.
type SCTPParameters struct {
	// Port is the SCTP port (5000 for WebRTC transports).
	Port int `json:"port"`
	// OS is the number of outgoing streams (classic shape); 0 when absent.
	OS int `json:"OS,omitempty"`
	// MIS is the maximum number of incoming streams (classic shape); 0 when
	// absent.
	MIS int `json:"MIS,omitempty"`
	// MaxMessageSize is the largest message the server accepts (classic
	// shape); 0 when absent.
	MaxMessageSize int `json:"maxMessageSize,omitempty"`
	// MaxSendMessageSize is the largest message the server's data consumers
	// send (new shape).
	MaxSendMessageSize *int `json:"maxSendMessageSize,omitempty"`
	// MaxReceiveMessageSize is the largest message the server's data
	// producers receive (new shape).
	MaxReceiveMessageSize *int `json:"maxReceiveMessageSize,omitempty"`
	// PerStreamSendQueueLimit is the server's send queue limit per stream, in
	// bytes (new shape).
	PerStreamSendQueueLimit *int `json:"perStreamSendQueueLimit,omitempty"`
	// MaxReceiverWindowBufferSize is the server's receive window in bytes
	// (new shape).
	MaxReceiverWindowBufferSize *int `json:"maxReceiverWindowBufferSize,omitempty"`
	// TotalBufferedAmount is reported by the server (new shape).
	TotalBufferedAmount *int `json:"totalBufferedAmount,omitempty"`
	// IsDataChannel is set by the server for WebRTC transports.
	IsDataChannel *bool `json:"isDataChannel,omitempty"`
	// SCTPBufferedAmount is reported by the server.
	SCTPBufferedAmount *int `json:"sctpBufferedAmount,omitempty"`
	// SendBufferSize is the server's send buffer in bytes.
	SendBufferSize *int `json:"sendBufferSize,omitempty"`
}

// Clone returns a deep copy.
func (p SCTPParameters) Clone() SCTPParameters {
	return SCTPParameters(params.SCTPParameters(p).Clone())
}

// SCTPStreamParameters describe one SCTP stream (one data channel).
type SCTPStreamParameters struct {
	// StreamID is the SCTP stream id.
	StreamID uint16 `json:"streamId"`
	// Ordered tells whether delivery is ordered; nil means true unless a
	// partial reliability option is set.
	Ordered *bool `json:"ordered,omitempty"`
	// MaxPacketLifeTime, in milliseconds, makes delivery partially reliable.
	MaxPacketLifeTime *uint16 `json:"maxPacketLifeTime,omitempty"`
	// MaxRetransmits makes delivery partially reliable.
	MaxRetransmits *uint16 `json:"maxRetransmits,omitempty"`
	// Label of the data channel (client side only).
	Label string `json:"label,omitempty"`
	// Protocol of the data channel (client side only).
	Protocol string `json:"protocol,omitempty"`
}

// ICEParameters are the server's ICE credentials.
type ICEParameters struct {
	// UsernameFragment is the ICE ufrag.
	UsernameFragment string `json:"usernameFragment"`
	// Password is the ICE password.
	Password string `json:"password"`
	// ICELite is true when the server is an ICE-lite agent (mediasoup is).
	ICELite bool `json:"iceLite,omitempty"`
}

// ICECandidate is one of the server's ICE candidates.
type ICECandidate struct {
	// Foundation of the candidate.
	Foundation string `json:"foundation"`
	// Priority of the candidate.
	Priority uint32 `json:"priority"`
	// IP is the address (mediasoup 3.12 and earlier).
	IP string `json:"ip,omitempty"`
	// Address is the address (mediasoup 3.13 and later).
	Address string `json:"address,omitempty"`
	// Protocol is "udp" or "tcp".
	Protocol string `json:"protocol"`
	// Port of the candidate.
	Port uint16 `json:"port"`
	// Type is "host" for mediasoup.
	Type string `json:"type"`
	// TCPType is "passive" for TCP candidates.
	TCPType string `json:"tcpType,omitempty"`
}

// Host returns the candidate's address, from whichever field carries it.
func (c ICECandidate) Host() string { return params.ICECandidate(c).Host() }

// DTLSFingerprint is a certificate fingerprint.
type DTLSFingerprint struct {
	// Algorithm is the hash function ("sha-256"...).
	Algorithm string `json:"algorithm"`
	// Value is the digest in colon-separated upper-case hex.
	Value string `json:"value"`
}

// DTLSParameters are an endpoint's DTLS role and certificate fingerprints.
type DTLSParameters struct {
	// Role is the DTLS role; empty means auto.
	Role DTLSRole `json:"role,omitempty"`
	// Fingerprints of the endpoint's certificate.
	Fingerprints []DTLSFingerprint `json:"fingerprints"`
}

// ScalabilityMode is a parsed scalability mode ("L1T3", "S3T3"...).
type ScalabilityMode struct {
	// SpatialLayers is the number of spatial layers (1 to 16).
	SpatialLayers int
	// TemporalLayers is the number of temporal layers (1 to 16).
	TemporalLayers int
	// KSVC is true for K-SVC modes (the "_KEY" suffix), whose spatial layers
	// depend on each other on key frames only.
	KSVC bool
}

// Version is the SDK's version.
const Version = "0.1.0"

// ParseScalabilityMode parses a scalability mode such as "L1T3", "L3T3_KEY"
// or "S3T3"; an unknown mode gives one spatial and one temporal layer.
func ParseScalabilityMode(mode string) ScalabilityMode {
	return ScalabilityMode(ortc.ParseScalabilityMode(mode))
}

// ValidateRTPCapabilities checks RTP capabilities and fills in the defaults
// mediasoup-client fills; errors wrap ErrInvalidParameters.
func ValidateRTPCapabilities(c *RTPCapabilities) error {
	return validateInPlace(c, RTPCapabilities.internal, rtpCapabilitiesFrom, ortc.ValidateRTPCapabilities)
}

// ValidateRTPParameters checks RTP parameters and fills in defaults; errors
// wrap ErrInvalidParameters.
func ValidateRTPParameters(p *RTPParameters) error {
	return validateInPlace(p, RTPParameters.internal, rtpParametersFrom, ortc.ValidateRTPParameters)
}

// ValidateSCTPStreamParameters checks SCTP stream parameters and fills in
// defaults; errors wrap ErrInvalidParameters.
func ValidateSCTPStreamParameters(p *SCTPStreamParameters) error {
	return validateInPlace(p, SCTPStreamParameters.internal, sctpStreamParametersFrom, ortc.ValidateSCTPStreamParameters)
}

// ValidateSCTPCapabilities checks SCTP capabilities; errors wrap
// ErrInvalidParameters.
func ValidateSCTPCapabilities(c *SCTPCapabilities) error {
	return validateInPlace(c, SCTPCapabilities.internal, sctpCapabilitiesFrom, ortc.ValidateSCTPCapabilities)
}

// ValidateSCTPParameters checks a transport's SCTP parameters; errors wrap
// ErrInvalidParameters.
func ValidateSCTPParameters(p *SCTPParameters) error {
	return validateInPlace(p, SCTPParameters.internal, sctpParametersFrom, ortc.ValidateSCTPParameters)
}

// ValidateICEParameters checks ICE parameters; errors wrap
// ErrInvalidParameters.
func ValidateICEParameters(p *ICEParameters) error {
	return validateInPlace(p, ICEParameters.internal, iceParametersFrom, ortc.ValidateICEParameters)
}

// ValidateICECandidates checks ICE candidates; errors wrap
// ErrInvalidParameters.
func ValidateICECandidates(c []ICECandidate) error {
	return ortc.ValidateICECandidates(iceCandidatesInternal(c))
}

// ValidateDTLSParameters checks DTLS parameters; errors wrap
// ErrInvalidParameters.
func ValidateDTLSParameters(p *DTLSParameters) error {
	return validateInPlace(p, DTLSParameters.internal, dtlsParametersFrom, ortc.ValidateDTLSParameters)
}

// ValidateSDPToken checks a value that goes into SDP as one token (a mid,
// for instance): 1 to 255 RFC 4566 token characters, so no space, line
// break or control character. Errors wrap ErrInvalidParameters and name
// field.
func ValidateSDPToken(field, value string) error { return ortc.ValidateSDPToken(field, value) }

// ValidateMSID checks the stream id and track id of an msid: each 1 to 64
// RFC 4566 token characters (RFC 8830). Errors wrap ErrInvalidParameters.
func ValidateMSID(streamID, trackID string) error { return ortc.ValidateMSID(streamID, trackID) }
