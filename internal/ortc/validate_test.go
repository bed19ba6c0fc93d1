package ortc

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

const fixtureDir = "../../testdata/fixtures"

// fixtureJSON returns one member of a fixture file, or the whole file when
// member is empty.
func fixtureJSON(tb testing.TB, file, member string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, file))
	if err != nil {
		tb.Fatal(err)
	}
	if member == "" {
		return data
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		tb.Fatal(err)
	}
	raw, ok := top[member]
	if !ok {
		tb.Fatalf("%s has no %q", file, member)
	}
	return raw
}

func loadFixture(tb testing.TB, file, member string, dst any) {
	tb.Helper()
	if err := json.Unmarshal(fixtureJSON(tb, file, member), dst); err != nil {
		tb.Fatal(err)
	}
}

func routerCaps(tb testing.TB) *params.RTPCapabilities {
	var c params.RTPCapabilities
	loadFixture(tb, "router-rtp-capabilities.json", "", &c)
	return &c
}

func videoRTPParameters(tb testing.TB) *params.RTPParameters {
	var p params.RTPParameters
	loadFixture(tb, "consumer-video-simulcast.json", "rtpParameters", &p)
	return &p
}

func audioRTPParameters(tb testing.TB) *params.RTPParameters {
	var p params.RTPParameters
	loadFixture(tb, "consumer-audio.json", "rtpParameters", &p)
	return &p
}

func dataConsumerStream(tb testing.TB) *params.SCTPStreamParameters {
	var p params.SCTPStreamParameters
	loadFixture(tb, "data-consumer.json", "sctpStreamParameters", &p)
	return &p
}

type transportFixture struct {
	ICEParameters  params.ICEParameters  `json:"iceParameters"`
	ICECandidates  []params.ICECandidate `json:"iceCandidates"`
	DTLSParameters params.DTLSParameters `json:"dtlsParameters"`
	SCTPParameters params.SCTPParameters `json:"sctpParameters"`
}

func webrtcTransport(tb testing.TB) *transportFixture {
	var tr transportFixture
	loadFixture(tb, "webrtc-transport.json", "", &tr)
	return &tr
}

// requireInvalid checks that err is an ErrInvalidParameters naming field.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error about %s", field)
	}
	if !errors.Is(err, params.ErrInvalidParameters) {
		t.Fatalf("error %q does not wrap ErrInvalidParameters", err)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("error %q does not name %s", err, field)
	}
}

func toJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestFixturesValidate(t *testing.T) {
	t.Run("router capabilities", func(t *testing.T) {
		caps := routerCaps(t)
		before := toJSON(t, caps)
		if err := ValidateRTPCapabilities(caps); err != nil {
			t.Fatal(err)
		}
		// Complete server data: nothing to fill.
		if after := toJSON(t, caps); after != before {
			t.Fatalf("validation changed complete capabilities\nbefore %s\n after %s", before, after)
		}
	})
	for _, file := range []string{"consumer-audio.json", "consumer-video-simulcast.json"} {
		t.Run(file, func(t *testing.T) {
			var p params.RTPParameters
			loadFixture(t, file, "rtpParameters", &p)
			before := toJSON(t, p)
			if err := ValidateRTPParameters(&p); err != nil {
				t.Fatal(err)
			}
			if after := toJSON(t, p); after != before {
				t.Fatalf("validation changed complete parameters\nbefore %s\n after %s", before, after)
			}
		})
	}
	t.Run("data consumer", func(t *testing.T) {
		p := dataConsumerStream(t)
		if err := ValidateSCTPStreamParameters(p); err != nil {
			t.Fatal(err)
		}
		if p.Ordered == nil || !*p.Ordered {
			t.Fatalf("ordered = %v, want true", p.Ordered)
		}
	})
	t.Run("webrtc transport", func(t *testing.T) {
		tr := webrtcTransport(t)
		if err := ValidateICEParameters(&tr.ICEParameters); err != nil {
			t.Fatal(err)
		}
		if err := ValidateICECandidates(tr.ICECandidates); err != nil {
			t.Fatal(err)
		}
		if err := ValidateDTLSParameters(&tr.DTLSParameters); err != nil {
			t.Fatal(err)
		}
		if err := ValidateSCTPParameters(&tr.SCTPParameters); err != nil {
			t.Fatal(err)
		}
	})
}

func TestValidateRTPCapabilitiesDefaults(t *testing.T) {
	var empty params.RTPCapabilities
	if err := ValidateRTPCapabilities(&empty); err != nil {
		t.Fatal(err)
	}
	if empty.Codecs == nil || empty.HeaderExtensions == nil {
		t.Fatalf("nil lists not filled: %+v", empty)
	}

	// The router fixture with every optional field stripped.
	caps := routerCaps(t)
	for i := range caps.Codecs {
		caps.Codecs[i].Kind = ""
		caps.Codecs[i].Channels = nil
		caps.Codecs[i].RTCPFeedback = nil
		if len(caps.Codecs[i].Parameters) == 0 {
			caps.Codecs[i].Parameters = nil
		}
	}
	caps.Codecs[1].Channels = params.Ptr(2) // video: dropped
	for i := range caps.HeaderExtensions {
		caps.HeaderExtensions[i].Direction = ""
	}
	if err := ValidateRTPCapabilities(caps); err != nil {
		t.Fatal(err)
	}
	for i, c := range caps.Codecs {
		wantKind := params.MediaKind(strings.SplitN(c.MimeType, "/", 2)[0])
		if c.Kind != wantKind {
			t.Errorf("codecs[%d].kind = %q, want %q", i, c.Kind, wantKind)
		}
		if c.Parameters == nil || c.RTCPFeedback == nil {
			t.Errorf("codecs[%d]: parameters or rtcpFeedback left nil", i)
		}
		switch c.Kind {
		case params.MediaKindAudio:
			if c.Channels == nil || *c.Channels != 1 {
				t.Errorf("codecs[%d].channels = %v, want 1", i, c.Channels)
			}
		case params.MediaKindVideo:
			if c.Channels != nil {
				t.Errorf("codecs[%d].channels = %d, want none for video", i, *c.Channels)
			}
		}
	}
	for i, h := range caps.HeaderExtensions {
		if h.Direction != params.DirectionSendRecv {
			t.Errorf("headerExtensions[%d].direction = %q, want sendrecv", i, h.Direction)
		}
	}
	// Filled defaults marshal the way mediasoup expects.
	out := toJSON(t, caps)
	for _, want := range []string{`"rtcpFeedback":[]`, `"parameters":{}`, `"channels":1`, `"direction":"sendrecv"`} {
		if !strings.Contains(out, want) {
			t.Errorf("marshalled capabilities lack %s", want)
		}
	}

	// An explicit direction and channel count are kept.
	caps = routerCaps(t)
	if err := ValidateRTPCapabilities(caps); err != nil {
		t.Fatal(err)
	}
	if *caps.Codecs[0].Channels != 2 || caps.HeaderExtensions[2].Direction != params.DirectionRecvOnly {
		t.Fatal("validation overwrote explicit values")
	}
}

