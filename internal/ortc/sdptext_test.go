package ortc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Each case pairs a value pion cannot take with the boundary value it can:
// err names what must be rejected (empty: must be accepted).
type sdpCase struct {
	name  string
	err   error
	field string // empty: the value must be accepted
}

func runSDPCases(t *testing.T, cases []sdpCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.field == "" {
				if tc.err != nil {
					t.Fatalf("rejected: %v", tc.err)
				}
				return
			}
			requireInvalid(t, tc.err, tc.field)
		})
	}
}

func rtpWith(t *testing.T, mutate func(p *params.RTPParameters)) error {
	p := videoRTPParameters(t)
	mutate(p)
	return ValidateRTPParameters(p)
}

func TestRTPParametersPionLimits(t *testing.T) {
	type P = params.RTPParameters
	// Payload types a codec may use: not 0 and 8 (pion's PCMU and PCMA),
	// not 64..95 (RTCP's range).
	var usable []uint8
	for pt := uint8(0); pt <= 127; pt++ {
		if pt != 0 && pt != 8 && (pt < 64 || pt > 95) {
			usable = append(usable, pt)
		}
	}
	codecs := func(n int) func(p *P) {
		return func(p *P) {
			p.Codecs = p.Codecs[:0]
			for i := 0; i < n; i++ {
				p.Codecs = append(p.Codecs, params.RTPCodecParameters{MimeType: "video/VP8", PayloadType: usable[i%len(usable)], ClockRate: 90000})
			}
			p.Encodings = nil
		}
	}
	pt := func(pt uint8, mime string, rate int) func(p *P) {
		return func(p *P) {
			p.Codecs = []params.RTPCodecParameters{{MimeType: mime, PayloadType: pt, ClockRate: rate}}
			p.Encodings = nil
		}
	}
	encodings := func(n int) func(p *P) {
		return func(p *P) {
			p.Encodings = nil
			for i := 0; i < n; i++ {
				p.Encodings = append(p.Encodings, params.RTPEncodingParameters{SSRC: uint32(1000 + i)})
			}
		}
	}
	extensions := func(n int) func(p *P) {
		return func(p *P) {
			p.HeaderExtensions = nil
			for i := 0; i < n; i++ {
				p.HeaderExtensions = append(p.HeaderExtensions, params.RTPHeaderExtensionParameters{URI: fmt.Sprintf("urn:x:%d", i), ID: i + 1})
			}
		}
	}
	feedback := func(n int) func(p *P) {
		return func(p *P) {
			p.Codecs[0].RTCPFeedback = nil
			for i := 0; i < n; i++ {
				p.Codecs[0].RTCPFeedback = append(p.Codecs[0].RTCPFeedback, params.RTCPFeedback{Type: "nack"})
			}
		}
	}
	codecParams := func(n int) func(p *P) {
		return func(p *P) {
			p.Codecs[0].Parameters = params.CodecParameters{}
			for i := 0; i < n; i++ {
				p.Codecs[0].Parameters[fmt.Sprintf("k%d", i)] = i
			}
		}
	}
	set := func(key string, v any) func(p *P) {
		return func(p *P) { p.Codecs[0].Parameters[key] = v }
	}
	runSDPCases(t, []sdpCase{
		// Header extension ids: pion/sdp's ExtMap.Unmarshal takes 1..246.
		{"extension id 246", rtpWith(t, func(p *P) { p.HeaderExtensions[1].ID = 246 }), ""},
		{"extension id 247", rtpWith(t, func(p *P) { p.HeaderExtensions[1].ID = 247 }), "headerExtensions[1].id"},
		{"extension id 255", rtpWith(t, func(p *P) { p.HeaderExtensions[1].ID = 255 }), "headerExtensions[1].id"},
		{"extension id 1", rtpWith(t, func(p *P) { p.HeaderExtensions[0].ID, p.HeaderExtensions[1].ID = 2, 1 }), ""},
		{"uri pion's url parser rejects", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "http://[::1" }), "headerExtensions[0].uri"},
		{"uri with bad escape", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "http://x/%zz" }), "headerExtensions[0].uri"},
		{"uri with a tab", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "urn:a\tb" }), "headerExtensions[0].uri"},
		{"uri with non-ASCII", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "urn:é" }), "headerExtensions[0].uri"},
		{"uri of 1024 bytes", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "urn:" + strings.Repeat("x", 1020) }), ""},
		{"uri of 1025 bytes", rtpWith(t, func(p *P) { p.HeaderExtensions[0].URI = "urn:" + strings.Repeat("x", 1021) }), "headerExtensions[0].uri"},
		// mid: one SDP token.
		{"mid injecting a line", rtpWith(t, func(p *P) { p.MID = "s\r\na=x:y" }), "mid"},
		{"mid with a space", rtpWith(t, func(p *P) { p.MID = "a b" }), "mid"},
		{"mid with a separator", rtpWith(t, func(p *P) { p.MID = "a/b" }), "mid"},
		{"mid of 255 bytes", rtpWith(t, func(p *P) { p.MID = strings.Repeat("m", 255) }), ""},
		{"mid of 256 bytes", rtpWith(t, func(p *P) { p.MID = strings.Repeat("m", 256) }), "mid"},
		// CNAME: visible ASCII (browsers' CNAMEs hold '/', '+' and '=').
		{"browser cname", rtpWith(t, func(p *P) { p.RTCP.CNAME = "dyTTJvzX/ePRk+Yi==" }), ""},
		{"cname injecting a line", rtpWith(t, func(p *P) { p.RTCP.CNAME = "s\r\na=x:y" }), "rtcp.cname"},
		{"cname with a space", rtpWith(t, func(p *P) { p.RTCP.CNAME = "a b" }), "rtcp.cname"},
		{"cname with non-ASCII", rtpWith(t, func(p *P) { p.RTCP.CNAME = "caf\u00e9" }), "rtcp.cname"},
		{"cname of 255 bytes", rtpWith(t, func(p *P) { p.RTCP.CNAME = strings.Repeat("c", 255) }), ""},
		{"cname of 256 bytes", rtpWith(t, func(p *P) { p.RTCP.CNAME = strings.Repeat("c", 256) }), "rtcp.cname"},
		// fmtp: pion splits "a=fmtp:<pt> <params>" on spaces and the
		// parameters on ';'.
		{"parameter value with a space", rtpWith(t, set("x", "a b")), "codecs[0].parameters.x"},
		{"parameter value injecting a parameter", rtpWith(t, set("x", "1;apt=x")), "codecs[0].parameters.x"},
		{"parameter value injecting a line", rtpWith(t, set("x", "1\r\na=x:y")), "codecs[0].parameters.x"},
		{"parameter value with '=' and ','", rtpWith(t, set("sprop-parameter-sets", "Z0IACpZTBYmI,aMljiA==")), ""},
		{"empty parameter value", rtpWith(t, set("x", "")), ""},
		{"parameter value of 4096 bytes", rtpWith(t, set("x", strings.Repeat("v", 4096))), ""},
		{"parameter value of 4097 bytes", rtpWith(t, set("x", strings.Repeat("v", 4097))), "codecs[0].parameters.x"},
		{"parameter key with a space", rtpWith(t, set("a b", 1)), "codecs[0].parameters"},
		{"parameter key with ';'", rtpWith(t, set("a;b", 1)), "codecs[0].parameters"},
		{"parameter key with ':'", rtpWith(t, set("a:b", 1)), "codecs[0].parameters"},
		{"APT that pion cannot parse", rtpWith(t, set("APT", "x")), "codecs[0].parameters.APT"},
		{"Apt above 127", rtpWith(t, set("Apt", 300)), "codecs[0].parameters.Apt"},
		{"apt twice in different case", rtpWith(t, func(p *P) { p.Codecs[1].Parameters["APT"] = 101 }), "codecs[1].parameters"},
		{"keys equal but for case", rtpWith(t, func(p *P) { p.Codecs[0].Parameters["Profile-Id"], p.Codecs[0].Parameters["profile-id"] = 0, 0 }), "codecs[0].parameters"},
		// RTCP feedback: pion splits "<type> <parameter>" on spaces.
		{"feedback parameter with a space", rtpWith(t, func(p *P) { p.Codecs[0].RTCPFeedback[1].Parameter = "pli x" }), "codecs[0].rtcpFeedback[1].parameter"},
		{"feedback type with a separator", rtpWith(t, func(p *P) { p.Codecs[0].RTCPFeedback[1].Type = "nack:x" }), "codecs[0].rtcpFeedback[1].type"},
		{"feedback type of 64 bytes", rtpWith(t, func(p *P) { p.Codecs[0].RTCPFeedback[1].Type = strings.Repeat("t", 64) }), ""},
		{"feedback type of 65 bytes", rtpWith(t, func(p *P) { p.Codecs[0].RTCPFeedback[1].Type = strings.Repeat("t", 65) }), "codecs[0].rtcpFeedback[1].type"},
		// rtpmap: pion parses the clock rate as a uint32.
		{"clock rate 2^32-1", rtpWith(t, func(p *P) { p.Codecs[0].ClockRate, p.Codecs[1].ClockRate = 1<<32-1, 1<<32-1 }), ""},
		{"clock rate 2^32", rtpWith(t, func(p *P) { p.Codecs[0].ClockRate = 1 << 32 }), "codecs[0].clockRate"},
		{"mime type of 255 bytes", rtpWith(t, func(p *P) { p.Codecs[0].MimeType = "video/" + strings.Repeat("V", 249) }), ""},
		{"mime type of 256 bytes", rtpWith(t, func(p *P) { p.Codecs[0].MimeType = "video/" + strings.Repeat("V", 250) }), "codecs[0].mimeType"},
		// Counts.
		{"every usable payload type", rtpWith(t, codecs(len(usable))), ""},
		// pion reads payload types 0 and 8 as PCMU and PCMA whatever the
		// rtpmap says; 64..95 collide with RTCP packet types.
		{"PCMU at 0", rtpWith(t, pt(0, "audio/PCMU", 8000)), ""},
		{"PCMA at 8", rtpWith(t, pt(8, "audio/pcma", 8000)), ""},
		{"opus at 0", rtpWith(t, pt(0, "audio/opus", 48000)), "codecs[0].payloadType"},
		{"PCMU at 0 with another clock rate", rtpWith(t, pt(0, "audio/PCMU", 16000)), "codecs[0].payloadType"},
		{"VP8 at 8", rtpWith(t, pt(8, "video/VP8", 90000)), "codecs[0].payloadType"},
		{"G722 at 9", rtpWith(t, pt(9, "audio/G722", 8000)), ""},
		{"payload type 63", rtpWith(t, pt(63, "video/VP8", 90000)), ""},
		{"payload type 64", rtpWith(t, pt(64, "video/VP8", 90000)), "codecs[0].payloadType"},
		{"payload type 72", rtpWith(t, pt(72, "video/VP8", 90000)), "codecs[0].payloadType"},
		{"payload type 95", rtpWith(t, pt(95, "video/VP8", 90000)), "codecs[0].payloadType"},
		{"payload type 96", rtpWith(t, pt(96, "video/VP8", 90000)), ""},
		{"129 codecs", rtpWith(t, codecs(129)), "codecs"},
		{"16 encodings", rtpWith(t, encodings(16)), ""},
		{"17 encodings", rtpWith(t, encodings(17)), "encodings"},
		{"10000 encodings", rtpWith(t, encodings(10000)), "encodings"},
		{"64 header extensions", rtpWith(t, extensions(64)), ""},
		{"65 header extensions", rtpWith(t, extensions(65)), "headerExtensions"},
		{"32 feedback entries", rtpWith(t, feedback(32)), ""},
		{"33 feedback entries", rtpWith(t, feedback(33)), "codecs[0].rtcpFeedback"},
		{"64 codec parameters", rtpWith(t, codecParams(64)), ""},
		{"65 codec parameters", rtpWith(t, codecParams(65)), "codecs[0].parameters"},
	})

	audio := func(mutate func(p *P)) error {
		p := audioRTPParameters(t)
		mutate(p)
		return ValidateRTPParameters(p)
	}
	runSDPCases(t, []sdpCase{
		{"255 channels", audio(func(p *P) { p.Codecs[0].Channels = params.Ptr(255) }), ""},
		{"256 channels", audio(func(p *P) { p.Codecs[0].Channels = params.Ptr(256) }), "codecs[0].channels"},
	})
}

