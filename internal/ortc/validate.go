// Package ortc holds mediasoup-client's ORTC logic: validation of the wire
// parameters and negotiation of RTP capabilities.
package ortc

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// The validators below follow mediasoup-client's ortc validation: they fill
// the same defaults in place and reject the same malformed input. Where Go's
// types already rule out a JavaScript type error, they check what still can
// go wrong in Go instead (ranges, references between fields, strings that
// would corrupt an SDP). Every error wraps params.ErrInvalidParameters and
// names the offending field by its JSON path.

const (
	maxPayloadType   = 127 // RTP payload types are 7 bits
	maxSCTPStreams   = 65535
	maxSCTPStreamID  = 65534 // 65535 is reserved (RFC 8831)
	maxICEPriority   = 1<<31 - 1
	maxDataChanField = 65535 // labels and protocols travel with a 16-bit length
	maxRIDLength     = 255
	// maxClockRate: pion parses the rtpmap clock rate as a uint32 and drops
	// a codec whose rate does not fit, which fails the negotiation.
	maxClockRate = 1<<32 - 1
	// maxChannels: Opus, the only multichannel codec in WebRTC, carries at
	// most 255 channels.
	maxChannels = 255
	// maxSCTPSize bounds the SCTP sizes a server reports; mediasoup holds
	// them in 32 bits.
	maxSCTPSize = 1<<32 - 1
)

// invalid builds the error for the field at path.
func invalid(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", params.ErrInvalidParameters, path, fmt.Sprintf(format, args...))
}

// field appends a member name to a path; an empty path is the root object.
func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index appends an array index to a path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// ValidateRTPCapabilities validates RTP capabilities and fills the defaults
// mediasoup-client fills: empty codec and header extension lists, and the
// per-codec and per-extension defaults (see ValidateRTPCodecCapability and
// ValidateRTPHeaderExtension). Preferred payload types must be unique, and so
// must preferred header extension IDs within one media kind.
func ValidateRTPCapabilities(c *params.RTPCapabilities) error {
	if c == nil {
		return invalid("rtpCapabilities", "is nil")
	}
	if c.Codecs == nil {
		c.Codecs = []params.RTPCodecCapability{}
	}
	if len(c.Codecs) > MaxCodecs {
		return invalid("codecs", "has %d entries, more than %d", len(c.Codecs), MaxCodecs)
	}
	payloadTypes := make(map[uint8]int, len(c.Codecs))
	for i := range c.Codecs {
		path := index("codecs", i)
		codec := &c.Codecs[i]
		if err := validateCodecCapability(path, codec); err != nil {
			return err
		}
		if codec.PreferredPayloadType == nil {
			continue
		}
		pt := *codec.PreferredPayloadType
		if prev, dup := payloadTypes[pt]; dup {
			return invalid(field(path, "preferredPayloadType"), "%d already used by codecs[%d]", pt, prev)
		}
		payloadTypes[pt] = i
	}

	if c.HeaderExtensions == nil {
		c.HeaderExtensions = []params.RTPHeaderExtension{}
	}
	if len(c.HeaderExtensions) > MaxHeaderExtensions {
		return invalid("headerExtensions", "has %d entries, more than %d", len(c.HeaderExtensions), MaxHeaderExtensions)
	}
	type kindID struct {
		kind params.MediaKind
		id   int
	}
	ids := make(map[kindID]int, len(c.HeaderExtensions))
	for i := range c.HeaderExtensions {
		path := index("headerExtensions", i)
		ext := &c.HeaderExtensions[i]
		if err := validateHeaderExtension(path, ext); err != nil {
			return err
		}
		key := kindID{ext.Kind, ext.PreferredID}
		if prev, dup := ids[key]; dup {
			return invalid(field(path, "preferredId"), "%d already used by headerExtensions[%d] for kind %s", ext.PreferredID, prev, ext.Kind)
		}
		ids[key] = i
	}
	return nil
}

// ValidateRTPCodecCapability validates one codec capability. Its mimeType
// must be "audio/<subtype>" or "video/<subtype>"; an empty kind is filled
// from it and a kind that disagrees with it is an error. Audio codecs get one
// channel when none is given and video codecs lose any channel count, as in
// mediasoup-client. Nil parameters and RTCP feedback become empty.
func ValidateRTPCodecCapability(c *params.RTPCodecCapability) error {
	if c == nil {
		return invalid("codec", "is nil")
	}
	return validateCodecCapability("codec", c)
}