func TestValidateRTPCapabilitiesRejects(t *testing.T) {
	// Router fixture indexes: 0 opus, 1 VP8, 2 rtx(apt 101), 3 VP9, ...;
	// headerExtensions 0 audio mid, 1 video mid (id 1), 2 video rid (id 2).
	cases := []struct {
		name   string
		mutate func(c *params.RTPCapabilities)
		field  string
	}{
		{"empty mimeType", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "" }, "codecs[0].mimeType"},
		{"mimeType without type", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "opus" }, "codecs[0].mimeType"},
		{"mimeType of another type", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "text/plain" }, "codecs[0].mimeType"},
		{"mimeType without subtype", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "audio/" }, "codecs[0].mimeType"},
		{"mimeType with a space", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "audio/op us" }, "codecs[0].mimeType"},
		{"mimeType with a newline", func(c *params.RTPCapabilities) { c.Codecs[1].MimeType = "video/VP8\r\na=x" }, "codecs[1].mimeType"},
		{"kind disagrees with mimeType", func(c *params.RTPCapabilities) { c.Codecs[0].Kind = params.MediaKindVideo }, "codecs[0].kind"},
		{"unknown kind", func(c *params.RTPCapabilities) { c.Codecs[1].Kind = "data" }, "codecs[1].kind"},
		{"zero clockRate", func(c *params.RTPCapabilities) { c.Codecs[0].ClockRate = 0 }, "codecs[0].clockRate"},
		{"negative clockRate", func(c *params.RTPCapabilities) { c.Codecs[3].ClockRate = -90000 }, "codecs[3].clockRate"},
		{"zero channels", func(c *params.RTPCapabilities) { c.Codecs[0].Channels = params.Ptr(0) }, "codecs[0].channels"},
		{"negative channels", func(c *params.RTPCapabilities) { c.Codecs[0].Channels = params.Ptr(-2) }, "codecs[0].channels"},
		{"payload type above 127", func(c *params.RTPCapabilities) { c.Codecs[1].PreferredPayloadType = params.Ptr(uint8(128)) }, "codecs[1].preferredPayloadType"},
		{"duplicate payload type", func(c *params.RTPCapabilities) { c.Codecs[3].PreferredPayloadType = params.Ptr(uint8(101)) }, "codecs[3].preferredPayloadType"},
		{"bool parameter", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters["x-google-start-bitrate"] = true }, "codecs[1].parameters.x-google-start-bitrate"},
		{"null parameter", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters["x-google-start-bitrate"] = nil }, "codecs[1].parameters.x-google-start-bitrate"},
		{"object parameter", func(c *params.RTPCapabilities) { c.Codecs[3].Parameters["profile-id"] = map[string]any{} }, "codecs[3].parameters.profile-id"},
		{"NaN parameter", func(c *params.RTPCapabilities) { c.Codecs[3].Parameters["profile-id"] = math.NaN() }, "codecs[3].parameters.profile-id"},
		{"non-numeric json.Number", func(c *params.RTPCapabilities) { c.Codecs[3].Parameters["profile-id"] = json.Number("two") }, "codecs[3].parameters.profile-id"},
		{"NaN json.Number", func(c *params.RTPCapabilities) { c.Codecs[3].Parameters["profile-id"] = json.Number("NaN") }, "codecs[3].parameters.profile-id"},
		{"hex json.Number", func(c *params.RTPCapabilities) { c.Codecs[3].Parameters["profile-id"] = json.Number("0x1p-2") }, "codecs[3].parameters.profile-id"},
		{"empty parameter key", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters[""] = 1 }, "codecs[1].parameters"},
		{"parameter key with '='", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters["a=b"] = 1 }, "codecs[1].parameters"},
		{"parameter value with CRLF", func(c *params.RTPCapabilities) { c.Codecs[5].Parameters["profile-level-id"] = "42e01f\r\n" }, "codecs[5].parameters.profile-level-id"},
		{"apt as string", func(c *params.RTPCapabilities) { c.Codecs[2].Parameters["apt"] = "101" }, "codecs[2].parameters.apt"},
		{"fractional apt", func(c *params.RTPCapabilities) { c.Codecs[2].Parameters["apt"] = 101.5 }, "codecs[2].parameters.apt"},
		{"apt above 127", func(c *params.RTPCapabilities) { c.Codecs[2].Parameters["apt"] = 200 }, "codecs[2].parameters.apt"},
		{"apt on a media codec as string", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters["apt"] = "x" }, "codecs[1].parameters.apt"},
		{"rtx without apt", func(c *params.RTPCapabilities) { delete(c.Codecs[2].Parameters, "apt") }, "codecs[2].parameters.apt"},
		{"feedback without type", func(c *params.RTPCapabilities) { c.Codecs[1].RTCPFeedback[1].Type = "" }, "codecs[1].rtcpFeedback[1].type"},
		{"feedback type with space", func(c *params.RTPCapabilities) { c.Codecs[1].RTCPFeedback[0].Type = "nack pli" }, "codecs[1].rtcpFeedback[0].type"},
		{"feedback parameter with newline", func(c *params.RTPCapabilities) { c.Codecs[1].RTCPFeedback[1].Parameter = "pli\n" }, "codecs[1].rtcpFeedback[1].parameter"},
		{"extension without kind", func(c *params.RTPCapabilities) { c.HeaderExtensions[0].Kind = "" }, "headerExtensions[0].kind"},
		{"extension of unknown kind", func(c *params.RTPCapabilities) { c.HeaderExtensions[0].Kind = "data" }, "headerExtensions[0].kind"},
		{"extension without uri", func(c *params.RTPCapabilities) { c.HeaderExtensions[4].URI = "" }, "headerExtensions[4].uri"},
		{"extension uri with space", func(c *params.RTPCapabilities) { c.HeaderExtensions[4].URI = "urn:a b" }, "headerExtensions[4].uri"},
		{"extension id 0", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = 0 }, "headerExtensions[2].preferredId"},
		{"extension id 256", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = 256 }, "headerExtensions[2].preferredId"},
		{"extension id 247", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = 247 }, "headerExtensions[2].preferredId"},
		{"extension id 255", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = 255 }, "headerExtensions[2].preferredId"},
		{"negative extension id", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = -1 }, "headerExtensions[2].preferredId"},
		{"unknown direction", func(c *params.RTPCapabilities) { c.HeaderExtensions[3].Direction = "both" }, "headerExtensions[3].direction"},
		{"duplicate id within a kind", func(c *params.RTPCapabilities) { c.HeaderExtensions[2].PreferredID = 1 }, "headerExtensions[2].preferredId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			caps := routerCaps(t)
			tc.mutate(caps)
			requireInvalid(t, ValidateRTPCapabilities(caps), tc.field)
		})
	}
	if len(cases) < 15 {
		t.Fatalf("only %d malformed inputs", len(cases))
	}
	t.Run("nil", func(t *testing.T) {
		requireInvalid(t, ValidateRTPCapabilities(nil), "rtpCapabilities")
		requireInvalid(t, ValidateRTPCodecCapability(nil), "codec")
		requireInvalid(t, ValidateRTPHeaderExtension(nil), "ext")
	})
	t.Run("standalone paths", func(t *testing.T) {
		caps := routerCaps(t)
		c := caps.Codecs[0]
		c.ClockRate = 0
		requireInvalid(t, ValidateRTPCodecCapability(&c), "codec.clockRate")
		h := caps.HeaderExtensions[0]
		h.URI = ""
		requireInvalid(t, ValidateRTPHeaderExtension(&h), "ext.uri")
	})
}

