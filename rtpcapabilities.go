package mediasoupclient

import (
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// The wire types below are mediasoup's JSON objects. They marshal and
// unmarshal to exactly what a mediasoup server sends and expects, so server
// data can be passed straight in and SDK output straight back.
type (
	// MediaKind is "audio" or "video".
	MediaKind = params.MediaKind
	// RTPCapabilities lists the codecs and header extensions an endpoint supports.
	RTPCapabilities = params.RTPCapabilities
	// RTPCodecCapability describes a supported codec.
	RTPCodecCapability = params.RTPCodecCapability
	// RTPHeaderExtension describes a supported header extension.
	RTPHeaderExtension = params.RTPHeaderExtension
	// RTPHeaderExtensionDirection tells where a header extension may be used.
	RTPHeaderExtensionDirection = params.RTPHeaderExtensionDirection
	// RTPParameters describe what a producer sends or a consumer receives.
	RTPParameters = params.RTPParameters
	// RTPCodecParameters describe a codec in use.
	RTPCodecParameters = params.RTPCodecParameters
	// CodecParameters are codec-specific parameters (strings or numbers).
	CodecParameters = params.CodecParameters
	// RTPHeaderExtensionParameters describe a header extension in use.
	RTPHeaderExtensionParameters = params.RTPHeaderExtensionParameters
	// RTPEncodingParameters describe one RTP stream (simulcast layer).
	RTPEncodingParameters = params.RTPEncodingParameters
	// RTPEncodingRTX carries an encoding's retransmission SSRC.
	RTPEncodingRTX = params.RTPEncodingRTX
	// RTCPParameters describe RTCP use.
	RTCPParameters = params.RTCPParameters
	// RTCPFeedback is an RTCP feedback mechanism.
	RTCPFeedback = params.RTCPFeedback
	// SCTPCapabilities describe an endpoint's SCTP support.
	SCTPCapabilities = params.SCTPCapabilities
	// NumSCTPStreams is the number of SCTP streams offered.
	NumSCTPStreams = params.NumSCTPStreams
	// SCTPParameters describe the server side of an SCTP association.
	SCTPParameters = params.SCTPParameters
	// SCTPStreamParameters describe one SCTP stream (data channel).
	SCTPStreamParameters = params.SCTPStreamParameters
	// ICEParameters are the server's ICE credentials.
	ICEParameters = params.ICEParameters
	// ICECandidate is one of the server's ICE candidates.
	ICECandidate = params.ICECandidate
	// DTLSParameters are an endpoint's DTLS role and fingerprints.
	DTLSParameters = params.DTLSParameters
	// DTLSFingerprint is a certificate fingerprint.
	DTLSFingerprint = params.DTLSFingerprint
	// DTLSRole is a DTLS role.
	DTLSRole = params.DTLSRole
	// AppData is application data attached to an object.
	AppData = params.AppData
	// ScalabilityMode is a parsed scalability mode ("L1T3", "S3T3"...).
	ScalabilityMode = ortc.ScalabilityMode
)

// Media kinds.
const (
	MediaKindAudio = params.MediaKindAudio
	MediaKindVideo = params.MediaKindVideo
)

// DTLS roles.
const (
	DTLSRoleAuto   = params.DTLSRoleAuto
	DTLSRoleClient = params.DTLSRoleClient
	DTLSRoleServer = params.DTLSRoleServer
)

// Header extension directions.
const (
	RTPHeaderExtensionDirectionSendRecv = params.DirectionSendRecv
	RTPHeaderExtensionDirectionSendOnly = params.DirectionSendOnly
	RTPHeaderExtensionDirectionRecvOnly = params.DirectionRecvOnly
	RTPHeaderExtensionDirectionInactive = params.DirectionInactive
)

// Version is the SDK's version.
const Version = "0.1.0"

// ParseScalabilityMode parses a scalability mode such as "L1T3", "L3T3_KEY"
// or "S3T3"; an unknown mode gives one spatial and one temporal layer.
func ParseScalabilityMode(mode string) ScalabilityMode { return ortc.ParseScalabilityMode(mode) }

// ValidateRTPCapabilities checks RTP capabilities and fills in the defaults
// mediasoup-client fills; errors wrap ErrInvalidParameters.
func ValidateRTPCapabilities(c *RTPCapabilities) error { return ortc.ValidateRTPCapabilities(c) }

// ValidateRTPParameters checks RTP parameters and fills in defaults; errors
// wrap ErrInvalidParameters.
func ValidateRTPParameters(p *RTPParameters) error { return ortc.ValidateRTPParameters(p) }

// ValidateSCTPStreamParameters checks SCTP stream parameters and fills in
// defaults; errors wrap ErrInvalidParameters.
func ValidateSCTPStreamParameters(p *SCTPStreamParameters) error {
	return ortc.ValidateSCTPStreamParameters(p)
}

// ValidateSCTPCapabilities checks SCTP capabilities; errors wrap
// ErrInvalidParameters.
func ValidateSCTPCapabilities(c *SCTPCapabilities) error { return ortc.ValidateSCTPCapabilities(c) }

// ValidateSCTPParameters checks a transport's SCTP parameters; errors wrap
// ErrInvalidParameters.
func ValidateSCTPParameters(p *SCTPParameters) error { return ortc.ValidateSCTPParameters(p) }

// ValidateICEParameters checks ICE parameters; errors wrap
// ErrInvalidParameters.
func ValidateICEParameters(p *ICEParameters) error { return ortc.ValidateICEParameters(p) }

// ValidateICECandidates checks ICE candidates; errors wrap
// ErrInvalidParameters.
func ValidateICECandidates(c []ICECandidate) error { return ortc.ValidateICECandidates(c) }

// ValidateDTLSParameters checks DTLS parameters; errors wrap
// ErrInvalidParameters.
func ValidateDTLSParameters(p *DTLSParameters) error { return ortc.ValidateDTLSParameters(p) }

// ValidateSDPToken checks a value that goes into SDP as one token (a mid,
// for instance): 1 to 255 RFC 4566 token characters, so no space, line
// break or control character. Errors wrap ErrInvalidParameters and name
// field.
func ValidateSDPToken(field, value string) error { return ortc.ValidateSDPToken(field, value) }

// ValidateMSID checks the stream id and track id of an msid: each 1 to 64
// RFC 4566 token characters (RFC 8830). Errors wrap ErrInvalidParameters.
func ValidateMSID(streamID, trackID string) error { return ortc.ValidateMSID(streamID, trackID) }
