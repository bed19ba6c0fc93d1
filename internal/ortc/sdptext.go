package ortc

import (
	"net/url"
	"strings"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Everything a server sends ends up in the remote SDP that the SDK writes
// and pion parses. pion v3 cannot roll back a SetRemoteDescription that
// failed half-way, so a value pion would choke on must be refused before any
// negotiation starts. The checks below follow what pion/sdp v3 and
// pion/webrtc v3 actually parse: attribute values are split on spaces
// (rtpmap, fmtp, msid, ssrc, candidate, extmap), fmtp parameters on ';',
// lines on CR/LF.

// Count limits. Real servers stay far below them; they bound the size of
// the SDP (and of the work pion repeats on every renegotiation) that one
// message can cause.
const (
	// MaxCodecs bounds codec lists. Payload types are 7 bits, so no list
	// of codecs with distinct payload types is longer; a mediasoup router
	// offering every codec it knows with RTX lists about 40.
	MaxCodecs = 128
	// MaxHeaderExtensions bounds header extension lists: mediasoup knows
	// about a dozen URIs per kind.
	MaxHeaderExtensions = 64
	// MaxEncodings bounds the encodings of one producer or consumer:
	// libwebrtc sends at most 4 simulcast streams, SVC has at most 3
	// spatial layers in one stream, and a mediasoup consumer has one.
	MaxEncodings = 16
	// MaxRTCPFeedback bounds the feedback entries of one codec (mediasoup
	// uses at most 6).
	MaxRTCPFeedback = 32
	// MaxCodecParameters bounds the parameters of one codec or header
	// extension (mediasoup's codecs have at most 8).
	MaxCodecParameters = 64
	// MaxICECandidates bounds a transport's candidates: mediasoup has one
	// per listen address and protocol, a handful in practice.
	MaxICECandidates = 64
	// MaxFingerprints bounds a transport's DTLS fingerprints: mediasoup
	// sends one per hash function, 5.
	MaxFingerprints = 16
)

// Length limits of strings written into SDP.
const (
	// MaxSDPTokenLength bounds a token written into SDP (a mid, a codec
	// parameter name). 255 is what a two-byte RTP header extension element
	// can carry, for the tokens that also travel in RTP (mid, RID).
	MaxSDPTokenLength = 255
	// MaxMSIDLength bounds the stream id and the track id of an msid
	// (RFC 8830: msid-id = 1*64token-char).
	MaxMSIDLength = 64
	// MaxCNAMELength bounds a CNAME: an RTCP SDES item has a one-byte
	// length.
	MaxCNAMELength = 255
	// MaxURILength bounds a header extension URI.
	MaxURILength = 1024
	// MaxMimeTypeLength bounds a MIME type (RFC 6838: type and subtype
	// names of at most 127 characters each).
	MaxMimeTypeLength = 255
	// MaxParameterValueLength bounds a codec parameter value (H264
	// sprop-parameter-sets, the longest in use, is a few hundred bytes).
	MaxParameterValueLength = 4096
	// MaxRTCPFeedbackLength bounds an RTCP feedback type or parameter.
	MaxRTCPFeedbackLength = 64
)

// MaxHeaderExtensionID is the largest header extension id pion/sdp v3
// parses: ExtMap.Unmarshal accepts 1..246, and pion/webrtc fails the whole
// SetRemoteDescription on an extmap line it cannot parse. (RFC 8285 allows
// up to 255 with two-byte headers.)
const MaxHeaderExtensionID = 246

// isTokenChar reports whether c is an RFC 4566 token-char: visible ASCII
// except the separators "(),/:;<=>?@[\]{} and '"'.
func isTokenChar(c byte) bool {
	switch {
	case c == 0x21, c >= 0x23 && c <= 0x27, c == 0x2a, c == 0x2b, c == 0x2d, c == 0x2e,
		c >= 0x30 && c <= 0x39, c >= 0x41 && c <= 0x5a, c >= 0x5e && c <= 0x7e:
		return true
	}
	return false
}

// isVisible reports whether c is visible ASCII (no space, no control
// character, no byte of a multi-byte UTF-8 sequence).
func isVisible(c byte) bool { return c > 0x20 && c < 0x7f }

// describeByte names a rejected byte for an error message.
func describeByte(c byte) string {
	switch {
	case c == ' ':
		return "a space"
	case c == '\r' || c == '\n':
		return "a line break"
	case c < 0x20 || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a non-ASCII character"
	}
	return "character " + string(rune(c))
}

// checkSDPToken requires 1..maxLen RFC 4566 token characters.
func checkSDPToken(path, s string, maxLen int) error {
	if s == "" {
		return invalid(path, "missing")
	}
	if len(s) > maxLen {
		return invalid(path, "longer than %d bytes", maxLen)
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return invalid(path, "%q holds %s, not allowed in an SDP token", s, describeByte(s[i]))
		}
	}
	return nil
}