func TestValidateRTPCapabilitiesAccepts(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *params.RTPCapabilities)
	}{
		{"mixed-case media type", func(c *params.RTPCapabilities) { c.Codecs[0].MimeType = "AUDIO/opus" }},
		{"no preferred payload types", func(c *params.RTPCapabilities) {
			for i := range c.Codecs {
				c.Codecs[i].PreferredPayloadType = nil
			}
		}},
		{"same id for audio and video", func(c *params.RTPCapabilities) {}},
		{"numeric parameter as string", func(c *params.RTPCapabilities) { c.Codecs[1].Parameters["x-google-start-bitrate"] = "1000" }},
		{"apt as json.Number", func(c *params.RTPCapabilities) { c.Codecs[2].Parameters["apt"] = json.Number("101") }},
		{"largest extension id pion parses", func(c *params.RTPCapabilities) { c.HeaderExtensions[4].PreferredID = 246 }},
		{"no lists", func(c *params.RTPCapabilities) { c.Codecs, c.HeaderExtensions = nil, nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			caps := routerCaps(t)
			tc.mutate(caps)
			if err := ValidateRTPCapabilities(caps); err != nil {
				t.Fatal(err)
			}
			toJSON(t, caps) // whatever validates must marshal
		})
	}
}

func TestValidateRTPParametersDefaults(t *testing.T) {
	p := params.RTPParameters{
		Codecs: []params.RTPCodecParameters{
			{MimeType: "audio/opus", PayloadType: 111, ClockRate: 48000},
			{MimeType: "audio/PCMU", PayloadType: 0, ClockRate: 8000, Channels: params.Ptr(1), RTCPFeedback: []params.RTCPFeedback{{Type: "nack"}}},
		},
	}
	if err := ValidateRTPParameters(&p); err != nil {
		t.Fatal(err)
	}
	if p.HeaderExtensions == nil || p.Encodings == nil {
		t.Error("nil headerExtensions or encodings not filled")
	}
	if p.RTCP.ReducedSize == nil || !*p.RTCP.ReducedSize {
		t.Errorf("rtcp.reducedSize = %v, want true", p.RTCP.ReducedSize)
	}
	if p.RTCP.Mux != nil {
		t.Errorf("rtcp.mux = %v, want it left unset as mediasoup-client does", *p.RTCP.Mux)
	}
	if p.Codecs[0].Channels == nil || *p.Codecs[0].Channels != 1 {
		t.Errorf("audio channels = %v, want 1", p.Codecs[0].Channels)
	}
	if p.Codecs[0].Parameters == nil || p.Codecs[0].RTCPFeedback == nil {
		t.Error("codec parameters or rtcpFeedback left nil")
	}

	// Video loses a channel count; an explicit reducedSize false stays.
	v := videoRTPParameters(t)
	v.Codecs[0].Channels = params.Ptr(2)
	v.RTCP.ReducedSize = params.Ptr(false)
	v.HeaderExtensions[0].Parameters = nil
	if err := ValidateRTPParameters(v); err != nil {
		t.Fatal(err)
	}
	if v.Codecs[0].Channels != nil {
		t.Error("video codec kept its channels")
	}
	if *v.RTCP.ReducedSize {
		t.Error("explicit reducedSize false overwritten")
	}
	if v.HeaderExtensions[0].Parameters == nil {
		t.Error("header extension parameters left nil")
	}
}

