// Package sdp builds the remote session description that a mediasoup
// transport never sends: an offer (receive transports) or an answer (send
// transports) assembled from the transport's ICE, DTLS and SCTP parameters
// and from each producer's or consumer's RTP parameters. Each media section
// is rendered once and cached, so a renegotiation only renders what changed.
package sdp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Role tells whether the remote description is an offer or an answer.
type Role int

// Roles of the remote description.
const (
	// RoleOffer: the server offers (receive transports).
	RoleOffer Role = iota
	// RoleAnswer: the server answers the local offer (send transports).
	RoleAnswer
)

// RemoteSDP is the server's side of one transport's session.
type RemoteSDP struct {
	role       Role
	ice        params.ICEParameters
	candidates []params.ICECandidate
	dtls       params.DTLSParameters
	sctp       *params.SCTPParameters
	// setup is the a=setup value of the remote side.
	setup string

	sections []*section
	byMID    map[string]int
	version  uint64
	session  string
}

type section struct {
	mid  string
	text string
}

// New returns an empty remote description for a transport.
func New(role Role, ice params.ICEParameters, candidates []params.ICECandidate, dtls params.DTLSParameters, sctp *params.SCTPParameters) *RemoteSDP {
	r := &RemoteSDP{
		role:       role,
		ice:        ice,
		candidates: append([]params.ICECandidate(nil), candidates...),
		dtls:       dtls,
		sctp:       sctp,
		byMID:      map[string]int{},
	}
	if role == RoleOffer {
		r.setup = "actpass"
	} else {
		// The local side is the DTLS client: the server is passive.
		r.setup = "passive"
	}
	return r
}

// UpdateICEParameters replaces the ICE credentials (after an ICE restart).
func (r *RemoteSDP) UpdateICEParameters(ice params.ICEParameters) {
	r.ice = ice
	r.session = ""
}

// ICEParameters returns the current ICE credentials.
func (r *RemoteSDP) ICEParameters() params.ICEParameters { return r.ice }

// HasMID reports whether a section with the mid exists.
func (r *RemoteSDP) HasMID(mid string) bool {
	_, ok := r.byMID[mid]
	return ok
}

// Len returns the number of media sections.
func (r *RemoteSDP) Len() int { return len(r.sections) }

// set adds the section at the end or replaces the one with the same mid.
func (r *RemoteSDP) set(mid, text string) {
	if i, ok := r.byMID[mid]; ok {
		r.sections[i].text = text
		return
	}
	r.byMID[mid] = len(r.sections)
	r.sections = append(r.sections, &section{mid: mid, text: text})
	r.session = ""
}

// Remove drops a section that was added but never applied (a failed
// negotiation). Only the last sections can be removed without reordering.
func (r *RemoteSDP) Remove(mid string) {
	i, ok := r.byMID[mid]
	if !ok {
		return
	}
	r.sections = append(r.sections[:i], r.sections[i+1:]...)
	delete(r.byMID, mid)
	for j := i; j < len(r.sections); j++ {
		r.byMID[r.sections[j].mid] = j
	}
	r.session = ""
}