func validateCodecCapability(path string, c *params.RTPCodecCapability) error {
	kind, err := mimeTypeKind(field(path, "mimeType"), c.MimeType)
	if err != nil {
		return err
	}
	switch c.Kind {
	case "":
		c.Kind = kind
	case params.MediaKindAudio, params.MediaKindVideo:
		if c.Kind != kind {
			return invalid(field(path, "kind"), "%q does not match mimeType %q", c.Kind, c.MimeType)
		}
	default:
		return invalid(field(path, "kind"), "must be audio or video, got %q", c.Kind)
	}
	if pt := c.PreferredPayloadType; pt != nil {
		if err := checkPayloadType(field(path, "preferredPayloadType"), *pt, c.MimeType, c.ClockRate); err != nil {
			return err
		}
	}
	if err := checkClockRate(field(path, "clockRate"), c.ClockRate); err != nil {
		return err
	}
	channels, err := normalizeChannels(field(path, "channels"), kind, c.Channels)
	if err != nil {
		return err
	}
	c.Channels = channels
	if c.Parameters == nil {
		c.Parameters = params.CodecParameters{}
	}
	if err := checkCodecParameters(field(path, "parameters"), c.Parameters, isRTXMimeType(c.MimeType)); err != nil {
		return err
	}
	if c.RTCPFeedback == nil {
		c.RTCPFeedback = []params.RTCPFeedback{}
	}
	return checkFeedbacks(field(path, "rtcpFeedback"), c.RTCPFeedback)
}

// ValidateRTPHeaderExtension validates one header extension capability:
// kind audio or video, a URI pion can parse, a preferred ID in
// 1..MaxHeaderExtensionID and, when set, a known direction. An empty direction becomes "sendrecv".
func ValidateRTPHeaderExtension(h *params.RTPHeaderExtension) error {
	if h == nil {
		return invalid("ext", "is nil")
	}
	return validateHeaderExtension("ext", h)
}

func validateHeaderExtension(path string, h *params.RTPHeaderExtension) error {
	if h.Kind != params.MediaKindAudio && h.Kind != params.MediaKindVideo {
		return invalid(field(path, "kind"), "must be audio or video, got %q", h.Kind)
	}
	if err := checkURI(field(path, "uri"), h.URI); err != nil {
		return err
	}
	if err := checkHeaderExtensionID(field(path, "preferredId"), h.PreferredID); err != nil {
		return err
	}
	switch h.Direction {
	case "":
		h.Direction = params.DirectionSendRecv
	case params.DirectionSendRecv, params.DirectionSendOnly, params.DirectionRecvOnly, params.DirectionInactive:
	default:
		return invalid(field(path, "direction"), "must be sendrecv, sendonly, recvonly or inactive, got %q", h.Direction)
	}
	return nil
}

// ValidateRTPParameters validates RTP parameters and fills mediasoup-client's
// defaults: empty header extension and encoding lists, reducedSize true, and
// the per-codec defaults of ValidateRTPCodecParameters. Codecs are mandatory
// (a nil list is an error, an empty one is not). Beyond mediasoup-client it
// checks that all codecs share one kind and the first is not RTX, that
// payload types, header extension IDs and URIs, SSRCs and RIDs are unique,
// that every RTX apt and encoding codecPayloadType names a codec in the list.
//
// Everything that goes into SDP must be something pion parses: the mid an
// SDP token of at most MaxSDPTokenLength characters, the CNAME visible ASCII,
// codec parameters, feedback and URIs without spaces, payload types that
// pion reads as written (see ValidateRTPCodecParameters), and the lists no
// longer than MaxCodecs, MaxHeaderExtensions and MaxEncodings.
func ValidateRTPParameters(p *params.RTPParameters) error {
	if p == nil {
		return invalid("rtpParameters", "is nil")
	}
	return validateRTPParameters("", p)
}

func validateRTPParameters(root string, p *params.RTPParameters) error {
	if p.MID != "" {
		if err := checkSDPToken(field(root, "mid"), p.MID, MaxSDPTokenLength); err != nil {
			return err
		}
	}
	if err := checkRTPCodecs(root, p.Codecs); err != nil {
		return err
	}

	if p.HeaderExtensions == nil {
		p.HeaderExtensions = []params.RTPHeaderExtensionParameters{}
	}
	if len(p.HeaderExtensions) > MaxHeaderExtensions {
		return invalid(field(root, "headerExtensions"), "has %d entries, more than %d", len(p.HeaderExtensions), MaxHeaderExtensions)
	}
	ids := make(map[int]int, len(p.HeaderExtensions))
	uris := make(map[string]int, len(p.HeaderExtensions))
	for i := range p.HeaderExtensions {
		path := index(field(root, "headerExtensions"), i)
		ext := &p.HeaderExtensions[i]
		if err := validateHeaderExtensionParameters(path, ext); err != nil {
			return err
		}
		if prev, dup := ids[ext.ID]; dup {
			return invalid(field(path, "id"), "%d already used by headerExtensions[%d]", ext.ID, prev)
		}
		ids[ext.ID] = i
		if prev, dup := uris[ext.URI]; dup {
			return invalid(field(path, "uri"), "%q already used by headerExtensions[%d]", ext.URI, prev)
		}
		uris[ext.URI] = i
	}

	if p.Encodings == nil {
		p.Encodings = []params.RTPEncodingParameters{}
	}
	if err := checkEncodings(root, p.Encodings, p.Codecs); err != nil {
		return err
	}

	return validateRTCPParameters(field(root, "rtcp"), &p.RTCP)
}