func TestValidateRTPParametersRejects(t *testing.T) {
	// Video fixture: codecs 0 VP8/101, 1 rtx/102 (apt 101); header
	// extensions 0 mid (id 1), 1 abs-send-time (id 4), ...; one encoding
	// with ssrc 872880266 and rtx 872880267.
	type P = params.RTPParameters
	cases := []struct {
		name   string
		mutate func(p *P)
		field  string
	}{
		{"nil codecs", func(p *P) { p.Codecs = nil }, "codecs"},
		{"mimeType without type", func(p *P) { p.Codecs[0].MimeType = "VP8" }, "codecs[0].mimeType"},
		{"payload type above 127", func(p *P) { p.Codecs[0].PayloadType = 128 }, "codecs[0].payloadType"},
		{"zero clockRate", func(p *P) { p.Codecs[0].ClockRate = 0 }, "codecs[0].clockRate"},
		{"duplicate payload type", func(p *P) { p.Codecs[1].PayloadType = 101 }, "codecs[1].payloadType"},
		{"apt names no codec", func(p *P) { p.Codecs[1].Parameters["apt"] = 99 }, "codecs[1].parameters.apt"},
		{"rtx without apt", func(p *P) { delete(p.Codecs[1].Parameters, "apt") }, "codecs[1].parameters.apt"},
		{"apt as string", func(p *P) { p.Codecs[1].Parameters["apt"] = "101" }, "codecs[1].parameters.apt"},
		{"rtx first", func(p *P) { p.Codecs[0], p.Codecs[1] = p.Codecs[1], p.Codecs[0] }, "codecs[0].mimeType"},
		{"mixed kinds", func(p *P) {
			p.Codecs = append(p.Codecs, params.RTPCodecParameters{MimeType: "audio/opus", PayloadType: 111, ClockRate: 48000, Channels: params.Ptr(2)})
		}, "codecs[2].mimeType"},
		{"apt names an rtx codec", func(p *P) {
			p.Codecs = append(p.Codecs, params.RTPCodecParameters{MimeType: "video/rtx", PayloadType: 103, ClockRate: 90000, Parameters: params.CodecParameters{"apt": 102}})
		}, "codecs[2].parameters.apt"},
		{"bool codec parameter", func(p *P) { p.Codecs[0].Parameters["x"] = false }, "codecs[0].parameters.x"},
		{"feedback without type", func(p *P) { p.Codecs[0].RTCPFeedback[2].Type = "" }, "codecs[0].rtcpFeedback[2].type"},
		{"extension without uri", func(p *P) { p.HeaderExtensions[0].URI = "" }, "headerExtensions[0].uri"},
		{"extension id 0", func(p *P) { p.HeaderExtensions[1].ID = 0 }, "headerExtensions[1].id"},
		{"extension id 300", func(p *P) { p.HeaderExtensions[1].ID = 300 }, "headerExtensions[1].id"},
		{"duplicate extension id", func(p *P) { p.HeaderExtensions[1].ID = 1 }, "headerExtensions[1].id"},
		{"duplicate extension uri", func(p *P) { p.HeaderExtensions[1].URI = p.HeaderExtensions[0].URI }, "headerExtensions[1].uri"},
		{"array extension parameter", func(p *P) { p.HeaderExtensions[0].Parameters["x"] = []any{1} }, "headerExtensions[0].parameters.x"},
		{"rtx ssrc 0", func(p *P) { p.Encodings[0].RTX.SSRC = 0 }, "encodings[0].rtx.ssrc"},
		{"rtx ssrc equals ssrc", func(p *P) { p.Encodings[0].RTX.SSRC = p.Encodings[0].SSRC }, "encodings[0].rtx.ssrc"},
		{"unknown scalabilityMode", func(p *P) { p.Encodings[0].ScalabilityMode = "L3T3X" }, "encodings[0].scalabilityMode"},
		{"scalabilityMode out of range", func(p *P) { p.Encodings[0].ScalabilityMode = "L17T1" }, "encodings[0].scalabilityMode"},
		{"scaleResolutionDownBy below 1", func(p *P) { p.Encodings[0].ScaleResolutionDownBy = 0.5 }, "encodings[0].scaleResolutionDownBy"},
		{"negative scaleResolutionDownBy", func(p *P) { p.Encodings[0].ScaleResolutionDownBy = -2 }, "encodings[0].scaleResolutionDownBy"},
		{"NaN scaleResolutionDownBy", func(p *P) { p.Encodings[0].ScaleResolutionDownBy = math.NaN() }, "encodings[0].scaleResolutionDownBy"},
		{"negative maxBitrate", func(p *P) { p.Encodings[0].MaxBitrate = -1 }, "encodings[0].maxBitrate"},
		{"negative maxFramerate", func(p *P) { p.Encodings[0].MaxFramerate = -1 }, "encodings[0].maxFramerate"},
		{"infinite maxFramerate", func(p *P) { p.Encodings[0].MaxFramerate = math.Inf(1) }, "encodings[0].maxFramerate"},
		{"unknown priority", func(p *P) { p.Encodings[0].Priority = "urgent" }, "encodings[0].priority"},
		{"unknown networkPriority", func(p *P) { p.Encodings[0].NetworkPriority = "max" }, "encodings[0].networkPriority"},
		{"rid with a space", func(p *P) { p.Encodings[0].RID = "r 0" }, "encodings[0].rid"},
		{"rid too long", func(p *P) { p.Encodings[0].RID = strings.Repeat("r", 256) }, "encodings[0].rid"},
		{"duplicate rid", func(p *P) {
			p.Encodings = []params.RTPEncodingParameters{{RID: "r0"}, {RID: "r0"}}
		}, "encodings[1].rid"},
		{"duplicate ssrc", func(p *P) {
			p.Encodings = append(p.Encodings, params.RTPEncodingParameters{SSRC: p.Encodings[0].SSRC})
		}, "encodings[1].ssrc"},
		{"rtx ssrc reused by another encoding", func(p *P) {
			p.Encodings = append(p.Encodings, params.RTPEncodingParameters{SSRC: 1, RTX: &params.RTPEncodingRTX{SSRC: p.Encodings[0].SSRC}})
		}, "encodings[1].rtx.ssrc"},
		{"codecPayloadType names no codec", func(p *P) { p.Encodings[0].CodecPayloadType = params.Ptr(uint8(55)) }, "encodings[0].codecPayloadType"},
		{"codecPayloadType above 127", func(p *P) { p.Encodings[0].CodecPayloadType = params.Ptr(uint8(200)) }, "encodings[0].codecPayloadType"},
		{"cname with newline", func(p *P) { p.RTCP.CNAME = "a\nb" }, "rtcp.cname"},
		{"mid with space", func(p *P) { p.MID = "0 1" }, "mid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := videoRTPParameters(t)
			tc.mutate(p)
			requireInvalid(t, ValidateRTPParameters(p), tc.field)
		})
	}
	if len(cases) < 15 {
		t.Fatalf("only %d malformed inputs", len(cases))
	}

	t.Run("audio channels 0", func(t *testing.T) {
		p := audioRTPParameters(t)
		p.Codecs[0].Channels = params.Ptr(0)
		requireInvalid(t, ValidateRTPParameters(p), "codecs[0].channels")
	})
	t.Run("nil", func(t *testing.T) {
		requireInvalid(t, ValidateRTPParameters(nil), "rtpParameters")
		requireInvalid(t, ValidateRTPCodecParameters(nil), "codec")
		requireInvalid(t, ValidateRTPHeaderExtensionParameters(nil), "ext")
		requireInvalid(t, ValidateRTPEncodingParameters(nil), "encoding")
		requireInvalid(t, ValidateRTCPParameters(nil), "rtcp")
		requireInvalid(t, ValidateRTCPFeedback(nil), "fb")
	})
	t.Run("standalone paths", func(t *testing.T) {
		p := videoRTPParameters(t)
		c := p.Codecs[0]
		c.ClockRate = -1
		requireInvalid(t, ValidateRTPCodecParameters(&c), "codec.clockRate")
		h := p.HeaderExtensions[0]
		h.ID = 0
		requireInvalid(t, ValidateRTPHeaderExtensionParameters(&h), "ext.id")
		e := params.RTPEncodingParameters{RTX: &params.RTPEncodingRTX{}}
		requireInvalid(t, ValidateRTPEncodingParameters(&e), "encoding.rtx.ssrc")
		requireInvalid(t, ValidateRTCPParameters(&params.RTCPParameters{CNAME: "\x00"}), "rtcp.cname")
		requireInvalid(t, ValidateRTCPFeedback(&params.RTCPFeedback{}), "fb.type")
	})
}