func TestRTPCapabilitiesPionLimits(t *testing.T) {
	caps := func(mutate func(c *params.RTPCapabilities)) error {
		c := routerCaps(t)
		mutate(c)
		return ValidateRTPCapabilities(c)
	}
	many := func(n int) func(c *params.RTPCapabilities) {
		return func(c *params.RTPCapabilities) {
			for len(c.Codecs) < n {
				c.Codecs = append(c.Codecs, params.RTPCodecCapability{MimeType: "audio/PCMU", ClockRate: 8000})
			}
		}
	}
	exts := func(n int) func(c *params.RTPCapabilities) {
		return func(c *params.RTPCapabilities) {
			c.HeaderExtensions = nil
			for i := 0; i < n; i++ {
				c.HeaderExtensions = append(c.HeaderExtensions, params.RTPHeaderExtension{Kind: params.MediaKindAudio, URI: "urn:x", PreferredID: i + 1})
			}
		}
	}
	runSDPCases(t, []sdpCase{
		{"128 codecs", caps(many(128)), ""},
		{"129 codecs", caps(many(129)), "codecs"},
		{"64 header extensions", caps(exts(64)), ""},
		{"65 header extensions", caps(exts(65)), "headerExtensions"},
		{"uri net/url rejects", caps(func(c *params.RTPCapabilities) { c.HeaderExtensions[0].URI = "http://[::1" }), "headerExtensions[0].uri"},
		{"preferred payload type 96", caps(func(c *params.RTPCapabilities) { c.Codecs[0].PreferredPayloadType = params.Ptr[uint8](96) }), ""},
		{"preferred payload type 77", caps(func(c *params.RTPCapabilities) { c.Codecs[0].PreferredPayloadType = params.Ptr[uint8](77) }), "codecs[0].preferredPayloadType"},
		{"opus preferring 0", caps(func(c *params.RTPCapabilities) { c.Codecs[0].PreferredPayloadType = params.Ptr[uint8](0) }), "codecs[0].preferredPayloadType"},
	})
}