func checkRTPCodecs(root string, codecs []params.RTPCodecParameters) error {
	list := field(root, "codecs")
	if codecs == nil {
		return invalid(list, "missing")
	}
	if len(codecs) > MaxCodecs {
		return invalid(list, "has %d entries, more than %d", len(codecs), MaxCodecs)
	}
	byPayloadType := make(map[uint8]int, len(codecs))
	var kind params.MediaKind
	for i := range codecs {
		path := index(list, i)
		codec := &codecs[i]
		if err := validateCodecParameters(path, codec); err != nil {
			return err
		}
		codecKind, _ := mimeTypeKind("", codec.MimeType) // validated above
		if i == 0 {
			kind = codecKind
			if isRTXMimeType(codec.MimeType) {
				return invalid(field(path, "mimeType"), "is RTX but the first codec must be a media codec")
			}
		} else if codecKind != kind {
			return invalid(field(path, "mimeType"), "%q is %s but codecs[0] is %s", codec.MimeType, codecKind, kind)
		}
		if prev, dup := byPayloadType[codec.PayloadType]; dup {
			return invalid(field(path, "payloadType"), "%d already used by %s", codec.PayloadType, index(list, prev))
		}
		byPayloadType[codec.PayloadType] = i
	}
	// Now that every payload type is known, check what RTX codecs point at.
	for i := range codecs {
		if !isRTXMimeType(codecs[i].MimeType) {
			continue
		}
		apt, _ := codecs[i].Parameters.Int("apt") // validated above
		target, ok := byPayloadType[uint8(apt)]
		if !ok {
			return invalid(field(index(list, i), "parameters.apt"), "%d names no codec in codecs", apt)
		}
		if isRTXMimeType(codecs[target].MimeType) {
			return invalid(field(index(list, i), "parameters.apt"), "%d names RTX codec %s", apt, index(list, target))
		}
	}
	return nil
}

func checkEncodings(root string, encodings []params.RTPEncodingParameters, codecs []params.RTPCodecParameters) error {
	list := field(root, "encodings")
	if len(encodings) > MaxEncodings {
		return invalid(list, "has %d entries, more than %d", len(encodings), MaxEncodings)
	}
	ssrcs := make(map[uint32]string, 2*len(encodings))
	rids := make(map[string]int, len(encodings))
	claimSSRC := func(path string, ssrc uint32) error {
		if prev, dup := ssrcs[ssrc]; dup {
			return invalid(path, "%d already used by %s", ssrc, prev)
		}
		ssrcs[ssrc] = path
		return nil
	}
	for i := range encodings {
		path := index(list, i)
		enc := &encodings[i]
		if err := validateEncoding(path, enc); err != nil {
			return err
		}
		if enc.CodecPayloadType != nil && !hasPayloadType(codecs, *enc.CodecPayloadType) {
			return invalid(field(path, "codecPayloadType"), "%d names no codec in codecs", *enc.CodecPayloadType)
		}
		if enc.SSRC != 0 {
			if err := claimSSRC(field(path, "ssrc"), enc.SSRC); err != nil {
				return err
			}
		}
		if enc.RTX != nil {
			if err := claimSSRC(field(path, "rtx.ssrc"), enc.RTX.SSRC); err != nil {
				return err
			}
		}
		if enc.RID != "" {
			if prev, dup := rids[enc.RID]; dup {
				return invalid(field(path, "rid"), "%q already used by %s", enc.RID, index(list, prev))
			}
			rids[enc.RID] = i
		}
	}
	return nil
}

func hasPayloadType(codecs []params.RTPCodecParameters, pt uint8) bool {
	for i := range codecs {
		if codecs[i].PayloadType == pt {
			return true
		}
	}
	return false
}

// ValidateRTPCodecParameters validates one codec of RTP parameters: a
// mimeType "audio/<subtype>" or "video/<subtype>", a payload type in 0..127
// but not 64..95 (RTCP's, RFC 5761) and, at 0 and 8, only PCMU/8000 and
// PCMA/8000 (pion reads those payload types as these codecs),
// a positive clock rate, string or number parameters (apt a number, and
// present on RTX codecs). Audio codecs get one channel when none is given and
// video codecs lose any channel count, as in mediasoup-client. Nil parameters
// and RTCP feedback become empty.
func ValidateRTPCodecParameters(c *params.RTPCodecParameters) error {
	if c == nil {
		return invalid("codec", "is nil")
	}
	return validateCodecParameters("codec", c)
}

func validateCodecParameters(path string, c *params.RTPCodecParameters) error {
	kind, err := mimeTypeKind(field(path, "mimeType"), c.MimeType)
	if err != nil {
		return err
	}
	if err := checkPayloadType(field(path, "payloadType"), c.PayloadType, c.MimeType, c.ClockRate); err != nil {
		return err
	}
	if err := checkClockRate(field(path, "clockRate"), c.ClockRate); err != nil {
		return err
	}
	channels, err := normalizeChannels(field(path, "channels"), kind, c.Channels)
	if err != nil {
		return err
	}
	c.Channels = channels
	if c.Parameters == nil {
		c.Parameters = params.CodecParameters{}
	}
	if err := checkCodecParameters(field(path, "parameters"), c.Parameters, isRTXMimeType(c.MimeType)); err != nil {
		return err
	}
	if c.RTCPFeedback == nil {
		c.RTCPFeedback = []params.RTCPFeedback{}
	}
	return checkFeedbacks(field(path, "rtcpFeedback"), c.RTCPFeedback)
}