func TestValidateRTPParametersAccepts(t *testing.T) {
	type P = params.RTPParameters
	cases := []struct {
		name   string
		mutate func(p *P)
	}{
		{"empty codec list", func(p *P) { p.Codecs = []params.RTPCodecParameters{} }},
		{"simulcast by rid", func(p *P) {
			p.Encodings = []params.RTPEncodingParameters{
				{RID: "r0", ScaleResolutionDownBy: 4, MaxBitrate: 100000, ScalabilityMode: "L1T3"},
				{RID: "r1", ScaleResolutionDownBy: 2, MaxBitrate: 300000, ScalabilityMode: "L1T3"},
				{RID: "r-2_x", Active: params.Ptr(false)},
			}
		}},
		{"rid and ssrc mixed", func(p *P) {
			p.Encodings = append(p.Encodings, params.RTPEncodingParameters{RID: "h"})
		}},
		{"K-SVC mode", func(p *P) { p.Encodings[0].ScalabilityMode = "L3T3_KEY" }},
		{"codecPayloadType of a codec", func(p *P) { p.Encodings[0].CodecPayloadType = params.Ptr(uint8(101)) }},
		{"priorities", func(p *P) { p.Encodings[0].Priority, p.Encodings[0].NetworkPriority = "very-low", "high" }},
		{"no encodings or extensions", func(p *P) { p.Encodings, p.HeaderExtensions = nil, nil }},
		{"probator mid", func(p *P) { p.MID = "probator" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := videoRTPParameters(t)
			tc.mutate(p)
			if err := ValidateRTPParameters(p); err != nil {
				t.Fatal(err)
			}
			toJSON(t, p)
		})
	}
}

func u16(v uint16) *uint16 { return &v }