func TestSDPTokensAndMSID(t *testing.T) {
	runSDPCases(t, []sdpCase{
		{"token", ValidateSDPToken("mid", "0"), ""},
		{"token of 255 bytes", ValidateSDPToken("mid", strings.Repeat("a", 255)), ""},
		{"token of 256 bytes", ValidateSDPToken("mid", strings.Repeat("a", 256)), "mid"},
		{"empty token", ValidateSDPToken("mid", ""), "mid"},
		{"token with a space", ValidateSDPToken("mid", "a b"), "mid"},
		{"token injecting a line", ValidateSDPToken("mid", "s\r\na=x:y"), "mid"},
		{"token with a lone LF", ValidateSDPToken("mid", "a\nb"), "mid"},
		{"token with NUL", ValidateSDPToken("mid", "a\x00"), "mid"},
		{"token with DEL", ValidateSDPToken("mid", "a\x7f"), "mid"},
		{"token with a non-breaking space", ValidateSDPToken("mid", "a\u00a0b"), "mid"},
		{"token with '\"'", ValidateSDPToken("mid", `a"b`), "mid"},
		{"msid of UUIDs", ValidateMSID("b868a5f4-a18b-4f74-aa1f-59f937319004", "0b509d27-a5a5-4acc-b37a-72e5df37f9a1"), ""},
		{"msid parts of 64", ValidateMSID(strings.Repeat("s", 64), strings.Repeat("t", 64)), ""},
		{"stream id of 65", ValidateMSID(strings.Repeat("s", 65), "t"), "streamId"},
		{"track id of 65", ValidateMSID("s", strings.Repeat("t", 65)), "trackId"},
		{"stream id with a space", ValidateMSID("a b", "t"), "streamId"},
		{"track id injecting a line", ValidateMSID("s", "t\r\na=x:y"), "trackId"},
		{"empty track id", ValidateMSID("s", ""), "trackId"},
	})
}

