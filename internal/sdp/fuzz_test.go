package sdp

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/ice/v2"
	psdp "github.com/pion/sdp/v3"

	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// fuzzMedia is one consumer (offer) or producer (answer) of a fuzz input.
type fuzzMedia struct {
	ID            string               `json:"id"`
	Kind          params.MediaKind     `json:"kind"`
	StreamID      string               `json:"streamId,omitempty"`
	RTPParameters params.RTPParameters `json:"rtpParameters"`
}

// fuzzInput is a transport as the server describes it, the media sections
// to put in its remote description, and whether it has a data channel.
type fuzzInput struct {
	Answer         bool                   `json:"answer,omitempty"`
	ICEParameters  params.ICEParameters   `json:"iceParameters"`
	ICECandidates  []params.ICECandidate  `json:"iceCandidates"`
	DTLSParameters params.DTLSParameters  `json:"dtlsParameters"`
	SCTPParameters *params.SCTPParameters `json:"sctpParameters,omitempty"`
	Media          []fuzzMedia            `json:"media"`
	Data           bool                   `json:"data,omitempty"`
}

// maxFuzzMedia keeps one fuzz execution small.
const maxFuzzMedia = 8

// validate applies the checks the SDK makes before it builds a remote
// description; nil means the input must produce an SDP pion parses.
func (in *fuzzInput) validate() error {
	if len(in.Media) > maxFuzzMedia {
		return params.ErrInvalidParameters
	}
	if err := ortc.ValidateICEParameters(&in.ICEParameters); err != nil {
		return err
	}
	if err := ortc.ValidateICECandidates(in.ICECandidates); err != nil {
		return err
	}
	if err := ortc.ValidateDTLSParameters(&in.DTLSParameters); err != nil {
		return err
	}
	if in.SCTPParameters != nil {
		if err := ortc.ValidateSCTPParameters(in.SCTPParameters); err != nil {
			return err
		}
	}
	for i := range in.Media {
		m := &in.Media[i]
		if err := ortc.ValidateConsumerOptions(m.ID, "producer", m.StreamID, m.Kind, &m.RTPParameters); err != nil {
			return err
		}
	}
	return nil
}

// build renders the remote description as the receive and send handlers
// do: mids "0", "1", ..., the stream id falling back to the CNAME, the
// simulcast RIDs of an answer taken from the encodings.
func (in *fuzzInput) build() (*RemoteSDP, string) {
	role := RoleOffer
	if in.Answer {
		role = RoleAnswer
	}
	r := New(role, in.ICEParameters, in.ICECandidates, in.DTLSParameters, in.SCTPParameters)
	for i, m := range in.Media {
		streamID := m.StreamID
		if streamID == "" {
			streamID = m.RTPParameters.RTCP.CNAME
		}
		if streamID == "" {
			streamID = "-"
		}
		var rids []string
		for _, e := range m.RTPParameters.Encodings {
			if e.RID != "" {
				rids = append(rids, e.RID)
			}
		}
		r.SetMedia(MediaOptions{
			MID: strconv.Itoa(i), Kind: m.Kind, RTPParameters: m.RTPParameters,
			StreamID: streamID, TrackID: m.ID, RIDs: rids,
		})
	}
	if in.Data {
		r.SetApplication(strconv.Itoa(len(in.Media)))
	}
	return r, r.Text()
}

// knownAttributes are the attribute lines the builder writes.
var knownAttributes = map[string]bool{
	"ice-lite": true, "ice-ufrag": true, "ice-pwd": true, "fingerprint": true,
	"msid-semantic": true, "group": true, "candidate": true, "end-of-candidates": true,
	"setup": true, "mid": true, "sendonly": true, "recvonly": true, "inactive": true,
	"rtpmap": true, "rtcp-fb": true, "fmtp": true, "extmap": true, "rtcp-mux": true,
	"rtcp-rsize": true, "msid": true, "ssrc": true, "ssrc-group": true, "rid": true,
	"simulcast": true, "sctp-port": true, "max-message-size": true,
}

func countAttributes(attrs []psdp.Attribute, key string) int {
	n := 0
	for _, a := range attrs {
		if a.Key == key {
			n++
		}
	}
	return n
}

// checkParsesBack parses text as pion does and compares it with what in
// asked for.
func checkParsesBack(t *testing.T, in *fuzzInput, text string) {
	t.Helper()
	var d psdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		t.Fatalf("pion cannot parse the SDP: %v\n%s", err, text)
	}
	sections := len(in.Media)
	if in.Data {
		sections++
	}
	if len(d.MediaDescriptions) != sections {
		t.Fatalf("%d media sections, want %d\n%s", len(d.MediaDescriptions), sections, text)
	}
	for _, a := range d.Attributes {
		if !knownAttributes[a.Key] {
			t.Fatalf("injected session attribute %q\n%s", a.Key, text)
		}
	}
	if got := countAttributes(d.Attributes, "ice-ufrag"); got != 1 {
		t.Fatalf("%d ice-ufrag lines\n%s", got, text)
	}
	if ufrag, _ := d.Attribute("ice-ufrag"); ufrag != in.ICEParameters.UsernameFragment {
		t.Fatalf("ice-ufrag %q, want %q", ufrag, in.ICEParameters.UsernameFragment)
	}
	if fp, ok := d.Attribute("fingerprint"); !ok || len(strings.Split(fp, " ")) != 2 {
		t.Fatalf("fingerprint %q does not split in two as pion reads it", fp)
	}
	for i, md := range d.MediaDescriptions {
		for _, a := range md.Attributes {
			if !knownAttributes[a.Key] {
				t.Fatalf("section %d: injected attribute %q\n%s", i, a.Key, text)
			}
		}
		if mid, _ := md.Attribute("mid"); mid != strconv.Itoa(i) {
			t.Fatalf("section %d: mid %q", i, mid)
		}
		wantCandidates := 0
		if i == 0 {
			wantCandidates = len(in.ICECandidates)
		}
		if got := countAttributes(md.Attributes, "candidate"); got != wantCandidates {
			t.Fatalf("section %d: %d candidates, want %d\n%s", i, got, wantCandidates, text)
		}
		for _, a := range md.Attributes {
			switch a.Key {
			case "candidate":
				if _, err := ice.UnmarshalCandidate(a.Value); err != nil {
					t.Fatalf("pion cannot parse candidate %q: %v", a.Value, err)
				}
			case "extmap":
				var e psdp.ExtMap
				if err := e.Unmarshal(a.String()); err != nil {
					t.Fatalf("pion cannot parse %q: %v", a.String(), err)
				}
			case "fmtp":
				if len(strings.Split(a.String(), " ")) != 2 {
					t.Fatalf("pion cannot split %q", a.String())
				}
			}
		}
		if i == len(in.Media) {
			continue // the data channel section
		}
		checkMediaSection(t, &d, md, &in.Media[i], in.Answer)
	}
}

