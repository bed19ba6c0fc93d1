package mediasoupclient

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
)

// wirePair is a public wire type, its internal twin and the converters
// between them.
type wirePair struct {
	pub, in reflect.Type
	toIn    func(any) any
	fromIn  func(any) any
}

func pair[P, I any](to func(P) I, from func(I) P) wirePair {
	return wirePair{
		pub: reflect.TypeOf((*P)(nil)).Elem(), in: reflect.TypeOf((*I)(nil)).Elem(),
		toIn:   func(v any) any { return to(v.(P)) },
		fromIn: func(v any) any { return from(v.(I)) },
	}
}

var wirePairs = []wirePair{
	pair(RTPCapabilities.internal, rtpCapabilitiesFrom),
	pair(RTPCodecCapability.internal, rtpCodecCapabilityFrom),
	pair(RTPHeaderExtension.internal, rtpHeaderExtensionFrom),
	pair(RTPParameters.internal, rtpParametersFrom),
	pair(RTPCodecParameters.internal, rtpCodecParametersFrom),
	pair(RTPHeaderExtensionParameters.internal, rtpHeaderExtensionParametersFrom),
	pair(RTPEncodingParameters.internal, rtpEncodingParametersFrom),
	pair(RTCPParameters.internal, rtcpParametersFrom),
	pair(RTCPFeedback.internal, rtcpFeedbackFrom),
	pair(SCTPCapabilities.internal, sctpCapabilitiesFrom),
	pair(SCTPParameters.internal, sctpParametersFrom),
	pair(SCTPStreamParameters.internal, sctpStreamParametersFrom),
	pair(ICEParameters.internal, iceParametersFrom),
	pair(ICECandidate.internal, iceCandidateFrom),
	pair(DTLSParameters.internal, dtlsParametersFrom),
}

// sameShape requires two types to have the same kinds, field names, field
// order and JSON tags all the way down.
func sameShape(t *testing.T, path string, pub, in reflect.Type) {
	t.Helper()
	require.Equal(t, in.Kind(), pub.Kind(), "%s: kind", path)
	switch pub.Kind() {
	case reflect.Struct:
		require.Equal(t, in.NumField(), pub.NumField(), "%s: number of fields", path)
		for i := 0; i < pub.NumField(); i++ {
			pf, inf := pub.Field(i), in.Field(i)
			require.Equal(t, inf.Name, pf.Name, "%s: field %d", path, i)
			require.Equal(t, inf.Tag, pf.Tag, "%s.%s: tag", path, pf.Name)
			sameShape(t, path+"."+pf.Name, pf.Type, inf.Type)
		}
	case reflect.Pointer, reflect.Slice:
		sameShape(t, path+"[]", pub.Elem(), in.Elem())
	case reflect.Map:
		sameShape(t, path+"{key}", pub.Key(), in.Key())
		sameShape(t, path+"{}", pub.Elem(), in.Elem())
	default:
		require.Equal(t, in.Kind(), pub.Kind(), "%s", path)
	}
}

