package params

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixtureDir = "../../testdata/fixtures"

// fixtureObject returns the JSON of one member of a fixture file, or the
// whole file when member is empty.
func fixtureObject(t *testing.T, file, member string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, file))
	if err != nil {
		t.Fatal(err)
	}
	if member == "" {
		return data
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	raw, ok := top[member]
	if !ok {
		t.Fatalf("%s has no %q", file, member)
	}
	return raw
}

// roundTrip unmarshals data into a new value of dst's type, marshals it back
// and requires both JSON documents to be equal once decoded as generic JSON.
func roundTrip(t *testing.T, data []byte, dst any) []byte {
	t.Helper()
	if err := json.Unmarshal(data, dst); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	out, err := json.Marshal(dst)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	requireSameJSON(t, data, out)
	return out
}

func requireSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got: %v", err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Fatalf("JSON changed in the round trip\nwant: %s\n got: %s", compact(want), compact(got))
	}
}

func compact(data []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return string(data)
	}
	return buf.String()
}

// TestFixtureRoundTrip covers every fixture file and every wire object in it.
func TestFixtureRoundTrip(t *testing.T) {
	type object struct {
		member string
		newDst func() any
	}
	cases := map[string][]object{
		"router-rtp-capabilities.json": {
			{"", func() any { return new(RTPCapabilities) }},
		},
		"consumer-audio.json": {
			{"rtpParameters", func() any { return new(RTPParameters) }},
			{"kind", func() any { return new(MediaKind) }},
		},
		"consumer-video-simulcast.json": {
			{"rtpParameters", func() any { return new(RTPParameters) }},
			{"kind", func() any { return new(MediaKind) }},
		},
		"webrtc-transport.json": {
			{"iceParameters", func() any { return new(ICEParameters) }},
			{"iceCandidates", func() any { return new([]ICECandidate) }},
			{"dtlsParameters", func() any { return new(DTLSParameters) }},
			{"sctpParameters", func() any { return new(SCTPParameters) }},
		},
		"webrtc-transport-sctp-new.json": {
			{"iceParameters", func() any { return new(ICEParameters) }},
			{"iceCandidates", func() any { return new([]ICECandidate) }},
			{"dtlsParameters", func() any { return new(DTLSParameters) }},
			{"sctpParameters", func() any { return new(SCTPParameters) }},
		},
		"data-consumer.json": {
			{"sctpStreamParameters", func() any { return new(SCTPStreamParameters) }},
		},
	}

	// A fixture added later must get a row here.
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures found")
	}
	for _, f := range files {
		if _, ok := cases[filepath.Base(f)]; !ok {
			t.Errorf("fixture %s has no round-trip case", filepath.Base(f))
		}
	}

	for file, objects := range cases {
		for _, obj := range objects {
			name := file
			if obj.member != "" {
				name += "/" + obj.member
			}
			t.Run(name, func(t *testing.T) {
				roundTrip(t, fixtureObject(t, file, obj.member), obj.newDst())
			})
		}
	}
}