// Text returns the whole description.
func (r *RemoteSDP) Text() string {
	r.version++
	if r.session == "" {
		r.session = r.renderSession()
	}
	var b strings.Builder
	size := 128 + len(r.session)
	for _, s := range r.sections {
		size += len(s.text)
	}
	b.Grow(size)
	b.WriteString("v=0\r\no=mediasoup-client-go 10000 ")
	b.WriteString(strconv.FormatUint(r.version, 10))
	b.WriteString(" IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	b.WriteString(r.session)
	for _, s := range r.sections {
		b.WriteString(s.text)
	}
	return b.String()
}

func (r *RemoteSDP) renderSession() string {
	var b strings.Builder
	if r.ice.ICELite {
		b.WriteString("a=ice-lite\r\n")
	}
	fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", r.ice.UsernameFragment, r.ice.Password)
	// One fingerprint: the strongest the server offers that pion verifies.
	if fp, ok := pickFingerprint(r.dtls.Fingerprints); ok {
		fmt.Fprintf(&b, "a=fingerprint:%s %s\r\n", fp.Algorithm, fp.Value)
	}
	b.WriteString("a=msid-semantic: WMS *\r\n")
	if len(r.sections) > 0 {
		b.WriteString("a=group:BUNDLE")
		for _, s := range r.sections {
			b.WriteString(" ")
			b.WriteString(s.mid)
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

func pickFingerprint(fps []params.DTLSFingerprint) (params.DTLSFingerprint, bool) {
	order := map[string]int{"sha-256": 0, "sha-384": 1, "sha-512": 2, "sha-1": 3}
	best, bestRank := params.DTLSFingerprint{}, 100
	for _, fp := range fps {
		rank, ok := order[strings.ToLower(fp.Algorithm)]
		if !ok {
			rank = 50
		}
		if rank < bestRank {
			best, bestRank = fp, rank
		}
	}
	return best, bestRank < 100
}

// transportLines writes the per-section transport attributes. Candidates go
// into the first section only: with BUNDLE the peer reads them once.
func (r *RemoteSDP) transportLines(b *strings.Builder, first bool) {
	if first {
		for _, c := range r.candidates {
			proto := strings.ToLower(c.Protocol)
			fmt.Fprintf(b, "a=candidate:%s 1 %s %d %s %d typ %s", c.Foundation, proto, c.Priority, c.Host(), c.Port, c.Type)
			if proto == "tcp" {
				tcpType := c.TCPType
				if tcpType == "" {
					tcpType = "passive"
				}
				fmt.Fprintf(b, " tcptype %s", tcpType)
			}
			b.WriteString("\r\n")
		}
		b.WriteString("a=end-of-candidates\r\n")
	}
	b.WriteString("a=setup:")
	b.WriteString(r.setup)
	b.WriteString("\r\n")
}

// MediaOptions describe one media section of the remote description.
type MediaOptions struct {
	// MID of the section.
	MID string
	// Kind of media.
	Kind params.MediaKind
	// RTPParameters the server sends (offer) or receives (answer).
	RTPParameters params.RTPParameters
	// StreamID and TrackID form the msid of a received track.
	StreamID, TrackID string
	// Simulcast RIDs the server receives (answer), in layer order.
	RIDs []string
	// Extra codec parameters written into the answer's fmtp (codec options).
	ExtraFmtp map[uint8]params.CodecParameters
	// NoSources makes an offered section that announces no stream (a
	// closed consumer's, kept for reuse): no msid and ssrc lines, and
	// a=recvonly, on which pion turns its transceiver inactive without
	// stopping it (an a=inactive section stops it on every round).
	NoSources bool
}

// SetMedia adds or replaces an active media section. In an offer the server
// sends; in an answer it receives.
func (r *RemoteSDP) SetMedia(o MediaOptions) {
	first := len(r.sections) == 0 || r.sections[0].mid == o.MID
	r.set(o.MID, r.renderMedia(o, first))
}

// Disable turns a section inactive (its producer or consumer closed); the
// section stays so that its mid can be reused.
func (r *RemoteSDP) Disable(mid string, kind params.MediaKind) {
	i, ok := r.byMID[mid]
	if !ok {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "m=%s 7 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n", kind)
	r.transportLines(&b, i == 0)
	fmt.Fprintf(&b, "a=mid:%s\r\na=inactive\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", mid)
	if kind == params.MediaKindAudio {
		b.WriteString("a=rtpmap:0 PCMU/8000\r\n")
	} else {
		b.WriteString("a=rtpmap:0 VP8/90000\r\n")
	}
	r.sections[i].text = b.String()
}

func (r *RemoteSDP) renderMedia(o MediaOptions, first bool) string {
	var b strings.Builder
	b.Grow(1024)
	p := o.RTPParameters
	b.WriteString("m=")
	b.WriteString(string(o.Kind))
	b.WriteString(" 7 UDP/TLS/RTP/SAVPF")
	for _, c := range p.Codecs {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(int(c.PayloadType)))
	}
	b.WriteString("\r\nc=IN IP4 127.0.0.1\r\n")
	r.transportLines(&b, first)
	b.WriteString("a=mid:")
	b.WriteString(o.MID)
	b.WriteString("\r\n")
	if r.role == RoleOffer && o.NoSources {
		b.WriteString("a=recvonly\r\n")
	} else if r.role == RoleOffer {
		b.WriteString("a=sendonly\r\n")
	} else {
		b.WriteString("a=recvonly\r\n")
	}
	for _, c := range p.Codecs {
		writeCodec(&b, c, o.ExtraFmtp[c.PayloadType])
	}
	for _, h := range p.HeaderExtensions {
		fmt.Fprintf(&b, "a=extmap:%d %s\r\n", h.ID, h.URI)
	}
	b.WriteString("a=rtcp-mux\r\n")
	if p.RTCP.ReducedSize == nil || *p.RTCP.ReducedSize {
		b.WriteString("a=rtcp-rsize\r\n")
	}
	if r.role == RoleOffer {
		if !o.NoSources {
			writeSources(&b, o)
		}
	} else if len(o.RIDs) > 1 {
		for _, rid := range o.RIDs {
			fmt.Fprintf(&b, "a=rid:%s recv\r\n", rid)
		}
		b.WriteString("a=simulcast:recv ")
		b.WriteString(strings.Join(o.RIDs, ";"))
		b.WriteString("\r\n")
	}
	return b.String()
}

func writeCodec(b *strings.Builder, c params.RTPCodecParameters, extra params.CodecParameters) {
	name := c.MimeType
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	pt := strconv.Itoa(int(c.PayloadType))
	b.WriteString("a=rtpmap:")
	b.WriteString(pt)
	b.WriteString(" ")
	b.WriteString(name)
	b.WriteString("/")
	b.WriteString(strconv.Itoa(c.ClockRate))
	if c.Channels != nil && *c.Channels > 1 {
		b.WriteString("/")
		b.WriteString(strconv.Itoa(*c.Channels))
	}
	b.WriteString("\r\n")
	for _, fb := range c.RTCPFeedback {
		b.WriteString("a=rtcp-fb:")
		b.WriteString(pt)
		b.WriteString(" ")
		b.WriteString(fb.Type)
		if fb.Parameter != "" {
			b.WriteString(" ")
			b.WriteString(fb.Parameter)
		}
		b.WriteString("\r\n")
	}
	merged := c.Parameters
	if len(extra) > 0 {
		merged = c.Parameters.Clone()
		if merged == nil {
			merged = params.CodecParameters{}
		}
		for k, v := range extra {
			merged[k] = v
		}
	}
	if fmtp := merged.Fmtp(); fmtp != "" {
		b.WriteString("a=fmtp:")
		b.WriteString(pt)
		b.WriteString(" ")
		b.WriteString(fmtp)
		b.WriteString("\r\n")
	}
}

func writeSources(b *strings.Builder, o MediaOptions) {
	cname := o.RTPParameters.RTCP.CNAME
	if cname == "" {
		cname = "mediasoup"
	}
	msid := o.StreamID + " " + o.TrackID
	b.WriteString("a=msid:")
	b.WriteString(msid)
	b.WriteString("\r\n")
	for _, e := range o.RTPParameters.Encodings {
		if e.SSRC == 0 {
			continue
		}
		ssrc := strconv.FormatUint(uint64(e.SSRC), 10)
		fmt.Fprintf(b, "a=ssrc:%s cname:%s\r\na=ssrc:%s msid:%s\r\n", ssrc, cname, ssrc, msid)
		if e.RTX != nil && e.RTX.SSRC != 0 {
			rtx := strconv.FormatUint(uint64(e.RTX.SSRC), 10)
			fmt.Fprintf(b, "a=ssrc:%s cname:%s\r\na=ssrc:%s msid:%s\r\na=ssrc-group:FID %s %s\r\n", rtx, cname, rtx, msid, ssrc, rtx)
		}
	}
}

// SetApplication adds or replaces the SCTP (data channel) section.
func (r *RemoteSDP) SetApplication(mid string) {
	first := len(r.sections) == 0 || r.sections[0].mid == mid
	var b strings.Builder
	b.WriteString("m=application 7 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\n")
	r.transportLines(&b, first)
	fmt.Fprintf(&b, "a=mid:%s\r\n", mid)
	port, maxSize := 5000, 262144
	if r.sctp != nil {
		port = r.sctp.Port
		// a=max-message-size is what the server receives: the new shape's
		// maxReceiveMessageSize, the classic shape's maxMessageSize.
		switch {
		case r.sctp.MaxReceiveMessageSize != nil && *r.sctp.MaxReceiveMessageSize > 0:
			maxSize = *r.sctp.MaxReceiveMessageSize
		case r.sctp.MaxMessageSize > 0:
			maxSize = r.sctp.MaxMessageSize
		}
	}
	fmt.Fprintf(&b, "a=sctp-port:%d\r\na=max-message-size:%d\r\n", port, maxSize)
	r.set(mid, b.String())
}