// fill sets every field of v to a random non-zero value, slices to one or
// two elements and maps to a few scalar entries.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(r, v.Elem())
	case reflect.Slice:
		n := 1 + r.Intn(2)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fill(r, v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("s"), reflect.ValueOf(fmt.Sprint("v", r.Intn(100))))
		v.SetMapIndex(reflect.ValueOf("n"), reflect.ValueOf(float64(1+r.Intn(100))))
	case reflect.String:
		v.SetString(fmt.Sprint("x", r.Intn(1000)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		v.SetInt(int64(1 + r.Intn(100)))
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		v.SetUint(uint64(1 + r.Intn(100)))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(float64(1+r.Intn(100)) / 4)
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// nonZeroEverywhere requires every field reachable from v to be set, so a
// converter that forgets a field fails the round trip below.
func nonZeroEverywhere(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	require.False(t, v.IsZero(), "%s is zero", path)
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			nonZeroEverywhere(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Pointer:
		nonZeroEverywhere(t, path, v.Elem())
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			nonZeroEverywhere(t, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	}
}

func TestWireTypesMatchInternal(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, p := range wirePairs {
		t.Run(p.pub.Name(), func(t *testing.T) {
			require.Equal(t, p.in.Name(), p.pub.Name())
			sameShape(t, p.pub.Name(), p.pub, p.in)
			for i := 0; i < 20; i++ {
				pub := reflect.New(p.pub).Elem()
				fill(r, pub)
				nonZeroEverywhere(t, p.pub.Name(), pub)
				in := p.toIn(pub.Interface())
				nonZeroEverywhere(t, p.in.Name(), reflect.ValueOf(in))
				back := p.fromIn(in)
				require.Equal(t, pub.Interface(), back, "round trip")

				pubJSON, err := json.Marshal(pub.Interface())
				require.NoError(t, err)
				inJSON, err := json.Marshal(in)
				require.NoError(t, err)
				require.JSONEq(t, string(inJSON), string(pubJSON), "both types marshal alike")
			}
		})
	}
}

// The converters copy: changing what one side holds leaves the other alone.
func TestWireConversionCopies(t *testing.T) {
	pub := RTPParameters{
		Codecs:           []RTPCodecParameters{{MimeType: "video/VP8", Channels: ptr(1), Parameters: CodecParameters{"x": "1"}, RTCPFeedback: []RTCPFeedback{{Type: "nack"}}}},
		HeaderExtensions: []RTPHeaderExtensionParameters{{URI: "urn:x", ID: 1, Parameters: CodecParameters{"a": 1.0}}},
		Encodings:        []RTPEncodingParameters{{SSRC: 1, RTX: &RTPEncodingRTX{SSRC: 2}, Active: ptr(true)}},
		RTCP:             RTCPParameters{CNAME: "c", Mux: ptr(true)},
	}
	in := pub.internal()
	in.Codecs[0].Parameters["x"] = "2"
	*in.Codecs[0].Channels = 2
	in.Codecs[0].RTCPFeedback[0].Type = "ccm"
	in.HeaderExtensions[0].Parameters["a"] = 2.0
	in.Encodings[0].RTX.SSRC = 3
	*in.Encodings[0].Active = false
	*in.RTCP.Mux = false
	require.Equal(t, "1", pub.Codecs[0].Parameters["x"])
	require.Equal(t, 1, *pub.Codecs[0].Channels)
	require.Equal(t, "nack", pub.Codecs[0].RTCPFeedback[0].Type)
	require.Equal(t, 1.0, pub.HeaderExtensions[0].Parameters["a"])
	require.Equal(t, uint32(2), pub.Encodings[0].RTX.SSRC)
	require.True(t, *pub.Encodings[0].Active)
	require.True(t, *pub.RTCP.Mux)

	back := rtpParametersFrom(in)
	back.Codecs[0].Parameters["x"] = "3"
	require.Equal(t, "2", in.Codecs[0].Parameters["x"])

	sctp := SCTPParameters{MaxSendMessageSize: ptr(10)}
	isctp := sctp.internal()
	*isctp.MaxSendMessageSize = 20
	require.Equal(t, 10, *sctp.MaxSendMessageSize)
}

// The server's JSON decodes straight into the public types and marshals
// back to the same document.
func TestWireTypesFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, member string
		into         any
	}{
		{"router-rtp-capabilities.json", "", &RTPCapabilities{}},
		{"webrtc-transport.json", "iceParameters", &ICEParameters{}},
		{"webrtc-transport.json", "iceCandidates", &[]ICECandidate{}},
		{"webrtc-transport.json", "dtlsParameters", &DTLSParameters{}},
		{"webrtc-transport.json", "sctpParameters", &SCTPParameters{}},
		{"webrtc-transport-sctp-new.json", "sctpParameters", &SCTPParameters{}},
	} {
		t.Run(tc.file+"/"+tc.member, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "fixtures", tc.file))
			require.NoError(t, err)
			if tc.member != "" {
				var top map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(data, &top))
				require.Contains(t, top, tc.member)
				data = top[tc.member]
			}
			require.NoError(t, json.Unmarshal(data, tc.into))
			out, err := json.Marshal(tc.into)
			require.NoError(t, err)
			require.JSONEq(t, string(data), string(out))
		})
	}
}

// go doc of the package shows the wire types' fields: they are defined here,
// not aliases of an internal package.
func TestWireTypesDocumented(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command runs go doc")
	for _, tc := range []struct{ typ, field string }{
		{"RTPCapabilities", "Codecs []RTPCodecCapability"},
		{"RTPParameters", "Encodings []RTPEncodingParameters"},
		{"SCTPParameters", "MaxSendMessageSize *int"},
		{"RTPCodecParameters", "PayloadType uint8"},
		{"ICECandidate", "Address string"},
	} {
		out, err := exec.Command(goBin, "doc", ".", tc.typ).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.NotContains(t, string(out), "= params.", "%s is an alias", tc.typ)
		require.Contains(t, strings.Join(strings.Fields(string(out)), " "), tc.field, "go doc %s", tc.typ)
	}
}

// The options structs decode straight from the server's responses, and
// marshal (callbacks left out) without error.
func TestOptionsDecodeServerJSON(t *testing.T) {
	tr := fixtureTransportOptions(t)
	require.NotEmpty(t, tr.ID)
	require.NotEmpty(t, tr.ICEParameters.UsernameFragment)
	require.NotEmpty(t, tr.ICECandidates)
	require.NotEmpty(t, tr.DTLSParameters.Fingerprints)
	require.NotNil(t, tr.SCTPParameters)
	require.Equal(t, 5000, tr.SCTPParameters.Port)

	audio, video := fixtureConsumers(t)
	for _, c := range []ConsumerOptions{audio, video} {
		require.NotEmpty(t, c.ID)
		require.NotEmpty(t, c.ProducerID)
		require.NotEmpty(t, c.RTPParameters.Codecs)
		require.NotZero(t, c.RTPParameters.Encodings[0].SSRC)
	}
	require.Equal(t, MediaKindAudio, audio.Kind)
	require.Equal(t, MediaKindVideo, video.Kind)
	audio.OnRTPReceiver = func(*webrtc.RTPReceiver) {}
	_, err := json.Marshal(audio)
	require.NoError(t, err)

	var dc DataConsumerOptions
	loadFixture(t, "data-consumer.json", &dc)
	require.NotEmpty(t, dc.ID)
	require.NotEmpty(t, dc.DataProducerID)
	require.NotEmpty(t, dc.Label)
	dc.OnMessage = func(webrtc.DataChannelMessage) {}
	_, err = json.Marshal(dc)
	require.NoError(t, err)
}