func TestValidateConsumerOptions(t *testing.T) {
	video := func() (string, *params.RTPParameters) {
		return "0b509d27-a5a5-4acc-b37a-72e5df37f9a1", videoRTPParameters(t)
	}
	consume := func(id, streamID string, kind params.MediaKind, mutate func(p *params.RTPParameters)) error {
		_, p := video()
		if mutate != nil {
			mutate(p)
		}
		return ValidateConsumerOptions(id, "d4d7868a-f9b8-4e08-899a-7c211a24eecc", streamID, kind, p)
	}
	id, _ := video()
	v := params.MediaKindVideo
	runSDPCases(t, []sdpCase{
		{"fixture", consume(id, "", v, nil), ""},
		{"fixture with stream id", consume(id, "stream-1", v, nil), ""},
		{"id of 64", consume(strings.Repeat("i", 64), "", v, nil), ""},
		{"id of 65", consume(strings.Repeat("i", 65), "", v, nil), "id"},
		{"id with a space", consume("a b", "", v, nil), "id"},
		{"empty id", consume("", "", v, nil), "id"},
		{"stream id injecting a line", consume(id, "s\r\na=x:y", v, nil), "streamId"},
		{"stream id with a space", consume(id, "a b", v, nil), "streamId"},
		{"stream id of 64", consume(id, strings.Repeat("s", 64), v, nil), ""},
		{"stream id of 65", consume(id, strings.Repeat("s", 65), v, nil), "streamId"},
		{"kind data", consume(id, "", "data", nil), "kind"},
		{"kind disagrees with the codec", consume(id, "", params.MediaKindAudio, nil), "rtpParameters.codecs[0].mimeType"},
		{"10000 encodings", consume(id, "", v, func(p *params.RTPParameters) {
			p.Encodings = make([]params.RTPEncodingParameters, 10000)
		}), "rtpParameters.encodings"},
		{"cname fallback injecting a line", consume(id, "", v, func(p *params.RTPParameters) { p.RTCP.CNAME = "s\r\na=x:y" }), "rtpParameters.rtcp.cname"},
		{"extension id 247", consume(id, "", v, func(p *params.RTPParameters) { p.HeaderExtensions[0].ID = 247 }), "rtpParameters.headerExtensions[0].id"},
	})
	_, p := video()
	requireInvalid(t, ValidateConsumerOptions(id, "", "", v, p), "producerId")
	requireInvalid(t, ValidateConsumerOptions(id, "p", "", v, nil), "rtpParameters")

	// Validation fills the defaults in place.
	_, p = video()
	p.RTCP.ReducedSize = nil
	if err := ValidateConsumerOptions(id, "p", "", v, p); err != nil || p.RTCP.ReducedSize == nil {
		t.Fatalf("defaults not filled: %v", err)
	}
}