func TestValidateSCTPStreamParameters(t *testing.T) {
	type S = params.SCTPStreamParameters
	accepts := []struct {
		name        string
		in          S
		wantOrdered bool
	}{
		{"nothing set", S{StreamID: 1}, true},
		{"maxRetransmits only", S{StreamID: 2, MaxRetransmits: u16(5)}, false},
		{"maxRetransmits 0 counts as set", S{StreamID: 2, MaxRetransmits: u16(0)}, false},
		{"maxPacketLifeTime only", S{StreamID: 3, MaxPacketLifeTime: u16(100)}, false},
		{"explicit unordered reliable", S{StreamID: 4, Ordered: params.Ptr(false)}, false},
		{"explicit unordered partial", S{StreamID: 4, Ordered: params.Ptr(false), MaxRetransmits: u16(1)}, false},
		{"explicit ordered", S{StreamID: 5, Ordered: params.Ptr(true)}, true},
		{"highest stream id", S{StreamID: 65534, Label: "chat", Protocol: "json"}, true},
	}
	for _, tc := range accepts {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.in
			if err := ValidateSCTPStreamParameters(&p); err != nil {
				t.Fatal(err)
			}
			if p.Ordered == nil || *p.Ordered != tc.wantOrdered {
				t.Fatalf("ordered = %v, want %v", p.Ordered, tc.wantOrdered)
			}
		})
	}

	bad := []struct {
		name  string
		in    *S
		field string
	}{
		{"nil", nil, "sctpStreamParameters"},
		{"reserved stream id", &S{StreamID: 65535}, "streamId"},
		{"reserved stream id, unordered", &S{StreamID: 65535, Ordered: params.Ptr(false)}, "streamId"},
		{"both partial options", &S{MaxPacketLifeTime: u16(100), MaxRetransmits: u16(5)}, "maxRetransmits"},
		{"both partial options at 0", &S{MaxPacketLifeTime: u16(0), MaxRetransmits: u16(0)}, "maxRetransmits"},
		{"both partial options at max", &S{MaxPacketLifeTime: u16(65535), MaxRetransmits: u16(65535)}, "maxRetransmits"},
		{"both partial options, unordered", &S{Ordered: params.Ptr(false), MaxPacketLifeTime: u16(1), MaxRetransmits: u16(1)}, "maxRetransmits"},
		{"both partial options, ordered", &S{Ordered: params.Ptr(true), MaxPacketLifeTime: u16(1), MaxRetransmits: u16(1)}, "maxRetransmits"},
		{"ordered with maxPacketLifeTime", &S{Ordered: params.Ptr(true), MaxPacketLifeTime: u16(100)}, "ordered"},
		{"ordered with maxPacketLifeTime 0", &S{Ordered: params.Ptr(true), MaxPacketLifeTime: u16(0)}, "ordered"},
		{"ordered with maxRetransmits", &S{Ordered: params.Ptr(true), MaxRetransmits: u16(3)}, "ordered"},
		{"ordered with maxRetransmits 0", &S{Ordered: params.Ptr(true), MaxRetransmits: u16(0)}, "ordered"},
		{"ordered with maxRetransmits, labelled", &S{StreamID: 9, Ordered: params.Ptr(true), MaxRetransmits: u16(65535), Label: "x"}, "ordered"},
		{"label too long", &S{Label: strings.Repeat("l", 65536)}, "label"},
		{"label not UTF-8", &S{Label: "\xff\xfe"}, "label"},
		{"protocol too long", &S{Protocol: strings.Repeat("p", 65536)}, "protocol"},
		{"protocol not UTF-8", &S{Protocol: "ok\xc3"}, "protocol"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			requireInvalid(t, ValidateSCTPStreamParameters(tc.in), tc.field)
		})
	}
	if len(bad) < 15 {
		t.Fatalf("only %d malformed inputs", len(bad))
	}
}

func TestValidateSCTP(t *testing.T) {
	if err := ValidateSCTPCapabilities(&params.SCTPCapabilities{NumStreams: params.NumSCTPStreams{OS: 1024, MIS: 1024}}); err != nil {
		t.Fatal(err)
	}
	caps := func(os, mis int) error {
		return ValidateSCTPCapabilities(&params.SCTPCapabilities{NumStreams: params.NumSCTPStreams{OS: os, MIS: mis}})
	}
	sp := func(mutate func(p *params.SCTPParameters)) error {
		p := webrtcTransport(t).SCTPParameters
		mutate(&p)
		return ValidateSCTPParameters(&p)
	}
	bad := []struct {
		name  string
		err   error
		field string
	}{
		{"nil capabilities", ValidateSCTPCapabilities(nil), "sctpCapabilities"},
		{"nil numStreams", ValidateNumSCTPStreams(nil), "numStreams"},
		{"OS missing", caps(0, 1024), "numStreams.OS"},
		{"OS negative", caps(-1, 1024), "numStreams.OS"},
		{"OS too large", caps(65536, 1024), "numStreams.OS"},
		{"MIS missing", caps(1024, 0), "numStreams.MIS"},
		{"MIS negative", caps(1024, -5), "numStreams.MIS"},
		{"MIS too large", caps(1024, 70000), "numStreams.MIS"},
		{"standalone numStreams", ValidateNumSCTPStreams(&params.NumSCTPStreams{OS: 1}), "numStreams.MIS"},
		{"nil parameters", ValidateSCTPParameters(nil), "sctpParameters"},
		{"port missing", sp(func(p *params.SCTPParameters) { p.Port = 0 }), "port"},
		{"port negative", sp(func(p *params.SCTPParameters) { p.Port = -1 }), "port"},
		{"port too large", sp(func(p *params.SCTPParameters) { p.Port = 65536 }), "port"},
		{"OS missing in parameters", sp(func(p *params.SCTPParameters) { p.OS = 0 }), "OS"},
		{"MIS too large in parameters", sp(func(p *params.SCTPParameters) { p.MIS = 99999 }), "MIS"},
		{"maxMessageSize missing", sp(func(p *params.SCTPParameters) { p.MaxMessageSize = 0 }), "maxMessageSize"},
		{"maxMessageSize negative", sp(func(p *params.SCTPParameters) { p.MaxMessageSize = -1 }), "maxMessageSize"},
		{"sctpBufferedAmount negative", sp(func(p *params.SCTPParameters) { p.SCTPBufferedAmount = params.Ptr(-1) }), "sctpBufferedAmount"},
		{"sendBufferSize negative", sp(func(p *params.SCTPParameters) { p.SendBufferSize = params.Ptr(-1) }), "sendBufferSize"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { requireInvalid(t, tc.err, tc.field) })
	}
	if len(bad) < 15 {
		t.Fatalf("only %d malformed inputs", len(bad))
	}
}