// ValidateRTPHeaderExtensionParameters validates one header extension of RTP
// parameters: a URI pion can parse, an ID in 1..MaxHeaderExtensionID and
// string or number parameters. Nil
// parameters become empty.
func ValidateRTPHeaderExtensionParameters(h *params.RTPHeaderExtensionParameters) error {
	if h == nil {
		return invalid("ext", "is nil")
	}
	return validateHeaderExtensionParameters("ext", h)
}

func validateHeaderExtensionParameters(path string, h *params.RTPHeaderExtensionParameters) error {
	if err := checkURI(field(path, "uri"), h.URI); err != nil {
		return err
	}
	if err := checkHeaderExtensionID(field(path, "id"), h.ID); err != nil {
		return err
	}
	if h.Parameters == nil {
		h.Parameters = params.CodecParameters{}
	}
	return checkParameterValues(field(path, "parameters"), h.Parameters)
}

// ValidateRTPEncodingParameters validates one encoding: an RTX SSRC, when
// RTX is present, that is nonzero and differs from the media SSRC; a RID made
// of letters, digits, '-' and '_'; a known scalabilityMode; a
// scaleResolutionDownBy of at least 1, a maxBitrate and maxFramerate of at
// least 0; a codecPayloadType in 0..127; and known priorities.
func ValidateRTPEncodingParameters(e *params.RTPEncodingParameters) error {
	if e == nil {
		return invalid("encoding", "is nil")
	}
	return validateEncoding("encoding", e)
}

func validateEncoding(path string, e *params.RTPEncodingParameters) error {
	if e.RID != "" {
		if len(e.RID) > maxRIDLength {
			return invalid(field(path, "rid"), "longer than %d bytes", maxRIDLength)
		}
		for _, r := range e.RID {
			if !isAlnum(r) && r != '-' && r != '_' {
				return invalid(field(path, "rid"), "%q may only hold letters, digits, '-' and '_'", e.RID)
			}
		}
	}
	if pt := e.CodecPayloadType; pt != nil && *pt > maxPayloadType {
		return invalid(field(path, "codecPayloadType"), "must be 0..%d, got %d", maxPayloadType, *pt)
	}
	if e.RTX != nil {
		if e.RTX.SSRC == 0 {
			return invalid(field(path, "rtx.ssrc"), "missing")
		}
		if e.RTX.SSRC == e.SSRC {
			return invalid(field(path, "rtx.ssrc"), "%d equals the media ssrc", e.RTX.SSRC)
		}
	}
	if e.ScalabilityMode != "" && !ValidScalabilityMode(e.ScalabilityMode) {
		return invalid(field(path, "scalabilityMode"), "%q is not a known mode such as L1T3 or S3T3", e.ScalabilityMode)
	}
	if s := e.ScaleResolutionDownBy; s != 0 && (math.IsNaN(s) || math.IsInf(s, 0) || s < 1) {
		return invalid(field(path, "scaleResolutionDownBy"), "must be at least 1, got %v", s)
	}
	if e.MaxBitrate < 0 {
		return invalid(field(path, "maxBitrate"), "must not be negative, got %d", e.MaxBitrate)
	}
	if f := e.MaxFramerate; math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return invalid(field(path, "maxFramerate"), "must be a finite number of at least 0, got %v", f)
	}
	if err := checkPriority(field(path, "priority"), e.Priority); err != nil {
		return err
	}
	return checkPriority(field(path, "networkPriority"), e.NetworkPriority)
}

func checkPriority(path, p string) error {
	switch p {
	case "", "very-low", "low", "medium", "high":
		return nil
	}
	return invalid(path, "must be very-low, low, medium or high, got %q", p)
}

// ValidateRTCPParameters validates RTCP parameters and sets reducedSize to
// true when it is unset. A CNAME, when given, is at most MaxCNAMELength
// visible ASCII characters: it goes into a=ssrc lines, and into the msid
// when a consumer has no stream id. Mux is left as it is, as mediasoup-client does.
func ValidateRTCPParameters(r *params.RTCPParameters) error {
	if r == nil {
		return invalid("rtcp", "is nil")
	}
	return validateRTCPParameters("rtcp", r)
}

func validateRTCPParameters(path string, r *params.RTCPParameters) error {
	if err := checkSDPText(field(path, "cname"), r.CNAME, MaxCNAMELength, ""); err != nil {
		return err
	}
	if r.ReducedSize == nil {
		r.ReducedSize = params.Ptr(true)
	}
	return nil
}

// ValidateRTCPFeedback validates one RTCP feedback entry: a type such as
// "nack" or "transport-cc" is mandatory, the parameter optional; neither
// may hold a space.
func ValidateRTCPFeedback(f *params.RTCPFeedback) error {
	if f == nil {
		return invalid("fb", "is nil")
	}
	return validateFeedback("fb", f)
}