func checkMediaSection(t *testing.T, d *psdp.SessionDescription, md *psdp.MediaDescription, m *fuzzMedia, answer bool) {
	t.Helper()
	p := m.RTPParameters
	if md.MediaName.Media != string(m.Kind) {
		t.Fatalf("media %q, want %q", md.MediaName.Media, m.Kind)
	}
	if len(md.MediaName.Formats) != len(p.Codecs) {
		t.Fatalf("%d formats, want %d codecs", len(md.MediaName.Formats), len(p.Codecs))
	}
	if got := countAttributes(md.Attributes, "rtpmap"); got != len(p.Codecs) {
		t.Fatalf("%d rtpmap lines, want %d", got, len(p.Codecs))
	}
	if got := countAttributes(md.Attributes, "extmap"); got != len(p.HeaderExtensions) {
		t.Fatalf("%d extmap lines, want %d", got, len(p.HeaderExtensions))
	}
	// pion reads codecs per section, as webrtc's codecsFromMediaDescription
	// does.
	one := &psdp.SessionDescription{MediaDescriptions: []*psdp.MediaDescription{md}}
	for _, c := range p.Codecs {
		got, err := one.GetCodecForPayloadType(c.PayloadType)
		if err != nil {
			t.Fatalf("pion finds no codec at payload type %d: %v", c.PayloadType, err)
		}
		_, subtype, _ := strings.Cut(c.MimeType, "/")
		if got.Name != subtype || int(got.ClockRate) != c.ClockRate {
			t.Fatalf("payload type %d reads back as %s/%d, want %s/%d", c.PayloadType, got.Name, got.ClockRate, subtype, c.ClockRate)
		}
	}
	if answer {
		return
	}
	msid, ok := md.Attribute("msid")
	if !ok {
		t.Fatal("no msid")
	}
	parts := strings.Split(msid, " ")
	if len(parts) != 2 || parts[1] != m.ID {
		t.Fatalf("msid %q does not read back as <stream> %s", msid, m.ID)
	}
	for _, a := range md.Attributes {
		if a.Key == "ssrc" {
			if f := strings.Split(a.Value, " "); len(f) != 2 && len(f) != 3 {
				t.Fatalf("ssrc line %q splits in %d", a.Value, len(f))
			}
		}
	}
}

// FuzzRemoteSDP: whatever passes the SDK's validation must give an SDP
// that pion parses back with the same media sections and no attribute line
// the builder did not mean to write.
func FuzzRemoteSDP(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in fuzzInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		if err := in.validate(); err != nil {
			if !errors.Is(err, params.ErrInvalidParameters) {
				t.Fatalf("validation error does not wrap ErrInvalidParameters: %v", err)
			}
			return
		}
		_, text := in.build()
		checkParsesBack(t, &in, text)
	})
}

// fuzzSeeds builds inputs from the fixtures: an offer with both consumers
// and a data channel, an answer, and the new SCTP shape.
func fuzzSeeds(tb testing.TB) [][]byte {
	read := func(name string, v any) {
		b, err := os.ReadFile("../../testdata/fixtures/" + name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			tb.Fatal(err)
		}
	}
	var classic, newShape fuzzInput
	read("webrtc-transport.json", &classic)
	read("webrtc-transport-sctp-new.json", &newShape)
	var audio, video fuzzMedia
	read("consumer-audio.json", &audio)
	read("consumer-video-simulcast.json", &video)

	offer := classic
	offer.Media = []fuzzMedia{audio, video}
	offer.Data = true
	answer := newShape
	answer.Answer = true
	answer.Media = []fuzzMedia{video}
	data := newShape
	data.Data = true
	var out [][]byte
	for _, in := range []fuzzInput{offer, answer, data} {
		b, err := json.Marshal(in)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestFuzzSeedsValidate keeps the seeds meaningful: each passes
// validation, so the fuzzer starts from SDPs that are built and parsed.
func TestFuzzSeedsValidate(t *testing.T) {
	for i, seed := range fuzzSeeds(t) {
		var in fuzzInput
		if err := json.Unmarshal(seed, &in); err != nil {
			t.Fatal(err)
		}
		if err := in.validate(); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		_, text := in.build()
		checkParsesBack(t, &in, text)
	}
}
