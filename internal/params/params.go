// Package params holds the internal twins of mediasoup's wire types: the
// JSON objects a mediasoup server sends and expects (RTP capabilities and
// parameters, SCTP, ICE and DTLS parameters). It is a leaf package shared
// by the ORTC rules, the SDP builder and the handlers. The root package
// defines the public types, field for field the same, and converts at its
// boundary; its tests keep the two sets identical.
package params

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

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
	DirectionSendRecv RTPHeaderExtensionDirection = "sendrecv"
	DirectionSendOnly RTPHeaderExtensionDirection = "sendonly"
	DirectionRecvOnly RTPHeaderExtensionDirection = "recvonly"
	DirectionInactive RTPHeaderExtensionDirection = "inactive"
)

// DTLSRole is the DTLS role of an endpoint.
type DTLSRole string

// DTLS roles.
const (
	DTLSRoleAuto   DTLSRole = "auto"
	DTLSRoleClient DTLSRole = "client"
	DTLSRoleServer DTLSRole = "server"
)

// AppData is application data carried along with an object.
type AppData map[string]any

// CodecParameters holds codec-specific parameters ("apt",
// "profile-level-id", ...). Values are strings or numbers; numbers decode as
// float64. A nil map marshals as {} as mediasoup expects.
type CodecParameters map[string]any

// MarshalJSON writes {} for a nil map.
func (p CodecParameters) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]any(p))
}

// Int returns the parameter as an integer. Numbers and numeric strings are
// accepted.
func (p CodecParameters) Int(key string) (int, bool) {
	v, ok := p[key]
	if !ok {
		return 0, false
	}
	return toInt(v)
}

// String returns the parameter as a string; numbers are formatted.
func (p CodecParameters) String(key string) (string, bool) {
	v, ok := p[key]
	if !ok {
		return "", false
	}
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	default:
		if n, ok := toInt(v); ok {
			return strconv.Itoa(n), true
		}
		if f, ok := toFloat(v); ok {
			return strconv.FormatFloat(f, 'f', -1, 64), true
		}
	}
	return "", false
}