func validateFeedback(path string, f *params.RTCPFeedback) error {
	if f.Type == "" {
		return invalid(field(path, "type"), "missing")
	}
	if err := checkSDPToken(field(path, "type"), f.Type, MaxRTCPFeedbackLength); err != nil {
		return err
	}
	return checkSDPText(field(path, "parameter"), f.Parameter, MaxRTCPFeedbackLength, "")
}

func checkFeedbacks(path string, fbs []params.RTCPFeedback) error {
	if len(fbs) > MaxRTCPFeedback {
		return invalid(path, "has %d entries, more than %d", len(fbs), MaxRTCPFeedback)
	}
	for i := range fbs {
		if err := validateFeedback(index(path, i), &fbs[i]); err != nil {
			return err
		}
	}
	return nil
}

// ValidateSCTPCapabilities validates SCTP capabilities: numStreams must be
// valid (see ValidateNumSCTPStreams).
func ValidateSCTPCapabilities(c *params.SCTPCapabilities) error {
	if c == nil {
		return invalid("sctpCapabilities", "is nil")
	}
	return validateNumStreams("numStreams", &c.NumStreams)
}

// ValidateNumSCTPStreams validates a stream count: OS and MIS are both
// mandatory and in 1..65535.
func ValidateNumSCTPStreams(n *params.NumSCTPStreams) error {
	if n == nil {
		return invalid("numStreams", "is nil")
	}
	return validateNumStreams("numStreams", n)
}

func validateNumStreams(path string, n *params.NumSCTPStreams) error {
	if err := checkStreamCount(field(path, "OS"), n.OS); err != nil {
		return err
	}
	return checkStreamCount(field(path, "MIS"), n.MIS)
}

func checkStreamCount(path string, n int) error {
	if n == 0 {
		return invalid(path, "missing")
	}
	if n < 1 || n > maxSCTPStreams {
		return invalid(path, "must be 1..%d, got %d", maxSCTPStreams, n)
	}
	return nil
}

// ValidateSCTPParameters validates the SCTP parameters of a transport, in
// either shape a mediasoup server sends (see params.SCTPParameters). The
// port is mandatory and in 1..65535. In the classic shape OS, MIS and
// maxMessageSize are mandatory; in the new one (maxSendMessageSize or
// maxReceiveMessageSize present) they may be absent. When present, stream
// counts are in 1..65535 and message sizes positive; the data channel limit
// (maxSendMessageSize, else maxMessageSize) must be there. The buffer and
// window figures the server reports must not be negative. Sizes fit in 32
// bits.
func ValidateSCTPParameters(p *params.SCTPParameters) error {
	if p == nil {
		return invalid("sctpParameters", "is nil")
	}
	if p.Port == 0 {
		return invalid("port", "missing")
	}
	if p.Port < 1 || p.Port > 65535 {
		return invalid("port", "must be 1..65535, got %d", p.Port)
	}
	newShape := p.IsNewShape()
	for _, c := range []struct {
		name string
		n    int
	}{{"OS", p.OS}, {"MIS", p.MIS}} {
		if c.n == 0 && newShape {
			continue
		}
		if err := checkStreamCount(c.name, c.n); err != nil {
			return err
		}
	}
	sizes := []struct {
		name     string
		v        *int
		positive bool
	}{
		{"maxMessageSize", nonZero(p.MaxMessageSize), true},
		{"maxSendMessageSize", p.MaxSendMessageSize, true},
		{"maxReceiveMessageSize", p.MaxReceiveMessageSize, true},
		{"sendBufferSize", p.SendBufferSize, false},
		{"perStreamSendQueueLimit", p.PerStreamSendQueueLimit, false},
		{"maxReceiverWindowBufferSize", p.MaxReceiverWindowBufferSize, false},
		{"sctpBufferedAmount", p.SCTPBufferedAmount, false},
		{"totalBufferedAmount", p.TotalBufferedAmount, false},
	}
	for _, sz := range sizes {
		switch {
		case sz.v == nil:
		case sz.positive && *sz.v <= 0:
			return invalid(sz.name, "must be positive, got %d", *sz.v)
		case *sz.v < 0:
			return invalid(sz.name, "must not be negative, got %d", *sz.v)
		case *sz.v > maxSCTPSize:
			return invalid(sz.name, "must be at most %d, got %d", maxSCTPSize, *sz.v)
		}
	}
	if p.DataChannelMaxMessageSize() == 0 {
		if newShape {
			return invalid("maxSendMessageSize", "missing (and no maxMessageSize)")
		}
		return invalid("maxMessageSize", "missing")
	}
	return nil
}