// TestNumbersStayNumbers checks the JSON types of codec parameters after a
// round trip: numbers must not turn into strings or the other way round.
func TestNumbersStayNumbers(t *testing.T) {
	var caps RTPCapabilities
	out := roundTrip(t, fixtureObject(t, "router-rtp-capabilities.json", ""), &caps)

	var generic struct {
		Codecs []struct {
			MimeType   string         `json:"mimeType"`
			Parameters map[string]any `json:"parameters"`
		} `json:"codecs"`
	}
	if err := json.Unmarshal(out, &generic); err != nil {
		t.Fatal(err)
	}
	var sawBitrate, sawProfile, sawApt bool
	for _, c := range generic.Codecs {
		for key, v := range c.Parameters {
			switch key {
			case "x-google-start-bitrate", "apt", "packetization-mode", "level-asymmetry-allowed", "profile-id":
				if _, ok := v.(float64); !ok {
					t.Errorf("%s %s = %#v, want a JSON number", c.MimeType, key, v)
				}
			case "profile-level-id":
				if _, ok := v.(string); !ok {
					t.Errorf("%s %s = %#v, want a JSON string", c.MimeType, key, v)
				}
			}
			sawBitrate = sawBitrate || key == "x-google-start-bitrate"
			sawProfile = sawProfile || key == "profile-level-id"
			sawApt = sawApt || key == "apt"
		}
	}
	if !sawBitrate || !sawProfile || !sawApt {
		t.Fatalf("fixture lacks the parameters under test (bitrate %v, profile %v, apt %v)", sawBitrate, sawProfile, sawApt)
	}
	// And the raw text really holds a number, not a quoted one.
	if !bytes.Contains(out, []byte(`"x-google-start-bitrate":1000`)) {
		t.Errorf("x-google-start-bitrate not written as a bare number: %s", out)
	}
	if !bytes.Contains(out, []byte(`"profile-level-id":"4d0032"`)) {
		t.Errorf("profile-level-id not written as a string: %s", out)
	}
}

func TestUnknownFieldsSurvive(t *testing.T) {
	cases := []struct {
		name string
		json string
		dst  func() any
	}{
		{
			name: "unknown codec parameters in capabilities",
			json: `{"codecs":[{"kind":"video","mimeType":"video/AV1","clockRate":90000,"preferredPayloadType":45,
				"parameters":{"x-custom":"abc","x-ratio":0.25,"level-idx":5,"tier":"0"},
				"rtcpFeedback":[{"type":"x-experimental","parameter":"foo bar"}]}],"headerExtensions":[]}`,
			dst: func() any { return new(RTPCapabilities) },
		},
		{
			name: "unknown header extension URI in capabilities",
			json: `{"codecs":[],"headerExtensions":[{"kind":"video","uri":"urn:example:made-up-extension","preferredId":14,"preferredEncrypt":true,"direction":"inactive"}]}`,
			dst:  func() any { return new(RTPCapabilities) },
		},
		{
			name: "unknown header extension URI and parameters in RTP parameters",
			json: `{"mid":"7","codecs":[{"mimeType":"audio/x-weird","payloadType":120,"clockRate":16000,"channels":1,
				"parameters":{"foo":"bar","n":-3},"rtcpFeedback":[]}],
				"headerExtensions":[{"uri":"urn:example:made-up-extension","id":200,"encrypt":true,"parameters":{"vendor":"acme","v":2}}],
				"encodings":[{"ssrc":1,"dtx":true}],"rtcp":{"cname":"x","reducedSize":false,"mux":false}}`,
			dst: func() any { return new(RTPParameters) },
		},
		{
			name: "empty parameters and rtcpFeedback in RTP parameters",
			json: `{"codecs":[{"mimeType":"video/VP8","payloadType":96,"clockRate":90000,"parameters":{},"rtcpFeedback":[]}],
				"headerExtensions":[{"uri":"urn:ietf:params:rtp-hdrext:sdes:mid","id":1,"encrypt":false,"parameters":{}}],
				"encodings":[],"rtcp":{}}`,
			dst: func() any { return new(RTPParameters) },
		},
		{
			name: "empty parameters and rtcpFeedback in capabilities",
			json: `{"codecs":[{"kind":"audio","mimeType":"audio/opus","clockRate":48000,"channels":2,"parameters":{},"rtcpFeedback":[]}],"headerExtensions":[]}`,
			dst:  func() any { return new(RTPCapabilities) },
		},
		{
			name: "simulcast encodings with every field",
			json: `{"codecs":[],"headerExtensions":[],"encodings":[
				{"rid":"r0","active":true,"scalabilityMode":"L1T3","scaleResolutionDownBy":4,"maxBitrate":150000,"maxFramerate":15.5,"priority":"low","networkPriority":"high","codecPayloadType":96},
				{"rid":"r1","active":false,"adaptivePtime":true,"rtx":{"ssrc":7}}],"rtcp":{"cname":"c"}}`,
			dst: func() any { return new(RTPParameters) },
		},
		{
			name: "partially reliable SCTP stream",
			json: `{"streamId":65534,"ordered":false,"maxRetransmits":0,"label":"l","protocol":"p"}`,
			dst:  func() any { return new(SCTPStreamParameters) },
		},
		{
			name: "mediasoup 3.13 candidate with address and tcpType",
			json: `{"foundation":"tcpcandidate","priority":1076276479,"address":"::1","protocol":"tcp","port":44444,"type":"host","tcpType":"passive"}`,
			dst:  func() any { return new(ICECandidate) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roundTrip(t, []byte(tc.json), tc.dst())
		})
	}
}