func TestValidateICE(t *testing.T) {
	ice := func(mutate func(p *params.ICEParameters)) error {
		p := webrtcTransport(t).ICEParameters
		mutate(&p)
		return ValidateICEParameters(&p)
	}
	cand := func(mutate func(c *params.ICECandidate)) error {
		cs := webrtcTransport(t).ICECandidates
		mutate(&cs[0])
		return ValidateICECandidates(cs)
	}
	bad := []struct {
		name  string
		err   error
		field string
	}{
		{"nil parameters", ValidateICEParameters(nil), "iceParameters"},
		{"ufrag missing", ice(func(p *params.ICEParameters) { p.UsernameFragment = "" }), "usernameFragment"},
		{"ufrag too short", ice(func(p *params.ICEParameters) { p.UsernameFragment = "abc" }), "usernameFragment"},
		{"ufrag too long", ice(func(p *params.ICEParameters) { p.UsernameFragment = strings.Repeat("u", 257) }), "usernameFragment"},
		{"ufrag with '-'", ice(func(p *params.ICEParameters) { p.UsernameFragment = "abc-def" }), "usernameFragment"},
		{"password missing", ice(func(p *params.ICEParameters) { p.Password = "" }), "password"},
		{"password too short", ice(func(p *params.ICEParameters) { p.Password = "short" }), "password"},
		{"password with space", ice(func(p *params.ICEParameters) { p.Password = "16b2ymxfelb0uo65mv8j7nyw 3igdv9fy" }), "password"},
		{"password with newline", ice(func(p *params.ICEParameters) { p.Password = "16b2ymxfelb0uo65mv8j7nyw3igdv9fy\r\n" }), "password"},
		{"no candidates", ValidateICECandidates(nil), "iceCandidates"},
		{"empty candidates", ValidateICECandidates([]params.ICECandidate{}), "iceCandidates"},
		{"foundation missing", cand(func(c *params.ICECandidate) { c.Foundation = "" }), "iceCandidates[0].foundation"},
		{"foundation with space", cand(func(c *params.ICECandidate) { c.Foundation = "udp candidate" }), "iceCandidates[0].foundation"},
		{"foundation too long", cand(func(c *params.ICECandidate) { c.Foundation = strings.Repeat("f", 33) }), "iceCandidates[0].foundation"},
		{"priority 0", cand(func(c *params.ICECandidate) { c.Priority = 0 }), "iceCandidates[0].priority"},
		{"priority too large", cand(func(c *params.ICECandidate) { c.Priority = 1 << 31 }), "iceCandidates[0].priority"},
		{"no address", cand(func(c *params.ICECandidate) { c.IP = "" }), "iceCandidates[0].ip"},
		{"bad IPv4", cand(func(c *params.ICECandidate) { c.IP = "999.1.1.1" }), "iceCandidates[0].ip"},
		{"unspecified address", cand(func(c *params.ICECandidate) { c.IP = "0.0.0.0" }), "iceCandidates[0].ip"},
		{"multicast address", cand(func(c *params.ICECandidate) { c.IP = "224.0.0.1" }), "iceCandidates[0].ip"},
		{"address with zone", cand(func(c *params.ICECandidate) { c.IP = "fe80::1%eth0" }), "iceCandidates[0].ip"},
		{"bad host name", cand(func(c *params.ICECandidate) { c.IP, c.Address = "", "bad_host!" }), "iceCandidates[0].address"},
		{"host name with leading hyphen", cand(func(c *params.ICECandidate) { c.IP, c.Address = "", "-a.example.com" }), "iceCandidates[0].address"},
		{"numeric non-address", cand(func(c *params.ICECandidate) { c.IP, c.Address = "", "1.2.3" }), "iceCandidates[0].address"},
		{"ip and address disagree", cand(func(c *params.ICECandidate) { c.Address = "127.0.0.2" }), "iceCandidates[0].address"},
		{"protocol missing", cand(func(c *params.ICECandidate) { c.Protocol = "" }), "iceCandidates[0].protocol"},
		{"protocol upper case", cand(func(c *params.ICECandidate) { c.Protocol = "UDP" }), "iceCandidates[0].protocol"},
		{"protocol unknown", cand(func(c *params.ICECandidate) { c.Protocol = "sctp" }), "iceCandidates[0].protocol"},
		{"unknown tcpType", cand(func(c *params.ICECandidate) { c.Protocol, c.TCPType = "tcp", "listen" }), "iceCandidates[0].tcpType"},
		{"port 0", cand(func(c *params.ICECandidate) { c.Port = 0 }), "iceCandidates[0].port"},
		{"type missing", cand(func(c *params.ICECandidate) { c.Type = "" }), "iceCandidates[0].type"},
		{"type unknown", cand(func(c *params.ICECandidate) { c.Type = "local" }), "iceCandidates[0].type"},
		{"second candidate bad", ValidateICECandidates(append(webrtcTransport(t).ICECandidates, params.ICECandidate{Foundation: "x"})), "iceCandidates[1]"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { requireInvalid(t, tc.err, tc.field) })
	}
	if len(bad) < 15 {
		t.Fatalf("only %d malformed inputs", len(bad))
	}

	good := []params.ICECandidate{
		{Foundation: "udpcandidate", Priority: 1076302079, Address: "::1", Protocol: "udp", Port: 40000, Type: "host"},
		{Foundation: "tcpcandidate", Priority: 1076276479, IP: "127.0.0.7", Address: "127.0.0.7", Protocol: "tcp", Port: 40001, Type: "host", TCPType: "passive"},
		{Foundation: "a+b/c", Priority: 1, Address: "127.0.0.1", Protocol: "udp", Port: 1, Type: "relay"},
		// mediasoup-client's own test parameters carry a tcpType on UDP.
		{Foundation: "udpcandidate", Priority: 1078862079, IP: "127.0.0.1", Protocol: "udp", Port: 40533, Type: "host", TCPType: "passive"},
		{Foundation: "udpcandidate", Priority: 1078862079, Address: "::ffff:127.0.0.1", Protocol: "udp", Port: 65535, Type: "srflx", TCPType: "nonsense"},
	}
	if err := ValidateICECandidates(good); err != nil {
		t.Fatal(err)
	}
}