func TestICECandidatesPionLimits(t *testing.T) {
	cand := func(host string) error {
		return ValidateICECandidates([]params.ICECandidate{{Foundation: "udpcandidate", Priority: 1076302079, Address: host, Protocol: "udp", Port: 40000, Type: "host"}})
	}
	n := func(count int) error {
		cs := make([]params.ICECandidate, count)
		for i := range cs {
			cs[i] = params.ICECandidate{Foundation: "f", Priority: 1, Address: "127.0.0.1", Protocol: "udp", Port: uint16(1 + i), Type: "host"}
		}
		return ValidateICECandidates(cs)
	}
	runSDPCases(t, []sdpCase{
		{"IPv4", cand("127.0.0.1"), ""},
		{"IPv6", cand("::1"), ""},
		{"IPv4-mapped IPv6", cand("::ffff:127.0.0.1"), ""},
		{"localhost", cand("localhost"), "iceCandidates[0].address"},
		{"host name", cand("media.example.com"), "iceCandidates[0].address"},
		{"mDNS name", cand("1f4712db-ea17-4bcf-a596-105139dfd8bf.local"), "iceCandidates[0].address"},
		{"IPv4 with leading zeros", cand("127.000.000.001"), "iceCandidates[0].address"},
		{"IPv6 in brackets", cand("[::1]"), "iceCandidates[0].address"},
		{"address with a space", cand("127.0.0.1 x"), "iceCandidates[0].address"},
		{"64 candidates", n(64), ""},
		{"65 candidates", n(65), "iceCandidates"},
	})
}

func TestDTLSFingerprintCount(t *testing.T) {
	with := func(n int) error {
		p := webrtcTransport(t).DTLSParameters
		fp := p.Fingerprints[1]
		p.Fingerprints = nil
		for i := 0; i < n; i++ {
			p.Fingerprints = append(p.Fingerprints, fp)
		}
		return ValidateDTLSParameters(&p)
	}
	runSDPCases(t, []sdpCase{
		{"16 fingerprints", with(16), ""},
		{"17 fingerprints", with(17), "fingerprints"},
	})
}