func TestNilCollectionsMarshalEmpty(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want []string
	}{
		{"capabilities", RTPCapabilities{}, []string{`"codecs":[]`, `"headerExtensions":[]`}},
		{"codec capability", RTPCodecCapability{Kind: MediaKindAudio, MimeType: "audio/opus", ClockRate: 48000}, []string{`"parameters":{}`, `"rtcpFeedback":[]`}},
		{"rtp parameters", RTPParameters{}, []string{`"codecs":[]`, `"headerExtensions":[]`, `"encodings":[]`, `"rtcp":{}`}},
		{"codec parameters", RTPCodecParameters{MimeType: "video/VP8", ClockRate: 90000}, []string{`"parameters":{}`, `"rtcpFeedback":[]`}},
		{"header extension parameters", RTPHeaderExtensionParameters{URI: "u", ID: 1}, []string{`"parameters":{}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("%s lacks %s", out, w)
				}
			}
		})
	}
}

func TestCodecParametersInt(t *testing.T) {
	p := CodecParameters{
		"float":     float64(1000),
		"fraction":  1.5,
		"negative":  float64(-7),
		"numstr":    "42",
		"spaced":    " 42 ",
		"hexstr":    "4d0032",
		"emptystr":  "",
		"int":       5,
		"uint8":     uint8(200),
		"int64":     int64(-3),
		"float32":   float32(2),
		"jsonnum":   json.Number("96"),
		"jsonfrac":  json.Number("9.5"),
		"jsonbad":   json.Number("x"),
		"nan":       math.NaN(),
		"inf":       math.Inf(1),
		"huge":      1e300,
		"beyond53":  float64(1<<53 + 2),
		"at53":      float64(1 << 53),
		"bool":      true,
		"nil":       nil,
		"map":       map[string]any{},
		"zero":      float64(0),
		"zerostr":   "0",
		"plusstr":   "+8",
		"floatstr":  "1.0",
		"negzero":   math.Copysign(0, -1),
		"bigstring": "99999999999999999999999",
	}
	cases := []struct {
		key    string
		want   int
		wantOK bool
	}{
		{"float", 1000, true},
		{"fraction", 0, false},
		{"negative", -7, true},
		{"numstr", 42, true},
		{"spaced", 42, true},
		{"hexstr", 0, false},
		{"emptystr", 0, false},
		{"int", 5, true},
		{"uint8", 200, true},
		{"int64", -3, true},
		{"float32", 2, true},
		{"jsonnum", 96, true},
		{"jsonfrac", 0, false},
		{"jsonbad", 0, false},
		{"nan", 0, false},
		{"inf", 0, false},
		{"huge", 0, false},
		{"beyond53", 0, false},
		{"at53", 1 << 53, true},
		{"bool", 0, false},
		{"nil", 0, false},
		{"map", 0, false},
		{"zero", 0, true},
		{"zerostr", 0, true},
		{"plusstr", 8, true},
		{"floatstr", 0, false},
		{"negzero", 0, true},
		{"bigstring", 0, false},
		{"absent", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			got, ok := p.Int(tc.key)
			// The value only means something when ok is true.
			if ok != tc.wantOK || ok && got != tc.want {
				t.Fatalf("Int(%q) = %d, %v; want %d, %v", tc.key, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestCodecParametersString(t *testing.T) {
	p := CodecParameters{
		"str":      "4d0032",
		"empty":    "",
		"float":    float64(1000),
		"fraction": 1.5,
		"negative": float64(-2),
		"int":      7,
		"uint32":   uint32(4000000000),
		"float32":  float32(0.5),
		"jsonnum":  json.Number("0012"),
		"huge":     1e21,
		"bool":     false,
		"nil":      nil,
		"slice":    []any{1},
	}
	cases := []struct {
		key    string
		want   string
		wantOK bool
	}{
		{"str", "4d0032", true},
		{"empty", "", true},
		{"float", "1000", true},
		{"fraction", "1.5", true},
		{"negative", "-2", true},
		{"int", "7", true},
		{"uint32", "4000000000", true},
		{"float32", "0.5", true},
		{"jsonnum", "0012", true},
		{"huge", "1000000000000000000000", true},
		{"bool", "", false},
		{"nil", "", false},
		{"slice", "", false},
		{"absent", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			got, ok := p.String(tc.key)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("String(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestIsNumberOrString(t *testing.T) {
	cases := []struct {
		v    any
		want bool
	}{
		{"x", true}, {"", true}, {float64(1), true}, {1, true}, {uint16(3), true},
		{json.Number("5"), true}, {json.Number("five"), false},
		{true, false}, {nil, false}, {map[string]any{}, false}, {[]any{}, false}, {struct{}{}, false},
	}
	for _, tc := range cases {
		if got := IsNumberOrString(tc.v); got != tc.want {
			t.Errorf("IsNumberOrString(%#v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

// TestCloneIsDeep mutates every nested reference of a clone and checks the
// original did not move.
func TestCloneIsDeep(t *testing.T) {
	var orig RTPParameters
	if err := json.Unmarshal(fixtureObject(t, "consumer-video-simulcast.json", "rtpParameters"), &orig); err != nil {
		t.Fatal(err)
	}
	orig.Encodings[0].Active = Ptr(true)
	orig.Encodings[0].CodecPayloadType = Ptr(uint8(101))
	before, _ := json.Marshal(orig)

	c := orig.Clone()
	c.Codecs[0].Parameters["x"] = 1
	c.Codecs[0].RTCPFeedback[0].Type = "changed"
	c.HeaderExtensions[0].Parameters["y"] = 2
	c.Encodings[0].RTX.SSRC = 1
	*c.Encodings[0].Active = false
	*c.Encodings[0].CodecPayloadType = 1
	*c.RTCP.ReducedSize = false

	after, _ := json.Marshal(orig)
	if !bytes.Equal(before, after) {
		t.Fatalf("mutating the clone changed the original\nbefore: %s\n after: %s", before, after)
	}

	var caps RTPCapabilities
	if err := json.Unmarshal(fixtureObject(t, "router-rtp-capabilities.json", ""), &caps); err != nil {
		t.Fatal(err)
	}
	capsBefore, _ := json.Marshal(caps)
	cc := caps.Clone()
	*cc.Codecs[0].PreferredPayloadType = 1
	*cc.Codecs[0].Channels = 9
	cc.Codecs[1].Parameters["x-google-start-bitrate"] = 1
	cc.HeaderExtensions[0].URI = "changed"
	capsAfter, _ := json.Marshal(caps)
	if !bytes.Equal(capsBefore, capsAfter) {
		t.Fatal("mutating the capabilities clone changed the original")
	}
}

// TestSCTPParametersShapes covers both shapes a server sends: each keeps
// exactly its own fields through a round trip, and the data channel limit
// comes from whichever field is present.
func TestSCTPParametersShapes(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		limit    int
		newShape bool
	}{
		{"classic", `{"port":5000,"OS":1024,"MIS":1024,"maxMessageSize":262144}`, 262144, false},
		{"classic with server figures", `{"port":5000,"OS":1024,"MIS":1024,"maxMessageSize":65536,"isDataChannel":true,"sctpBufferedAmount":0,"sendBufferSize":262144}`, 65536, false},
		{"new", `{"port":5000,"maxSendMessageSize":131072,"maxReceiveMessageSize":262144,"sendBufferSize":2000000,"perStreamSendQueueLimit":2000000,"maxReceiverWindowBufferSize":5242880,"isDataChannel":true}`, 131072, true},
		{"new with totalBufferedAmount", `{"port":5000,"maxSendMessageSize":262144,"maxReceiveMessageSize":262144,"sendBufferSize":2000000,"perStreamSendQueueLimit":2000000,"maxReceiverWindowBufferSize":5242880,"isDataChannel":false,"totalBufferedAmount":0}`, 262144, true},
		{"new with classic fields kept", `{"port":5000,"OS":65535,"MIS":65535,"maxMessageSize":262144,"maxSendMessageSize":100000,"maxReceiveMessageSize":262144,"sendBufferSize":2000000,"perStreamSendQueueLimit":2000000,"maxReceiverWindowBufferSize":5242880,"isDataChannel":true}`, 100000, true},
		{"receive size only", `{"port":5000,"maxReceiveMessageSize":262144}`, 0, true},
		{"neither size", `{"port":5000}`, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p SCTPParameters
			roundTrip(t, []byte(tc.json), &p)
			if got := p.DataChannelMaxMessageSize(); got != tc.limit {
				t.Errorf("DataChannelMaxMessageSize() = %d, want %d", got, tc.limit)
			}
			if got := p.IsNewShape(); got != tc.newShape {
				t.Errorf("IsNewShape() = %v, want %v", got, tc.newShape)
			}
			c := p.Clone()
			if !reflect.DeepEqual(c, p) {
				t.Fatalf("Clone() = %+v, want %+v", c, p)
			}
			if c.MaxSendMessageSize != nil && c.MaxSendMessageSize == p.MaxSendMessageSize {
				t.Fatal("Clone shares maxSendMessageSize")
			}
		})
	}
}

// TestUnknownFieldsAccepted: fields a newer server adds do not stop
// decoding.
func TestUnknownFieldsAccepted(t *testing.T) {
	objects := []struct {
		json string
		dst  any
	}{
		{`{"port":5000,"maxSendMessageSize":1,"futureField":{"a":[1,2]}}`, new(SCTPParameters)},
		{`{"usernameFragment":"abcd","password":"p","iceLite":true,"x":1}`, new(ICEParameters)},
		{`[{"foundation":"f","priority":1,"address":"127.0.0.1","protocol":"udp","port":1,"type":"host","tcpType":"passive","relatedAddress":"127.0.0.1","x":null}]`, new([]ICECandidate)},
		{`{"role":"auto","fingerprints":[],"x":"y"}`, new(DTLSParameters)},
		{`{"codecs":[{"mimeType":"video/VP8","payloadType":101,"clockRate":90000,"x":1}],"encodings":[{"ssrc":1,"x":2}],"rtcp":{"cname":"c","x":3},"msid":"a b","x":4}`, new(RTPParameters)},
		{`{"codecs":[{"kind":"audio","mimeType":"audio/opus","clockRate":48000,"x":1}],"headerExtensions":[{"kind":"audio","uri":"urn:x","preferredId":1,"x":2}],"x":3}`, new(RTPCapabilities)},
		{`{"streamId":1,"ordered":true,"x":1}`, new(SCTPStreamParameters)},
	}
	for _, o := range objects {
		if err := json.Unmarshal([]byte(o.json), o.dst); err != nil {
			t.Errorf("%s: %v", o.json, err)
		}
	}
}