func TestValidateDTLSParameters(t *testing.T) {
	dtls := func(mutate func(p *params.DTLSParameters)) error {
		p := webrtcTransport(t).DTLSParameters
		mutate(&p)
		return ValidateDTLSParameters(&p)
	}
	// Fixture fingerprint 1 is sha-256.
	sha256 := webrtcTransport(t).DTLSParameters.Fingerprints[1].Value
	bad := []struct {
		name  string
		err   error
		field string
	}{
		{"nil", ValidateDTLSParameters(nil), "dtlsParameters"},
		{"unknown role", dtls(func(p *params.DTLSParameters) { p.Role = "active" }), "role"},
		{"upper-case role", dtls(func(p *params.DTLSParameters) { p.Role = "AUTO" }), "role"},
		{"nil fingerprints", dtls(func(p *params.DTLSParameters) { p.Fingerprints = nil }), "fingerprints"},
		{"empty fingerprints", dtls(func(p *params.DTLSParameters) { p.Fingerprints = []params.DTLSFingerprint{} }), "fingerprints"},
		{"algorithm missing", dtls(func(p *params.DTLSParameters) { p.Fingerprints[0].Algorithm = "" }), "fingerprints[0].algorithm"},
		{"md5", dtls(func(p *params.DTLSParameters) { p.Fingerprints[0].Algorithm = "md5" }), "fingerprints[0].algorithm"},
		{"sha-3", dtls(func(p *params.DTLSParameters) { p.Fingerprints[2].Algorithm = "sha-3" }), "fingerprints[2].algorithm"},
		{"value missing", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = "" }), "fingerprints[1].value"},
		{"value too short", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = sha256[:len(sha256)-3] }), "fingerprints[1].value"},
		{"value too long", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = sha256 + ":00" }), "fingerprints[1].value"},
		{"trailing colon", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = sha256[:len(sha256)-2] + "0:" }), "fingerprints[1].value"},
		{"dash separators", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = strings.ReplaceAll(sha256, ":", "-") }), "fingerprints[1].value"},
		{"no separators", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = strings.ReplaceAll(sha256, ":", "") }), "fingerprints[1].value"},
		{"non-hex digit", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = "ZZ" + sha256[2:] }), "fingerprints[1].value"},
		{"spaces for colons", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Value = strings.ReplaceAll(sha256, ":", " ") }), "fingerprints[1].value"},
		{"digest of another algorithm", dtls(func(p *params.DTLSParameters) { p.Fingerprints[1].Algorithm = "sha-1" }), "fingerprints[1].value"},
		{"last fingerprint bad", dtls(func(p *params.DTLSParameters) { p.Fingerprints[4].Value = "00" }), "fingerprints[4].value"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { requireInvalid(t, tc.err, tc.field) })
	}
	if len(bad) < 15 {
		t.Fatalf("only %d malformed inputs", len(bad))
	}

	good := []func(p *params.DTLSParameters){
		func(p *params.DTLSParameters) { p.Role = "" },
		func(p *params.DTLSParameters) { p.Role = params.DTLSRoleClient },
		func(p *params.DTLSParameters) { p.Role = params.DTLSRoleServer },
		func(p *params.DTLSParameters) { p.Fingerprints[1].Algorithm = "SHA-256" },
		func(p *params.DTLSParameters) { p.Fingerprints[1].Value = strings.ToLower(p.Fingerprints[1].Value) },
		func(p *params.DTLSParameters) { p.Fingerprints = p.Fingerprints[1:2] },
	}
	for i, mutate := range good {
		if err := dtls(mutate); err != nil {
			t.Errorf("good case %d: %v", i, err)
		}
	}
}

// TestErrorsNameTheirPath checks the message format on one representative
// error: sentinel first, then the JSON path of the field.
func TestErrorsNameTheirPath(t *testing.T) {
	caps := routerCaps(t)
	caps.Codecs[2].ClockRate = 0
	err := ValidateRTPCapabilities(caps)
	want := params.ErrInvalidParameters.Error() + ": codecs[2].clockRate missing"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// TestValidationIsIdempotent validates the fixtures twice: the second pass
// must neither fail nor change anything.
func TestValidationIsIdempotent(t *testing.T) {
	caps := routerCaps(t)
	caps.Codecs[0].Channels = nil
	if err := ValidateRTPCapabilities(caps); err != nil {
		t.Fatal(err)
	}
	once := toJSON(t, caps)
	if err := ValidateRTPCapabilities(caps); err != nil {
		t.Fatal(err)
	}
	if toJSON(t, caps) != once {
		t.Fatal("second validation changed the capabilities")
	}
}