// checkSDPText requires at most maxLen visible ASCII characters, none of
// them in forbidden. Empty strings pass.
func checkSDPText(path, s string, maxLen int, forbidden string) error {
	if len(s) > maxLen {
		return invalid(path, "longer than %d bytes", maxLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isVisible(c) || strings.IndexByte(forbidden, c) >= 0 {
			return invalid(path, "%q holds %s, not allowed in SDP here", s, describeByte(c))
		}
	}
	return nil
}

// ValidateSDPToken checks a value the SDK writes into SDP as one token,
// such as a mid: 1 to MaxSDPTokenLength characters, each an RFC 4566
// token-char (visible ASCII without "(),/:;<=>?@[\]{} and '"'), so no
// space, line break or control character. The error wraps
// params.ErrInvalidParameters and names field.
func ValidateSDPToken(field, value string) error {
	return checkSDPToken(field, value, MaxSDPTokenLength)
}

// ValidateMSID checks the two parts of an msid, a stream id and a track id:
// each 1 to MaxMSIDLength token characters (RFC 8830). Call it with a
// producer's track StreamID and ID before Produce adds the track, and see
// ValidateConsumerOptions for consumers. Errors wrap
// params.ErrInvalidParameters and name "streamId" or "trackId".
func ValidateMSID(streamID, trackID string) error {
	if err := checkSDPToken("streamId", streamID, MaxMSIDLength); err != nil {
		return err
	}
	return checkSDPToken("trackId", trackID, MaxMSIDLength)
}

// ValidateConsumerOptions checks what Transport.Consume writes into the
// remote SDP and fills rtp's defaults (as ValidateRTPParameters does). id
// becomes the msid track id and streamID, when not empty, the msid stream
// id: both must be 1 to MaxMSIDLength token characters. An empty streamID
// makes the receive handler use the CNAME instead, which
// ValidateRTPParameters restricts to visible ASCII. producerID must be
// given; kind must be audio or video and match rtp's first codec. Errors
// wrap params.ErrInvalidParameters and name the field ("id", "streamId",
// "rtpParameters.codecs[0].mimeType", ...). Call it first in Consume, then
// CanReceive.
func ValidateConsumerOptions(id, producerID, streamID string, kind params.MediaKind, rtp *params.RTPParameters) error {
	if err := checkSDPToken("id", id, MaxMSIDLength); err != nil {
		return err
	}
	if producerID == "" {
		return invalid("producerId", "missing")
	}
	if streamID != "" {
		if err := checkSDPToken("streamId", streamID, MaxMSIDLength); err != nil {
			return err
		}
	}
	if kind != params.MediaKindAudio && kind != params.MediaKindVideo {
		return invalid("kind", "must be audio or video, got %q", kind)
	}
	if rtp == nil {
		return invalid("rtpParameters", "is nil")
	}
	if err := validateRTPParameters("rtpParameters", rtp); err != nil {
		return err
	}
	if len(rtp.Codecs) > 0 {
		codecKind, _ := mimeTypeKind("", rtp.Codecs[0].MimeType) // validated above
		if codecKind != kind {
			return invalid("rtpParameters.codecs[0].mimeType", "%q is not of kind %s", rtp.Codecs[0].MimeType, kind)
		}
	}
	return nil
}

// checkURI requires a header extension URI pion can parse: visible ASCII
// and accepted by net/url, as pion/sdp's ExtMap.Unmarshal requires.
func checkURI(path, uri string) error {
	if uri == "" {
		return invalid(path, "missing")
	}
	if err := checkSDPText(path, uri, MaxURILength, ""); err != nil {
		return err
	}
	if _, err := url.Parse(uri); err != nil {
		return invalid(path, "%q is not a URI: %v", uri, err)
	}
	return nil
}