func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// ValidateSCTPStreamParameters validates the parameters of one SCTP stream
// and fills ordered: true unless maxPacketLifeTime or maxRetransmits is set,
// false otherwise. Setting both is an error, and so is ordered true together
// with either. Unlike mediasoup-client, which treats a 0 as unset, a non-nil
// maxPacketLifeTime or maxRetransmits counts as set even when 0, because 0
// retransmissions is a meaningful choice. Stream ID 65535 is reserved.
func ValidateSCTPStreamParameters(p *params.SCTPStreamParameters) error {
	if p == nil {
		return invalid("sctpStreamParameters", "is nil")
	}
	if p.StreamID > maxSCTPStreamID {
		return invalid("streamId", "must be 0..%d, got %d", maxSCTPStreamID, p.StreamID)
	}
	partial := p.MaxPacketLifeTime != nil || p.MaxRetransmits != nil
	if p.MaxPacketLifeTime != nil && p.MaxRetransmits != nil {
		return invalid("maxRetransmits", "cannot be given together with maxPacketLifeTime")
	}
	switch {
	case p.Ordered == nil:
		p.Ordered = params.Ptr(!partial)
	case *p.Ordered && p.MaxPacketLifeTime != nil:
		return invalid("ordered", "cannot be true with maxPacketLifeTime")
	case *p.Ordered && p.MaxRetransmits != nil:
		return invalid("ordered", "cannot be true with maxRetransmits")
	}
	if err := checkDataChannelString("label", p.Label); err != nil {
		return err
	}
	return checkDataChannelString("protocol", p.Protocol)
}

func checkDataChannelString(path, s string) error {
	if len(s) > maxDataChanField {
		return invalid(path, "longer than %d bytes", maxDataChanField)
	}
	if !utf8.ValidString(s) {
		return invalid(path, "is not valid UTF-8")
	}
	return nil
}

// ValidateICEParameters validates remote ICE credentials: usernameFragment
// of 4..256 and password of 22..256 ICE characters (letters, digits, '+' and
// '/'), as RFC 8839 requires.
func ValidateICEParameters(p *params.ICEParameters) error {
	if p == nil {
		return invalid("iceParameters", "is nil")
	}
	if err := checkICEChars("usernameFragment", p.UsernameFragment, 4, 256); err != nil {
		return err
	}
	return checkICEChars("password", p.Password, 22, 256)
}

func checkICEChars(path, s string, minLen, maxLen int) error {
	if s == "" {
		return invalid(path, "missing")
	}
	if len(s) < minLen || len(s) > maxLen {
		return invalid(path, "must be %d..%d characters, got %d", minLen, maxLen, len(s))
	}
	for _, r := range s {
		if !isAlnum(r) && r != '+' && r != '/' {
			return invalid(path, "may only hold letters, digits, '+' and '/'")
		}
	}
	return nil
}

// ValidateICECandidates validates remote ICE candidates. There must be 1 to
// MaxICECandidates, and each needs a foundation, a priority in 1..2^31-1, a
// unicast IPv4 or IPv6 address (in ip or address; when both are given they
// must agree), protocol "udp" or "tcp", a nonzero port and type host,
// srflx, prflx or relay. Host names are refused: pion parses candidate
// addresses as IP literals and fails the whole negotiation on anything else
// (an mDNS ".local" name it would only resolve with multicast DNS on the
// local network, which a server's candidate never needs). A TCP candidate's
// tcpType is active, passive or so; a UDP candidate's tcpType is ignored, as
// mediasoup-client does.
func ValidateICECandidates(candidates []params.ICECandidate) error {
	if len(candidates) == 0 {
		return invalid("iceCandidates", "missing")
	}
	if len(candidates) > MaxICECandidates {
		return invalid("iceCandidates", "has %d entries, more than %d", len(candidates), MaxICECandidates)
	}
	for i := range candidates {
		if err := validateICECandidate(index("iceCandidates", i), &candidates[i]); err != nil {
			return err
		}
	}
	return nil
}

func validateICECandidate(path string, c *params.ICECandidate) error {
	if err := checkICEChars(field(path, "foundation"), c.Foundation, 1, 32); err != nil {
		return err
	}
	if c.Priority == 0 {
		return invalid(field(path, "priority"), "missing")
	}
	if c.Priority > maxICEPriority {
		return invalid(field(path, "priority"), "must be 1..%d, got %d", maxICEPriority, c.Priority)
	}
	if c.IP != "" && c.Address != "" && c.IP != c.Address {
		return invalid(field(path, "address"), "%q disagrees with ip %q", c.Address, c.IP)
	}
	hostPath := field(path, "address")
	if c.Address == "" {
		hostPath = field(path, "ip")
	}
	if err := checkHost(hostPath, c.Host()); err != nil {
		return err
	}
	switch c.Protocol {
	case "udp":
		// tcpType means nothing for UDP and is not written into SDP.
	case "tcp":
		switch c.TCPType {
		case "", "active", "passive", "so":
		default:
			return invalid(field(path, "tcpType"), "must be active, passive or so, got %q", c.TCPType)
		}
	case "":
		return invalid(field(path, "protocol"), "missing")
	default:
		return invalid(field(path, "protocol"), "must be udp or tcp, got %q", c.Protocol)
	}
	if c.Port == 0 {
		return invalid(field(path, "port"), "missing")
	}
	switch c.Type {
	case "host", "srflx", "prflx", "relay":
	case "":
		return invalid(field(path, "type"), "missing")
	default:
		return invalid(field(path, "type"), "must be host, srflx, prflx or relay, got %q", c.Type)
	}
	return nil
}