func TestSCTPParametersShapes(t *testing.T) {
	parse := func(s string) error {
		var p params.SCTPParameters
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			t.Fatal(err)
		}
		return ValidateSCTPParameters(&p)
	}
	var newShape transportFixture
	loadFixture(t, "webrtc-transport-sctp-new.json", "", &newShape)
	runSDPCases(t, []sdpCase{
		{"classic fixture", ValidateSCTPParameters(&webrtcTransport(t).SCTPParameters), ""},
		{"new fixture", ValidateSCTPParameters(&newShape.SCTPParameters), ""},
		{"classic", parse(`{"port":5000,"OS":1024,"MIS":1024,"maxMessageSize":262144}`), ""},
		{"new", parse(`{"port":5000,"maxSendMessageSize":262144,"maxReceiveMessageSize":262144,"sendBufferSize":2000000,"perStreamSendQueueLimit":2000000,"maxReceiverWindowBufferSize":5242880,"isDataChannel":true}`), ""},
		{"new with the classic fields", parse(`{"port":5000,"OS":65535,"MIS":65535,"maxMessageSize":262144,"maxSendMessageSize":262144,"maxReceiveMessageSize":262144}`), ""},
		{"new with maxMessageSize for the limit", parse(`{"port":5000,"maxReceiveMessageSize":262144,"maxMessageSize":262144}`), ""},
		{"new with unknown fields", parse(`{"port":5000,"maxSendMessageSize":1,"totalBufferedAmount":0,"future":{"x":1}}`), ""},
		{"sizes of 2^32-1", parse(`{"port":5000,"maxSendMessageSize":4294967295,"sendBufferSize":4294967295}`), ""},
		{"size of 2^32", parse(`{"port":5000,"maxSendMessageSize":1,"sendBufferSize":4294967296}`), "sendBufferSize"},
		{"new without any limit", parse(`{"port":5000,"maxReceiveMessageSize":262144}`), "maxSendMessageSize"},
		{"new with maxSendMessageSize 0", parse(`{"port":5000,"maxSendMessageSize":0,"maxReceiveMessageSize":262144}`), "maxSendMessageSize"},
		{"new with negative maxReceiveMessageSize", parse(`{"port":5000,"maxSendMessageSize":1,"maxReceiveMessageSize":-1}`), "maxReceiveMessageSize"},
		{"new with negative perStreamSendQueueLimit", parse(`{"port":5000,"maxSendMessageSize":1,"perStreamSendQueueLimit":-1}`), "perStreamSendQueueLimit"},
		{"new with negative window", parse(`{"port":5000,"maxSendMessageSize":1,"maxReceiverWindowBufferSize":-1}`), "maxReceiverWindowBufferSize"},
		{"new with OS out of range", parse(`{"port":5000,"maxSendMessageSize":1,"OS":70000}`), "OS"},
		{"new without port", parse(`{"maxSendMessageSize":1}`), "port"},
		{"classic without OS", parse(`{"port":5000,"MIS":1024,"maxMessageSize":262144}`), "OS"},
		{"classic without maxMessageSize", parse(`{"port":5000,"OS":1024,"MIS":1024}`), "maxMessageSize"},
	})
}

// TestUnknownFieldsValidate: a newer server's extra fields are ignored by
// decoding and validation alike.
func TestUnknownFieldsValidate(t *testing.T) {
	var c consumerInput
	if err := json.Unmarshal([]byte(`{"id":"c1","producerId":"p1","kind":"audio","type":"simple","paused":false,"future":[1],
		"rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2,"parameters":{},"rtcpFeedback":[],"future":1}],
		"headerExtensions":[{"uri":"urn:ietf:params:rtp-hdrext:sdes:mid","id":1,"encrypt":false,"parameters":{},"future":2}],
		"encodings":[{"ssrc":1,"future":3}],"rtcp":{"cname":"c","reducedSize":true,"future":4},"msid":"a b","future":5}}`), &c); err != nil {
		t.Fatal(err)
	}
	if err := validateConsumerInput(&c); err != nil {
		t.Fatal(err)
	}
	var caps params.RTPCapabilities
	if err := json.Unmarshal([]byte(`{"codecs":[{"kind":"video","mimeType":"video/AV1","preferredPayloadType":35,"clockRate":90000,"parameters":{},"rtcpFeedback":[],"future":1}],"headerExtensions":[],"future":2}`), &caps); err != nil {
		t.Fatal(err)
	}
	if err := ValidateRTPCapabilities(&caps); err != nil {
		t.Fatal(err)
	}
}