// Fmtp writes the parameters as the text of an SDP fmtp attribute, keys
// sorted ("apt=96;x=1"); empty when there are none.
func (p CodecParameters) Fmtp() string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		v, _ := p.String(k)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// Clone returns a shallow copy (values are scalars).
func (p CodecParameters) Clone() CodecParameters {
	if p == nil {
		return nil
	}
	out := make(CodecParameters, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int:
		return float64(t), true
	case int8:
		return float64(t), true
	case int16:
		return float64(t), true
	case int32:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint:
		return float64(t), true
	case uint8:
		return float64(t), true
	case uint16:
		return float64(t), true
	case uint32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

func toInt(v any) (int, bool) {
	if s, ok := v.(string); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return n, err == nil
	}
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// IsNumberOrString reports whether v is a value mediasoup accepts as a codec
// parameter.
func IsNumberOrString(v any) bool {
	if _, ok := v.(string); ok {
		return true
	}
	_, ok := toFloat(v)
	return ok
}

// RTCPFeedback is one RTCP feedback mechanism a codec supports.
type RTCPFeedback struct {
	// Type is the feedback type: "nack", "ccm", "goog-remb", "transport-cc".
	Type string `json:"type"`
	// Parameter qualifies the type ("pli", "fir"), empty when none.
	Parameter string `json:"parameter"`
}

// RTPCodecCapability describes a codec an endpoint supports.
type RTPCodecCapability struct {
	// Kind is the media kind.
	Kind MediaKind `json:"kind"`
	// MimeType is "audio/opus", "video/VP8", ...
	MimeType string `json:"mimeType"`
	// PreferredPayloadType is the payload type the endpoint prefers.
	PreferredPayloadType *uint8 `json:"preferredPayloadType,omitempty"`
	// ClockRate is the RTP clock rate.
	ClockRate int `json:"clockRate"`
	// Channels is the number of audio channels (audio only).
	Channels *int `json:"channels,omitempty"`
	// Parameters are codec-specific parameters.
	Parameters CodecParameters `json:"parameters"`
	// RTCPFeedback lists the supported RTCP feedback mechanisms.
	RTCPFeedback []RTCPFeedback `json:"rtcpFeedback"`
}

// MarshalJSON writes [] for nil RTCP feedback.
func (c RTPCodecCapability) MarshalJSON() ([]byte, error) {
	type plain RTPCodecCapability
	if c.RTCPFeedback == nil {
		c.RTCPFeedback = []RTCPFeedback{}
	}
	return json.Marshal(plain(c))
}

// RTPHeaderExtension describes a header extension an endpoint supports.
type RTPHeaderExtension struct {
	// Kind is the media kind it applies to.
	Kind MediaKind `json:"kind"`
	// URI identifies the extension.
	URI string `json:"uri"`
	// PreferredID is the preferred extension ID.
	PreferredID int `json:"preferredId"`
	// PreferredEncrypt tells whether the extension is preferably encrypted.
	PreferredEncrypt bool `json:"preferredEncrypt"`
	// Direction is where the extension may be used ("sendrecv" when empty).
	Direction RTPHeaderExtensionDirection `json:"direction,omitempty"`
}

// RTPCapabilities lists the codecs and header extensions an endpoint
// supports.
type RTPCapabilities struct {
	// Codecs are the supported codecs.
	Codecs []RTPCodecCapability `json:"codecs"`
	// HeaderExtensions are the supported header extensions.
	HeaderExtensions []RTPHeaderExtension `json:"headerExtensions"`
}

// MarshalJSON writes [] for nil slices.
func (c RTPCapabilities) MarshalJSON() ([]byte, error) {
	type plain RTPCapabilities
	if c.Codecs == nil {
		c.Codecs = []RTPCodecCapability{}
	}
	if c.HeaderExtensions == nil {
		c.HeaderExtensions = []RTPHeaderExtension{}
	}
	return json.Marshal(plain(c))
}

// RTPCodecParameters describes a codec in use by a producer or consumer.
type RTPCodecParameters struct {
	// MimeType is "audio/opus", "video/VP8", ...
	MimeType string `json:"mimeType"`
	// PayloadType is the RTP payload type.
	PayloadType uint8 `json:"payloadType"`
	// ClockRate is the RTP clock rate.
	ClockRate int `json:"clockRate"`
	// Channels is the number of audio channels (audio only).
	Channels *int `json:"channels,omitempty"`
	// Parameters are codec-specific parameters.
	Parameters CodecParameters `json:"parameters"`
	// RTCPFeedback lists the RTCP feedback mechanisms in use.
	RTCPFeedback []RTCPFeedback `json:"rtcpFeedback"`
}

// MarshalJSON writes [] for nil RTCP feedback.
func (c RTPCodecParameters) MarshalJSON() ([]byte, error) {
	type plain RTPCodecParameters
	if c.RTCPFeedback == nil {
		c.RTCPFeedback = []RTCPFeedback{}
	}
	return json.Marshal(plain(c))
}

// RTPHeaderExtensionParameters describes a header extension in use.
type RTPHeaderExtensionParameters struct {
	// URI identifies the extension.
	URI string `json:"uri"`
	// ID is the extension ID in RTP packets.
	ID int `json:"id"`
	// Encrypt tells whether the extension is encrypted.
	Encrypt bool `json:"encrypt"`
	// Parameters are extension-specific parameters.
	Parameters CodecParameters `json:"parameters"`
}

// RTPEncodingRTX carries the RTX SSRC of an encoding.
type RTPEncodingRTX struct {
	// SSRC of the retransmission stream.
	SSRC uint32 `json:"ssrc"`
}

// RTPEncodingParameters describes one RTP stream (one simulcast layer).
type RTPEncodingParameters struct {
	// SSRC of the stream, 0 when not signaled.
	SSRC uint32 `json:"ssrc,omitempty"`
	// RID of the stream (simulcast), empty when not used.
	RID string `json:"rid,omitempty"`
	// CodecPayloadType pins the codec of this stream.
	CodecPayloadType *uint8 `json:"codecPayloadType,omitempty"`
	// RTX is the retransmission stream, nil when none.
	RTX *RTPEncodingRTX `json:"rtx,omitempty"`
	// DTX enables discontinuous transmission (audio).
	DTX bool `json:"dtx,omitempty"`
	// ScalabilityMode is the SVC/simulcast mode, e.g. "L1T3".
	ScalabilityMode string `json:"scalabilityMode,omitempty"`
	// ScaleResolutionDownBy scales the video resolution down.
	ScaleResolutionDownBy float64 `json:"scaleResolutionDownBy,omitempty"`
	// MaxBitrate is the maximum bitrate in bps.
	MaxBitrate int `json:"maxBitrate,omitempty"`
	// MaxFramerate is the maximum frame rate.
	MaxFramerate float64 `json:"maxFramerate,omitempty"`
	// AdaptivePtime enables adaptive packet time (audio).
	AdaptivePtime bool `json:"adaptivePtime,omitempty"`
	// Priority is the encoding's priority ("very-low" ... "high").
	Priority string `json:"priority,omitempty"`
	// NetworkPriority is the encoding's network priority.
	NetworkPriority string `json:"networkPriority,omitempty"`
	// Active tells whether the encoding is sent; nil means true.
	Active *bool `json:"active,omitempty"`
}

// RTCPParameters describes RTCP use.
type RTCPParameters struct {
	// CNAME is the canonical name.
	CNAME string `json:"cname,omitempty"`
	// ReducedSize enables reduced-size RTCP (RFC 5506); nil means true.
	ReducedSize *bool `json:"reducedSize,omitempty"`
	// Mux enables RTP/RTCP multiplexing; nil means true.
	Mux *bool `json:"mux,omitempty"`
}

// RTPParameters describes what a producer sends or a consumer receives.
type RTPParameters struct {
	// MID is the media section's mid, empty when not set.
	MID string `json:"mid,omitempty"`
	// Codecs in use; the first is the media codec.
	Codecs []RTPCodecParameters `json:"codecs"`
	// HeaderExtensions in use.
	HeaderExtensions []RTPHeaderExtensionParameters `json:"headerExtensions"`
	// Encodings are the RTP streams.
	Encodings []RTPEncodingParameters `json:"encodings"`
	// RTCP parameters.
	RTCP RTCPParameters `json:"rtcp"`
}

// MarshalJSON writes [] for nil slices.
func (p RTPParameters) MarshalJSON() ([]byte, error) {
	type plain RTPParameters
	if p.Codecs == nil {
		p.Codecs = []RTPCodecParameters{}
	}
	if p.HeaderExtensions == nil {
		p.HeaderExtensions = []RTPHeaderExtensionParameters{}
	}
	if p.Encodings == nil {
		p.Encodings = []RTPEncodingParameters{}
	}
	return json.Marshal(plain(p))
}

// NumSCTPStreams is the number of SCTP streams an endpoint offers.
type NumSCTPStreams struct {
	// OS is the number of outgoing streams.
	OS int `json:"OS"`
	// MIS is the maximum number of incoming streams.
	MIS int `json:"MIS"`
}

// SCTPCapabilities describes an endpoint's SCTP support.
type SCTPCapabilities struct {
	// NumStreams is the number of streams offered.
	NumStreams NumSCTPStreams `json:"numStreams"`
}

// SCTPParameters describes the server side of an SCTP association. A
// mediasoup server sends one of two shapes: the classic one, {port, OS, MIS,
// maxMessageSize}, or, from the versions with mediasoup's own SCTP stack,
// {port, maxSendMessageSize, maxReceiveMessageSize, sendBufferSize,
// perStreamSendQueueLimit, maxReceiverWindowBufferSize, isDataChannel}, where
// OS, MIS and maxMessageSize may be absent. Fields absent from the JSON stay
// absent when it is marshalled back.
type SCTPParameters struct {
	// Port is the SCTP port (always 5000 for WebRTC).
	Port int `json:"port"`
	// OS is the number of outgoing streams (classic shape), 0 when absent.
	OS int `json:"OS,omitempty"`
	// MIS is the maximum number of incoming streams (classic shape), 0 when
	// absent.
	MIS int `json:"MIS,omitempty"`
	// MaxMessageSize is the largest message the server accepts (classic
	// shape), 0 when absent.
	MaxMessageSize int `json:"maxMessageSize,omitempty"`
	// MaxSendMessageSize is the largest message the server's data consumers
	// send (new shape).
	MaxSendMessageSize *int `json:"maxSendMessageSize,omitempty"`
	// MaxReceiveMessageSize is the largest message the server's data
	// producers receive (new shape).
	MaxReceiveMessageSize *int `json:"maxReceiveMessageSize,omitempty"`
	// PerStreamSendQueueLimit is the server's per-stream send queue limit in
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

// DataChannelMaxMessageSize returns the data channel message size limit,
// read as mediasoup-client reads it: maxSendMessageSize when present,
// maxMessageSize otherwise. It returns 0 when neither is present.
func (p SCTPParameters) DataChannelMaxMessageSize() int {
	if p.MaxSendMessageSize != nil {
		return *p.MaxSendMessageSize
	}
	return p.MaxMessageSize
}

// IsNewShape reports whether the parameters come in the shape of the
// servers with mediasoup's own SCTP stack (maxSendMessageSize or
// maxReceiveMessageSize present).
func (p SCTPParameters) IsNewShape() bool {
	return p.MaxSendMessageSize != nil || p.MaxReceiveMessageSize != nil
}

// SCTPStreamParameters describes one SCTP stream (one data channel).
type SCTPStreamParameters struct {
	// StreamID is the SCTP stream id.
	StreamID uint16 `json:"streamId"`
	// Ordered tells whether delivery is ordered; nil means true unless a
	// partial reliability option is set.
	Ordered *bool `json:"ordered,omitempty"`
	// MaxPacketLifeTime in milliseconds for partially reliable delivery.
	MaxPacketLifeTime *uint16 `json:"maxPacketLifeTime,omitempty"`
	// MaxRetransmits for partially reliable delivery.
	MaxRetransmits *uint16 `json:"maxRetransmits,omitempty"`
	// Label of the data channel (set by the client side only).
	Label string `json:"label,omitempty"`
	// Protocol of the data channel (set by the client side only).
	Protocol string `json:"protocol,omitempty"`
}

// ICEParameters are the remote ICE credentials.
type ICEParameters struct {
	// UsernameFragment is the ICE ufrag.
	UsernameFragment string `json:"usernameFragment"`
	// Password is the ICE password.
	Password string `json:"password"`
	// ICELite is true when the remote is an ICE-lite agent (mediasoup is).
	ICELite bool `json:"iceLite,omitempty"`
}

// ICECandidate is one remote ICE candidate.
type ICECandidate struct {
	// Foundation of the candidate.
	Foundation string `json:"foundation"`
	// Priority of the candidate.
	Priority uint32 `json:"priority"`
	// IP address (mediasoup 3.12 and earlier).
	IP string `json:"ip,omitempty"`
	// Address (mediasoup 3.13 and later).
	Address string `json:"address,omitempty"`
	// Protocol is "udp" or "tcp".
	Protocol string `json:"protocol"`
	// Port of the candidate.
	Port uint16 `json:"port"`
	// Type is always "host" for mediasoup.
	Type string `json:"type"`
	// TCPType is "passive" for TCP candidates.
	TCPType string `json:"tcpType,omitempty"`
}

// Host returns the candidate's address, whichever field carries it.
func (c ICECandidate) Host() string {
	if c.Address != "" {
		return c.Address
	}
	return c.IP
}

// DTLSFingerprint is a certificate fingerprint.
type DTLSFingerprint struct {
	// Algorithm is the hash function ("sha-256", ...).
	Algorithm string `json:"algorithm"`
	// Value is the colon-separated upper-case hex digest.
	Value string `json:"value"`
}

// DTLSParameters are an endpoint's DTLS role and fingerprints.
type DTLSParameters struct {
	// Role is the DTLS role, empty meaning auto.
	Role DTLSRole `json:"role,omitempty"`
	// Fingerprints of the endpoint's certificate.
	Fingerprints []DTLSFingerprint `json:"fingerprints"`
}

// String describes a codec capability for error messages.
func (c RTPCodecCapability) String() string {
	s := fmt.Sprintf("%s/%d", c.MimeType, c.ClockRate)
	if c.Channels != nil {
		s += fmt.Sprintf("/%d", *c.Channels)
	}
	return s
}