// checkHost accepts a unicast IPv4 or IPv6 address without zone, written
// as pion's candidate parser (net.ParseIP) reads it.
func checkHost(path, host string) error {
	if host == "" {
		return invalid(path, "missing")
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || net.ParseIP(host) == nil {
		if strings.HasSuffix(strings.ToLower(host), ".local") {
			return invalid(path, "%q is an mDNS name; only IP addresses are accepted", host)
		}
		return invalid(path, "%q is not an IP address (host names are not accepted)", host)
	}
	if addr.Zone() != "" || addr.IsUnspecified() || addr.IsMulticast() {
		return invalid(path, "%q is not a usable unicast address", host)
	}
	return nil
}

// fingerprintSizes maps the hash functions mediasoup uses to digest lengths.
var fingerprintSizes = map[string]int{
	"sha-1":   20,
	"sha-224": 28,
	"sha-256": 32,
	"sha-384": 48,
	"sha-512": 64,
}

// ValidateDTLSParameters validates DTLS parameters: a role of auto, client,
// server or empty, and 1 to MaxFingerprints fingerprints, each with a known algorithm
// (sha-1, sha-224, sha-256, sha-384, sha-512; case-insensitive) and a value
// of colon-separated hex bytes as long as that algorithm's digest.
func ValidateDTLSParameters(p *params.DTLSParameters) error {
	if p == nil {
		return invalid("dtlsParameters", "is nil")
	}
	switch p.Role {
	case "", params.DTLSRoleAuto, params.DTLSRoleClient, params.DTLSRoleServer:
	default:
		return invalid("role", "must be auto, client or server, got %q", p.Role)
	}
	if len(p.Fingerprints) == 0 {
		return invalid("fingerprints", "missing")
	}
	if len(p.Fingerprints) > MaxFingerprints {
		return invalid("fingerprints", "has %d entries, more than %d", len(p.Fingerprints), MaxFingerprints)
	}
	for i := range p.Fingerprints {
		path := index("fingerprints", i)
		fp := &p.Fingerprints[i]
		if fp.Algorithm == "" {
			return invalid(field(path, "algorithm"), "missing")
		}
		size, ok := fingerprintSizes[strings.ToLower(fp.Algorithm)]
		if !ok {
			return invalid(field(path, "algorithm"), "%q is not sha-1, sha-224, sha-256, sha-384 or sha-512", fp.Algorithm)
		}
		if err := checkFingerprintValue(field(path, "value"), fp.Value, size); err != nil {
			return err
		}
	}
	return nil
}

func checkFingerprintValue(path, value string, size int) error {
	if value == "" {
		return invalid(path, "missing")
	}
	// size bytes take two hex digits each plus a colon between them.
	if len(value) != 3*size-1 {
		return invalid(path, "must be %d colon-separated hex bytes", size)
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if i%3 == 2 {
			if c != ':' {
				return invalid(path, "must be colon-separated hex bytes (\"AB:CD:...\")")
			}
		} else if !isHexDigit(c) {
			return invalid(path, "holds non-hex character %q", c)
		}
	}
	return nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// mimeTypeKind checks that mimeType is "audio/<subtype>" or
// "video/<subtype>" (type case-insensitive, as mediasoup-client matches it)
// and returns its kind.
func mimeTypeKind(path, mimeType string) (params.MediaKind, error) {
	if mimeType == "" {
		return "", invalid(path, "missing")
	}
	if len(mimeType) > MaxMimeTypeLength {
		return "", invalid(path, "longer than %d bytes", MaxMimeTypeLength)
	}
	typ, subtype, ok := strings.Cut(mimeType, "/")
	var kind params.MediaKind
	switch {
	case !ok:
	case strings.EqualFold(typ, "audio"):
		kind = params.MediaKindAudio
	case strings.EqualFold(typ, "video"):
		kind = params.MediaKindVideo
	}
	if kind == "" {
		return "", invalid(path, "%q is not audio/<codec> or video/<codec>", mimeType)
	}
	if subtype == "" {
		return "", invalid(path, "%q has no codec name", mimeType)
	}
	for _, r := range subtype {
		if !isAlnum(r) && !strings.ContainsRune("!#$&-^_.+", r) {
			return "", invalid(path, "%q holds %q, not allowed in a codec name", mimeType, r)
		}
	}
	return kind, nil
}

// staticPayloadTypes are the payload types pion/sdp reads as fixed codecs
// whatever the rtpmap line says (its codec map starts with them).
var staticPayloadTypes = map[uint8]struct {
	mimeType  string
	clockRate int
}{
	0: {"audio/PCMU", 8000},
	8: {"audio/PCMA", 8000},
}

// checkPayloadType requires a payload type in 0..127, outside 64..95, and
// for 0 and 8 the static codec pion assumes there.
//
// RFC 5761 keeps 64..95 out of RTP when RTP and RTCP share a port (always,
// with BUNDLE): with the marker bit set, the second byte of such a packet
// reads as an RTCP packet type, and pion's demultiplexer hands it to RTCP.
// mediasoup allocates dynamic payload types in 96..127.
func checkPayloadType(path string, pt uint8, mimeType string, clockRate int) error {
	if pt > maxPayloadType {
		return invalid(path, "must be 0..%d, got %d", maxPayloadType, pt)
	}
	if pt >= 64 && pt <= 95 {
		return invalid(path, "%d is in 64..95, which RTCP multiplexing forbids (RFC 5761)", pt)
	}
	if static, ok := staticPayloadTypes[pt]; ok && (!strings.EqualFold(mimeType, static.mimeType) || clockRate != static.clockRate) {
		return invalid(path, "%d is reserved for %s/%d, got %s/%d", pt, static.mimeType, static.clockRate, mimeType, clockRate)
	}
	return nil
}

func isRTXMimeType(mimeType string) bool {
	_, subtype, _ := strings.Cut(mimeType, "/")
	return strings.EqualFold(subtype, "rtx")
}

func checkClockRate(path string, rate int) error {
	if rate == 0 {
		return invalid(path, "missing")
	}
	if rate < 0 || rate > maxClockRate {
		return invalid(path, "must be 1..%d, got %d", maxClockRate, rate)
	}
	return nil
}

// normalizeChannels applies mediasoup-client's rule: audio defaults to one
// channel, video has none.
func normalizeChannels(path string, kind params.MediaKind, channels *int) (*int, error) {
	if kind != params.MediaKindAudio {
		return nil, nil
	}
	if channels == nil {
		return params.Ptr(1), nil
	}
	if *channels < 1 || *channels > maxChannels {
		return nil, invalid(path, "must be 1..%d, got %d", maxChannels, *channels)
	}
	return channels, nil
}

func checkHeaderExtensionID(path string, id int) error {
	if id == 0 {
		return invalid(path, "missing")
	}
	if id < 1 || id > MaxHeaderExtensionID {
		return invalid(path, "must be 1..%d (what pion parses), got %d", MaxHeaderExtensionID, id)
	}
	return nil
}

// checkCodecParameters checks the values and, for the apt parameter, what
// mediasoup-client checks: it must be a number. RTX codecs must carry one.
// pion reads fmtp keys case-insensitively and fails the negotiation on an
// apt it cannot parse, so a key such as "APT" is held to the same rule.
func checkCodecParameters(path string, p params.CodecParameters, rtx bool) error {
	if err := checkParameterValues(path, p); err != nil {
		return err
	}
	if _, ok := p["apt"]; !ok && rtx {
		return invalid(field(path, "apt"), "missing on an RTX codec")
	}
	for key, v := range p {
		if !strings.EqualFold(key, "apt") {
			continue
		}
		apt, isInt := p.Int(key)
		if _, isString := v.(string); isString || !isInt {
			return invalid(field(path, key), "must be an integer payload type, got %v", v)
		}
		if apt < 0 || apt > maxPayloadType {
			return invalid(field(path, key), "must be 0..%d, got %d", maxPayloadType, apt)
		}
	}
	return nil
}

// checkParameterValues requires every value to be a string or a finite
// number, and keys and values that can be written into an SDP fmtp line
// ("a=fmtp:<pt> k=v;k=v") the way pion splits it: keys are SDP tokens
// (no '=' or ';'), unique regardless of case (pion lowercases them), and
// string values are visible ASCII without ';'. At most MaxCodecParameters
// entries.
func checkParameterValues(path string, p params.CodecParameters) error {
	if len(p) > MaxCodecParameters {
		return invalid(path, "has %d entries, more than %d", len(p), MaxCodecParameters)
	}
	keys := make([]string, 0, len(p))
	for key := range p {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	lower := make(map[string]string, len(p))
	for _, key := range keys {
		v := p[key]
		if err := checkSDPToken(path+" key", key, MaxSDPTokenLength); err != nil {
			return err
		}
		if prev, dup := lower[strings.ToLower(key)]; dup {
			return invalid(path, "has keys %q and %q, which SDP does not tell apart", prev, key)
		}
		lower[strings.ToLower(key)] = key
		vpath := field(path, key)
		if !params.IsNumberOrString(v) {
			return invalid(vpath, "must be a string or a number, got %T", v)
		}
		switch t := v.(type) {
		case string:
			if err := checkSDPText(vpath, t, MaxParameterValueLength, ";"); err != nil {
				return err
			}
		case float64:
			if math.IsNaN(t) || math.IsInf(t, 0) {
				return invalid(vpath, "must be a finite number, got %v", t)
			}
		case float32:
			if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
				return invalid(vpath, "must be a finite number, got %v", t)
			}
		case json.Number:
			// ParseFloat takes "NaN", "Inf" and hex floats, which JSON
			// does not; let the encoder judge the literal.
			if _, err := json.Marshal(t); err != nil {
				return invalid(vpath, "must be a JSON number, got %q", string(t))
			}
		}
	}
	return nil
}
