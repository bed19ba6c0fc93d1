package ortc

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Header extension URIs used by the tests.
const (
	negTestURIMID         = "urn:ietf:params:rtp-hdrext:sdes:mid"
	negTestURIRID         = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	negTestURIRRID        = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
	negTestURIAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	negTestURITWCC        = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	negTestURIAudioLevel  = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	negTestURICaptureTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
)

var negVideoFeedback = []params.RTCPFeedback{
	{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"},
	{Type: "goog-remb"}, {Type: "transport-cc"},
}

// negPionLikeCaps is what the pion handler advertises: pion's default codecs
// with their SDP fmtp values (strings), RTX for every video codec, and the
// header extensions it registers.
func negPionLikeCaps() params.RTPCapabilities {
	video := func(mime string, pt uint8, p params.CodecParameters) params.RTPCodecCapability {
		return params.RTPCodecCapability{
			Kind: params.MediaKindVideo, MimeType: mime, PreferredPayloadType: params.Ptr(pt),
			ClockRate: 90000, Parameters: p, RTCPFeedback: append([]params.RTCPFeedback(nil), negVideoFeedback...),
		}
	}
	rtx := func(pt, apt uint8) params.RTPCodecCapability {
		return params.RTPCodecCapability{
			Kind: params.MediaKindVideo, MimeType: "video/rtx", PreferredPayloadType: params.Ptr(pt),
			ClockRate: 90000, Parameters: params.CodecParameters{"apt": int(apt)},
		}
	}
	h264 := func(plid string) params.CodecParameters {
		return params.CodecParameters{"level-asymmetry-allowed": "1", "packetization-mode": "1", "profile-level-id": plid}
	}
	ext := func(kind params.MediaKind, uri string, id int) params.RTPHeaderExtension {
		return params.RTPHeaderExtension{Kind: kind, URI: uri, PreferredID: id, Direction: params.DirectionSendRecv}
	}
	a, v := params.MediaKindAudio, params.MediaKindVideo
	return params.RTPCapabilities{
		Codecs: []params.RTPCodecCapability{
			{
				Kind: a, MimeType: "audio/opus", PreferredPayloadType: params.Ptr[uint8](111), ClockRate: 48000,
				Channels: params.Ptr(2), Parameters: params.CodecParameters{"minptime": "10", "useinbandfec": "1"},
				RTCPFeedback: []params.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}},
			},
			video("video/VP8", 96, nil), rtx(97, 96),
			video("video/VP9", 98, params.CodecParameters{"profile-id": "0"}), rtx(99, 98),
			video("video/VP9", 100, params.CodecParameters{"profile-id": "2"}), rtx(101, 100),
			video("video/H264", 102, h264("42e01f")), rtx(103, 102),
			video("video/H264", 104, h264("42001f")), rtx(105, 104),
			video("video/H264", 106, h264("4d001f")), rtx(107, 106),
			video("video/H264", 108, h264("640032")), rtx(109, 108),
		},
		HeaderExtensions: []params.RTPHeaderExtension{
			ext(a, negTestURIMID, 1), ext(v, negTestURIMID, 1),
			ext(v, negTestURIRID, 2), ext(v, negTestURIRRID, 3),
			ext(a, negTestURIAbsSendTime, 4), ext(v, negTestURIAbsSendTime, 4),
			ext(a, negTestURITWCC, 5), ext(v, negTestURITWCC, 5),
			ext(a, negTestURIAudioLevel, 10),
			ext(a, negTestURICaptureTime, 13), ext(v, negTestURICaptureTime, 13),
		},
	}
}

func negLoadJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// negJSON is the JSON text of v, for comparing values before and after a
// call.
func negJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func negRouterCaps(t testing.TB) params.RTPCapabilities {
	t.Helper()
	var caps params.RTPCapabilities
	negLoadJSON(t, "router-rtp-capabilities.json", &caps)
	return caps
}

func negConsumerParams(t testing.TB, name string) params.RTPParameters {
	t.Helper()
	var c struct {
		RTPParameters params.RTPParameters `json:"rtpParameters"`
	}
	negLoadJSON(t, name, &c)
	return c.RTPParameters
}

func negExtended(t testing.TB, preferLocal bool) ExtendedRTPCapabilities {
	t.Helper()
	ext, err := GetExtendedRTPCapabilities(negPionLikeCaps(), negRouterCaps(t), preferLocal)
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

// negCodecRow is a codec reduced to what the tests assert.
type negCodecRow struct {
	Mime     string
	PT       uint8
	Apt      int    // RTX only
	PLID     string // H264 only
	Profile  string // VP9 only
	Channels int
}

func negRowsOfCaps(codecs []params.RTPCodecCapability) []negCodecRow {
	var rows []negCodecRow
	for _, c := range codecs {
		r := negCodecRow{Mime: c.MimeType}
		if c.PreferredPayloadType != nil {
			r.PT = *c.PreferredPayloadType
		}
		r.Apt, _ = c.Parameters.Int("apt")
		r.PLID, _ = c.Parameters.String("profile-level-id")
		r.Profile, _ = c.Parameters.String("profile-id")
		if c.Channels != nil {
			r.Channels = *c.Channels
		}
		rows = append(rows, r)
	}
	return rows
}

func negRowsOfParams(codecs []params.RTPCodecParameters) []negCodecRow {
	var rows []negCodecRow
	for _, c := range codecs {
		r := negCodecRow{Mime: c.MimeType, PT: c.PayloadType}
		r.Apt, _ = c.Parameters.Int("apt")
		r.PLID, _ = c.Parameters.String("profile-level-id")
		r.Profile, _ = c.Parameters.String("profile-id")
		if c.Channels != nil {
			r.Channels = *c.Channels
		}
		rows = append(rows, r)
	}
	return rows
}

func negCheckRows(t *testing.T, what string, got, want []negCodecRow) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s codecs:\n got %+v\nwant %+v", what, got, want)
	}
}

type negExtRow struct {
	Kind      params.MediaKind
	URI       string
	ID        int
	Direction params.RTPHeaderExtensionDirection
}

func negExtRowsOfCaps(exts []params.RTPHeaderExtension) []negExtRow {
	var rows []negExtRow
	for _, e := range exts {
		rows = append(rows, negExtRow{e.Kind, e.URI, e.PreferredID, e.Direction})
	}
	return rows
}

func negExtRowsOfParams(exts []params.RTPHeaderExtensionParameters) []negExtRow {
	var rows []negExtRow
	for _, e := range exts {
		rows = append(rows, negExtRow{URI: e.URI, ID: e.ID})
	}
	return rows
}

// The router's codecs in the device's receive capabilities: router payload
// types, router order, each video codec with its RTX. H264 Main carries the
// answer profile-level-id: both sides allow level asymmetry, so the device
// keeps its own level (4d001f against the router's 4d0032).
var negWantRecvCodecs = []negCodecRow{
	{Mime: "audio/opus", PT: 100, Channels: 2},
	{Mime: "video/VP8", PT: 101},
	{Mime: "video/rtx", PT: 102, Apt: 101},
	{Mime: "video/VP9", PT: 103, Profile: "2"},
	{Mime: "video/rtx", PT: 104, Apt: 103},
	{Mime: "video/H264", PT: 105, PLID: "4d001f"},
	{Mime: "video/rtx", PT: 106, Apt: 105},
	{Mime: "video/H264", PT: 107, PLID: "42e01f"},
	{Mime: "video/rtx", PT: 108, Apt: 107},
}

func TestNegRecvCapabilitiesFromRouter(t *testing.T) {
	local, router := negPionLikeCaps(), negRouterCaps(t)
	localBefore, routerBefore := negJSON(t, local), negJSON(t, router)

	ext, err := GetExtendedRTPCapabilities(local, router, false)
	if err != nil {
		t.Fatal(err)
	}
	if negJSON(t, local) != localBefore || negJSON(t, router) != routerBefore {
		t.Fatal("GetExtendedRTPCapabilities modified its inputs")
	}
	recv := GetRecvRTPCapabilities(ext)
	negCheckRows(t, "recv", negRowsOfCaps(recv.Codecs), negWantRecvCodecs)

	for _, c := range recv.Codecs {
		if (c.Kind == params.MediaKindAudio) != strings.HasPrefix(c.MimeType, "audio/") {
			t.Errorf("%s has kind %q", c.MimeType, c.Kind)
		}
		switch c.MimeType {
		case "audio/opus":
			negCheckFeedback(t, "recv opus", c.RTCPFeedback, []params.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}})
			if c.Parameters["useinbandfec"] != "1" {
				t.Errorf("opus parameters %v are not the device's", c.Parameters)
			}
		case "video/VP8", "video/VP9", "video/H264":
			negCheckFeedback(t, "recv "+c.MimeType, c.RTCPFeedback, negVideoFeedback)
		case "video/rtx":
			if len(c.RTCPFeedback) != 0 {
				t.Errorf("rtx feedback %v", c.RTCPFeedback)
			}
		}
		if c.MimeType == "video/H264" {
			if pm, _ := c.Parameters.Int("packetization-mode"); pm != 1 {
				t.Errorf("H264 %d packetization-mode %v", *c.PreferredPayloadType, c.Parameters["packetization-mode"])
			}
		}
	}

	a, v := params.MediaKindAudio, params.MediaKindVideo
	wantExts := []negExtRow{
		{a, negTestURIMID, 1, params.DirectionSendRecv},
		{v, negTestURIMID, 1, params.DirectionSendRecv},
		{a, negTestURIAbsSendTime, 4, params.DirectionSendRecv},
		{v, negTestURIAbsSendTime, 4, params.DirectionSendRecv},
		{v, negTestURITWCC, 5, params.DirectionSendRecv},
		{a, negTestURIAudioLevel, 10, params.DirectionSendRecv},
		{a, negTestURICaptureTime, 13, params.DirectionSendRecv},
		{v, negTestURICaptureTime, 13, params.DirectionSendRecv},
	}
	if got := negExtRowsOfCaps(recv.HeaderExtensions); !reflect.DeepEqual(got, wantExts) {
		t.Errorf("recv header extensions:\n got %+v\nwant %+v", got, wantExts)
	}

	// What a server's consume receives survives JSON.
	data, err := json.Marshal(recv)
	if err != nil {
		t.Fatal(err)
	}
	var back params.RTPCapabilities
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	negCheckRows(t, "recv after JSON", negRowsOfCaps(back.Codecs), negWantRecvCodecs)
}

func negCheckFeedback(t *testing.T, what string, got, want []params.RTCPFeedback) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s feedback = %v, want %v", what, got, want)
	}
}

func TestNegPreferLocalCodecsOrder(t *testing.T) {
	recv := GetRecvRTPCapabilities(negExtended(t, true))
	// The device's order, still with the router's payload types. mediasoup-
	// client passes the router's codec as the answering side in this mode,
	// so H264 Main keeps the router's level.
	want := []negCodecRow{
		{Mime: "audio/opus", PT: 100, Channels: 2},
		{Mime: "video/VP8", PT: 101},
		{Mime: "video/rtx", PT: 102, Apt: 101},
		{Mime: "video/VP9", PT: 103, Profile: "2"},
		{Mime: "video/rtx", PT: 104, Apt: 103},
		{Mime: "video/H264", PT: 107, PLID: "42e01f"},
		{Mime: "video/rtx", PT: 108, Apt: 107},
		{Mime: "video/H264", PT: 105, PLID: "4d0032"},
		{Mime: "video/rtx", PT: 106, Apt: 105},
	}
	negCheckRows(t, "recv (local order)", negRowsOfCaps(recv.Codecs), want)
}

func TestNegSendCapabilities(t *testing.T) {
	ext := negExtended(t, false)
	send := GetSendRTPCapabilities(ext)
	negCheckRows(t, "send", negRowsOfCaps(send.Codecs), negWantRecvCodecs)

	a, v := params.MediaKindAudio, params.MediaKindVideo
	want := []negExtRow{
		{a, negTestURIMID, 1, params.DirectionSendRecv},
		{v, negTestURIMID, 1, params.DirectionSendRecv},
		{v, negTestURIRID, 2, params.DirectionSendOnly},
		{v, negTestURIRRID, 3, params.DirectionSendOnly},
		{a, negTestURIAbsSendTime, 4, params.DirectionSendRecv},
		{v, negTestURIAbsSendTime, 4, params.DirectionSendRecv},
		{a, negTestURITWCC, 5, params.DirectionSendOnly},
		{v, negTestURITWCC, 5, params.DirectionSendRecv},
		{a, negTestURIAudioLevel, 10, params.DirectionSendRecv},
		{a, negTestURICaptureTime, 13, params.DirectionSendRecv},
		{v, negTestURICaptureTime, 13, params.DirectionSendRecv},
	}
	if got := negExtRowsOfCaps(send.HeaderExtensions); !reflect.DeepEqual(got, want) {
		t.Errorf("send header extensions:\n got %+v\nwant %+v", got, want)
	}
}

func TestNegCanSend(t *testing.T) {
	ext := negExtended(t, false)
	if !CanSend(params.MediaKindAudio, ext) || !CanSend(params.MediaKindVideo, ext) {
		t.Fatal("cannot send audio or video")
	}
	audioOnly := negPionLikeCaps()
	audioOnly.Codecs = audioOnly.Codecs[:1]
	ext, err := GetExtendedRTPCapabilities(audioOnly, negRouterCaps(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if !CanSend(params.MediaKindAudio, ext) || CanSend(params.MediaKindVideo, ext) {
		t.Fatal("audio-only device: want audio only")
	}
	if CanSend(params.MediaKindAudio, ExtendedRTPCapabilities{}) {
		t.Fatal("empty capabilities can send")
	}
}

func TestNegSendingRTPParameters(t *testing.T) {
	ext := negExtended(t, false)

	audio := GetSendingRTPParameters(params.MediaKindAudio, ext)
	negCheckRows(t, "audio sending", negRowsOfParams(audio.Codecs), []negCodecRow{{Mime: "audio/opus", PT: 111, Channels: 2}})
	negCheckFeedback(t, "opus", audio.Codecs[0].RTCPFeedback, []params.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}})
	if !reflect.DeepEqual(audio.Codecs[0].Parameters, params.CodecParameters{"minptime": "10", "useinbandfec": "1"}) {
		t.Errorf("opus parameters %v, want the device's", audio.Codecs[0].Parameters)
	}
	wantAudioExts := []negExtRow{
		{URI: negTestURIMID, ID: 1}, {URI: negTestURIAbsSendTime, ID: 4}, {URI: negTestURITWCC, ID: 5},
		{URI: negTestURIAudioLevel, ID: 10}, {URI: negTestURICaptureTime, ID: 13},
	}
	if got := negExtRowsOfParams(audio.HeaderExtensions); !reflect.DeepEqual(got, wantAudioExts) {
		t.Errorf("audio header extensions:\n got %+v\nwant %+v", got, wantAudioExts)
	}
	if audio.MID != "" || len(audio.Encodings) != 0 || audio.RTCP.CNAME != "" {
		t.Errorf("mid/encodings/rtcp not left empty: %+v", audio)
	}

	video := GetSendingRTPParameters(params.MediaKindVideo, ext)
	negCheckRows(t, "video sending", negRowsOfParams(video.Codecs), []negCodecRow{
		{Mime: "video/VP8", PT: 96},
		{Mime: "video/rtx", PT: 97, Apt: 96},
		{Mime: "video/VP9", PT: 100, Profile: "2"},
		{Mime: "video/rtx", PT: 101, Apt: 100},
		{Mime: "video/H264", PT: 106, PLID: "4d001f"},
		{Mime: "video/rtx", PT: 107, Apt: 106},
		{Mime: "video/H264", PT: 102, PLID: "42e01f"},
		{Mime: "video/rtx", PT: 103, Apt: 102},
	})
	negCheckFeedback(t, "VP8", video.Codecs[0].RTCPFeedback, negVideoFeedback)
	wantVideoExts := []negExtRow{
		{URI: negTestURIMID, ID: 1}, {URI: negTestURIRID, ID: 2}, {URI: negTestURIRRID, ID: 3},
		{URI: negTestURIAbsSendTime, ID: 4}, {URI: negTestURITWCC, ID: 5}, {URI: negTestURICaptureTime, ID: 13},
	}
	if got := negExtRowsOfParams(video.HeaderExtensions); !reflect.DeepEqual(got, wantVideoExts) {
		t.Errorf("video header extensions:\n got %+v\nwant %+v", got, wantVideoExts)
	}
	for _, h := range video.HeaderExtensions {
		if h.Parameters == nil || h.Encrypt {
			t.Errorf("header extension %+v", h)
		}
	}

	// Results are independent of the extended capabilities.
	video.Codecs[0].Parameters["x"] = 1
	video.Codecs[0].RTCPFeedback[0].Type = "changed"
	again := GetSendingRTPParameters(params.MediaKindVideo, ext)
	if _, ok := again.Codecs[0].Parameters["x"]; ok || again.Codecs[0].RTCPFeedback[0].Type != "nack" {
		t.Fatal("sending parameters share state with the extended capabilities")
	}
}

func TestNegSendingRemoteRTPParameters(t *testing.T) {
	ext := negExtended(t, false)
	video := GetSendingRemoteRTPParameters(params.MediaKindVideo, ext)
	negCheckRows(t, "remote video sending", negRowsOfParams(video.Codecs), []negCodecRow{
		{Mime: "video/VP8", PT: 96},
		{Mime: "video/rtx", PT: 97, Apt: 96},
		{Mime: "video/VP9", PT: 100, Profile: "2"},
		{Mime: "video/rtx", PT: 101, Apt: 100},
		{Mime: "video/H264", PT: 106, PLID: "4d001f"},
		{Mime: "video/rtx", PT: 107, Apt: 106},
		{Mime: "video/H264", PT: 102, PLID: "42e01f"},
		{Mime: "video/rtx", PT: 103, Apt: 102},
	})
	vp8 := video.Codecs[0]
	if n, _ := vp8.Parameters.Int("x-google-start-bitrate"); n != 1000 {
		t.Errorf("VP8 parameters %v are not the router's", vp8.Parameters)
	}
	// transport-wide-cc is in use: goog-remb goes.
	negCheckFeedback(t, "remote VP8", vp8.RTCPFeedback, []params.RTCPFeedback{
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "transport-cc"},
	})
	if n, _ := video.Codecs[4].Parameters.Int("level-asymmetry-allowed"); n != 1 {
		t.Errorf("H264 remote parameters %v", video.Codecs[4].Parameters)
	}

	audio := GetSendingRemoteRTPParameters(params.MediaKindAudio, ext)
	negCheckRows(t, "remote audio sending", negRowsOfParams(audio.Codecs), []negCodecRow{{Mime: "audio/opus", PT: 111, Channels: 2}})
	if len(audio.Codecs[0].Parameters) != 0 {
		t.Errorf("opus remote parameters %v, want the router's (none)", audio.Codecs[0].Parameters)
	}

	// The congestion-control feedback follows the header extensions.
	withExts := func(uris ...string) ExtendedRTPCapabilities {
		e := ExtendedRTPCapabilities{Codecs: ext.Codecs[1:2]} // VP8
		for i, u := range uris {
			e.HeaderExtensions = append(e.HeaderExtensions, ExtendedHeaderExtension{
				Kind: params.MediaKindVideo, URI: u, SendID: i + 1, RecvID: i + 1, Direction: params.DirectionSendRecv,
			})
		}
		return e
	}
	for _, tt := range []struct {
		name string
		uris []string
		want []string
	}{
		{"transport-wide-cc", []string{negTestURITWCC}, []string{"nack", "nack", "ccm", "transport-cc"}},
		{"both", []string{negTestURIAbsSendTime, negTestURITWCC}, []string{"nack", "nack", "ccm", "transport-cc"}},
		{"abs-send-time", []string{negTestURIAbsSendTime}, []string{"nack", "nack", "ccm", "goog-remb"}},
		{"neither", []string{negTestURIMID}, []string{"nack", "nack", "ccm"}},
	} {
		p := GetSendingRemoteRTPParameters(params.MediaKindVideo, withExts(tt.uris...))
		var got []string
		for _, fb := range p.Codecs[0].RTCPFeedback {
			got = append(got, fb.Type)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: feedback %v, want %v", tt.name, got, tt.want)
		}
	}
	if len(ext.Codecs[1].RTCPFeedback) != 5 {
		t.Fatal("filtering changed the extended capabilities")
	}
}

func TestNegCanReceive(t *testing.T) {
	ext := negExtended(t, false)
	for _, name := range []string{"consumer-audio.json", "consumer-video-simulcast.json"} {
		ok, err := CanReceive(negConsumerParams(t, name), ext)
		if !ok || err != nil {
			t.Errorf("%s: CanReceive = %v, %v", name, ok, err)
		}
	}

	h264High := params.RTPParameters{Codecs: []params.RTPCodecParameters{{
		MimeType: "video/H264", PayloadType: 125, ClockRate: 90000,
		Parameters: params.CodecParameters{"packetization-mode": 1, "profile-level-id": "640032"},
	}}}
	tests := []struct {
		name    string
		p       params.RTPParameters
		wantErr error
		inMsg   []string
	}{
		{"codec not in the caps", h264High, params.ErrUnsupported, []string{"video/H264", "640032", "125"}},
		{"no codec", params.RTPParameters{}, params.ErrUnsupported, nil},
		{"bad mime type", params.RTPParameters{Codecs: []params.RTPCodecParameters{{MimeType: "opus", PayloadType: 100}}}, params.ErrInvalidParameters, nil},
		{"unknown codec at the VP8 payload type", negCodecs(params.RTPCodecParameters{MimeType: "video/FOO", PayloadType: 101, ClockRate: 90000}),
			params.ErrUnsupported, []string{"video/FOO", "101", "video/VP8"}},
		{"VP9 at the VP8 payload type", negCodecs(params.RTPCodecParameters{MimeType: "video/VP9", PayloadType: 101, ClockRate: 90000}),
			params.ErrUnsupported, []string{"video/VP9", "video/VP8"}},
		{"VP8 at another clock rate", negCodecs(params.RTPCodecParameters{MimeType: "video/VP8", PayloadType: 101, ClockRate: 48000}),
			params.ErrUnsupported, []string{"video/VP8/48000", "video/VP8/90000"}},
		{"mono opus where the device has stereo", negCodecs(params.RTPCodecParameters{MimeType: "audio/opus", PayloadType: 100, ClockRate: 48000, Channels: params.Ptr(1)}),
			params.ErrUnsupported, []string{"audio/opus", "/2"}},
		{"media codec at the RTX payload type", negCodecs(
			params.RTPCodecParameters{MimeType: "video/VP8", PayloadType: 101, ClockRate: 90000},
			params.RTPCodecParameters{MimeType: "video/FOO", PayloadType: 102, ClockRate: 90000}),
			params.ErrUnsupported, []string{"video/FOO", "102", "rtx"}},
		{"RTX at a media payload type", negCodecs(
			params.RTPCodecParameters{MimeType: "video/rtx", PayloadType: 101, ClockRate: 90000, Parameters: params.CodecParameters{"apt": 101}}),
			params.ErrUnsupported, []string{"video/rtx", "101"}},
	}
	for _, tt := range tests {
		ok, err := CanReceive(tt.p, ext)
		if ok || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: CanReceive = %v, %v; want false, %v", tt.name, ok, err, tt.wantErr)
			continue
		}
		for _, s := range tt.inMsg {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not name %q", tt.name, err, s)
			}
		}
	}

	// The boundary: same codec, mime type in another case, unset channels
	// meaning 1 where the device has 1, and a codec at a payload type the
	// device does not know (pion ignores it).
	accepted := []params.RTPParameters{
		negCodecs(params.RTPCodecParameters{MimeType: "VIDEO/vp8", PayloadType: 101, ClockRate: 90000}),
		negCodecs(params.RTPCodecParameters{MimeType: "audio/opus", PayloadType: 100, ClockRate: 48000, Channels: params.Ptr(2)}),
		negCodecs(
			params.RTPCodecParameters{MimeType: "video/VP8", PayloadType: 101, ClockRate: 90000},
			params.RTPCodecParameters{MimeType: "video/rtx", PayloadType: 102, ClockRate: 90000, Parameters: params.CodecParameters{"apt": 101}},
			params.RTPCodecParameters{MimeType: "video/FOO", PayloadType: 35, ClockRate: 90000}),
	}
	for _, p := range accepted {
		if ok, err := CanReceive(p, ext); !ok || err != nil {
			t.Errorf("%s: CanReceive = %v, %v", negJSON(t, p), ok, err)
		}
	}

	// A device without H264 High never receives it, even at a payload
	// type the router uses for something else it lacks.
	if ok, _ := CanReceive(h264High, ExtendedRTPCapabilities{}); ok {
		t.Error("empty capabilities can receive")
	}
}

func TestNegReduceCodecs(t *testing.T) {
	ext := negExtended(t, false)
	video := GetSendingRTPParameters(params.MediaKindVideo, ext)
	recv := GetRecvRTPCapabilities(ext)
	capOf := func(pt uint8) *params.RTPCodecCapability {
		for i := range recv.Codecs {
			if *recv.Codecs[i].PreferredPayloadType == pt {
				return &recv.Codecs[i]
			}
		}
		t.Fatalf("no recv codec %d", pt)
		return nil
	}
	tests := []struct {
		name string
		cap  *params.RTPCodecCapability
		want []negCodecRow
	}{
		{"first codec", nil, []negCodecRow{{Mime: "video/VP8", PT: 96}, {Mime: "video/rtx", PT: 97, Apt: 96}}},
		{"VP9 profile 2", capOf(103), []negCodecRow{{Mime: "video/VP9", PT: 100, Profile: "2"}, {Mime: "video/rtx", PT: 101, Apt: 100}}},
		{"H264 main", capOf(105), []negCodecRow{{Mime: "video/H264", PT: 106, PLID: "4d001f"}, {Mime: "video/rtx", PT: 107, Apt: 106}}},
		{"H264 constrained baseline", capOf(107), []negCodecRow{{Mime: "video/H264", PT: 102, PLID: "42e01f"}, {Mime: "video/rtx", PT: 103, Apt: 102}}},
		{"H264 by the user, other level", &params.RTPCodecCapability{
			Kind: params.MediaKindVideo, MimeType: "video/h264", ClockRate: 90000,
			Parameters: params.CodecParameters{"packetization-mode": 1, "profile-level-id": "42e034"},
		}, []negCodecRow{{Mime: "video/H264", PT: 102, PLID: "42e01f"}, {Mime: "video/rtx", PT: 103, Apt: 102}}},
	}
	for _, tt := range tests {
		got, err := ReduceCodecs(video.Codecs, tt.cap)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		negCheckRows(t, tt.name, negRowsOfParams(got), tt.want)
	}

	audio := GetSendingRTPParameters(params.MediaKindAudio, ext)
	got, err := ReduceCodecs(audio.Codecs, capOf(100))
	if err != nil {
		t.Fatal(err)
	}
	negCheckRows(t, "opus", negRowsOfParams(got), []negCodecRow{{Mime: "audio/opus", PT: 111, Channels: 2}})

	// The last codec has no RTX after it.
	got, err = ReduceCodecs(video.Codecs[:5], capOf(105))
	if err != nil || len(got) != 1 || got[0].PayloadType != 106 {
		t.Fatalf("last codec without RTX: %v, %v", negRowsOfParams(got), err)
	}

	high := &params.RTPCodecCapability{
		Kind: params.MediaKindVideo, MimeType: "video/H264", ClockRate: 90000,
		Parameters: params.CodecParameters{"packetization-mode": 1, "profile-level-id": "640032"},
	}
	if _, err := ReduceCodecs(video.Codecs, high); !errors.Is(err, params.ErrInvalidParameters) || !strings.Contains(err.Error(), "640032") {
		t.Errorf("H264 High: err %v, want ErrInvalidParameters naming 640032", err)
	}
	if _, err := ReduceCodecs(video.Codecs, capOf(100)); !errors.Is(err, params.ErrInvalidParameters) {
		t.Errorf("opus among video codecs: err %v", err)
	}
	if _, err := ReduceCodecs(nil, nil); !errors.Is(err, params.ErrUnsupported) {
		t.Errorf("no codecs: err %v", err)
	}
}

func TestNegProbator(t *testing.T) {
	video := negConsumerParams(t, "consumer-video-simulcast.json")
	before := negJSON(t, video)
	p := GenerateProbatorRTPParameters(video)

	if p.MID != "probator" || p.RTCP.CNAME != "probator" {
		t.Errorf("mid %q cname %q", p.MID, p.RTCP.CNAME)
	}
	if !reflect.DeepEqual(p.Encodings, []params.RTPEncodingParameters{{SSRC: 1234}}) {
		t.Errorf("encodings %+v", p.Encodings)
	}
	if len(p.Codecs) != 1 || p.Codecs[0].MimeType != "video/VP8" || p.Codecs[0].PayloadType != 127 || p.Codecs[0].ClockRate != 90000 {
		t.Fatalf("codecs %+v", p.Codecs)
	}
	negCheckFeedback(t, "probator", p.Codecs[0].RTCPFeedback, video.Codecs[0].RTCPFeedback)
	if !reflect.DeepEqual(p.HeaderExtensions, video.HeaderExtensions) {
		t.Errorf("header extensions %+v", p.HeaderExtensions)
	}
	if negJSON(t, video) != before {
		t.Error("input modified")
	}
	if empty := GenerateProbatorRTPParameters(params.RTPParameters{}); len(empty.Codecs) != 0 || empty.MID != "probator" {
		t.Errorf("from nothing: %+v", empty)
	}
}

func negH264Cap(p params.CodecParameters) *params.RTPCodecCapability {
	return &params.RTPCodecCapability{Kind: params.MediaKindVideo, MimeType: "video/H264", ClockRate: 90000, Parameters: p}
}

func TestNegMatchCodecs(t *testing.T) {
	h := func(kv ...any) *params.RTPCodecCapability {
		p := params.CodecParameters{}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return negH264Cap(p)
	}
	vp9 := func(p params.CodecParameters) *params.RTPCodecCapability {
		return &params.RTPCodecCapability{Kind: params.MediaKindVideo, MimeType: "video/VP9", ClockRate: 90000, Parameters: p}
	}
	audio := func(mime string, ch *int, p params.CodecParameters) *params.RTPCodecCapability {
		return &params.RTPCodecCapability{Kind: params.MediaKindAudio, MimeType: mime, ClockRate: 48000, Channels: ch, Parameters: p}
	}
	const pm, plid = "packetization-mode", "profile-level-id"
	tests := []struct {
		name          string
		a, b          *params.RTPCodecCapability
		strict, loose bool
	}{
		{"same H264", h(pm, 1, plid, "42e01f"), h(pm, 1, plid, "42e01f"), true, true},
		{"constrained baseline vs baseline", h(pm, 1, plid, "42e01f"), h(pm, 1, plid, "42001f"), false, true},
		{"main vs constrained baseline", h(pm, 1, plid, "4d0032"), h(pm, 1, plid, "42e01f"), false, true},
		{"main levels differ", h(pm, 1, plid, "4d0032"), h(pm, 1, plid, "4d001f"), true, true},
		{"high vs constrained high", h(pm, 1, plid, "640032"), h(pm, 1, plid, "640c32"), false, true},
		{"missing plid is 42e01f", h(pm, 1), h(pm, 1, plid, "42e01f"), true, true},
		{"missing plid vs baseline", h(pm, 1), h(pm, 1, plid, "42001f"), false, true},
		{"missing plid vs main", h(pm, 1, plid, "4d001f"), h(pm, 1), false, true},
		{"both missing", h(pm, 1), h(pm, 1), true, true},
		{"packetization-mode mismatch", h(pm, 1, plid, "42e01f"), h(pm, 0, plid, "42e01f"), false, true},
		{"packetization-mode missing is 0", h(plid, "42e01f"), h(pm, 0, plid, "42e01f"), true, true},
		{"packetization-mode missing vs 1", h(plid, "42e01f"), h(pm, 1, plid, "42e01f"), false, true},
		{"packetization-mode string vs number", h(pm, "1", plid, "42e01f"), h(pm, float64(1), plid, "42e01f"), true, true},
		{"invalid plid", h(pm, 1, plid, "zzzzzz"), h(pm, 1, plid, "zzzzzz"), false, true},
		{"mime case", &params.RTPCodecCapability{MimeType: "video/h264", ClockRate: 90000}, h(), true, true},
		{"clock rate", &params.RTPCodecCapability{MimeType: "video/H264", ClockRate: 9000}, h(), false, false},
		{"mime", &params.RTPCodecCapability{MimeType: "video/VP8", ClockRate: 90000}, h(), false, false},
		{"VP9 profile 0 vs missing", vp9(params.CodecParameters{"profile-id": 0}), vp9(nil), true, true},
		{"VP9 profile 2 vs 0", vp9(params.CodecParameters{"profile-id": 2}), vp9(params.CodecParameters{"profile-id": "0"}), false, true},
		{"VP9 profile 2 string vs number", vp9(params.CodecParameters{"profile-id": "2"}), vp9(params.CodecParameters{"profile-id": float64(2)}), true, true},
		{"opus 2 channels", audio("audio/opus", params.Ptr(2), nil), audio("audio/OPUS", params.Ptr(2), nil), true, true},
		{"opus 2 vs unset (1)", audio("audio/opus", params.Ptr(2), nil), audio("audio/opus", nil, nil), false, false},
		{"opus 1 vs unset", audio("audio/opus", params.Ptr(1), nil), audio("audio/opus", nil, nil), true, true},
		{"multiopus same layout", audio("audio/multiopus", params.Ptr(6), params.CodecParameters{"num_streams": 4, "coupled_streams": 2}),
			audio("audio/multiopus", params.Ptr(6), params.CodecParameters{"num_streams": "4", "coupled_streams": "2"}), true, true},
		{"multiopus other layout", audio("audio/multiopus", params.Ptr(6), params.CodecParameters{"num_streams": 4, "coupled_streams": 2}),
			audio("audio/multiopus", params.Ptr(6), params.CodecParameters{"num_streams": 3, "coupled_streams": 2}), false, false},
		{"nil", nil, h(), false, false},
	}
	for _, tt := range tests {
		if got := MatchCodecs(tt.a, tt.b, true, false); got != tt.strict {
			t.Errorf("%s: strict match = %v, want %v", tt.name, got, tt.strict)
		}
		if got := MatchCodecs(tt.b, tt.a, true, false); got != tt.strict {
			t.Errorf("%s (swapped): strict match = %v, want %v", tt.name, got, tt.strict)
		}
		if got := MatchCodecs(tt.a, tt.b, false, false); got != tt.loose {
			t.Errorf("%s: loose match = %v, want %v", tt.name, got, tt.loose)
		}
	}
}

func TestNegMatchCodecsModify(t *testing.T) {
	la := func(id string) params.CodecParameters {
		return params.CodecParameters{"packetization-mode": 1, "profile-level-id": id, "level-asymmetry-allowed": 1}
	}
	sym := func(id string) params.CodecParameters {
		return params.CodecParameters{"packetization-mode": 1, "profile-level-id": id}
	}
	tests := []struct {
		name      string
		local     params.CodecParameters
		remote    params.CodecParameters
		want      string // "" means the parameter is absent
		wantMatch bool
	}{
		{"asymmetry on both: local level", la("4d001f"), la("4d0032"), "4d001f", true},
		{"asymmetry on both, local higher", la("4d0032"), la("4d001f"), "4d0032", true},
		{"symmetric: the lower level", sym("4d0032"), sym("4d001f"), "4d001f", true},
		{"asymmetry on one side: the lower level", la("42e034"), sym("42e01f"), "42e01f", true},
		{"local missing: default vs remote", params.CodecParameters{"packetization-mode": 1}, sym("42e015"), "42e015", true},
		{"both missing: stays missing", params.CodecParameters{"packetization-mode": 1}, params.CodecParameters{"packetization-mode": 1}, "", true},
		{"level 1b", sym("42f00b"), sym("42e01f"), "42f00b", true},
		{"profiles differ: no match, untouched", sym("42e01f"), sym("4d001f"), "", false},
	}
	for _, tt := range tests {
		a, b := negH264Cap(tt.local), negH264Cap(tt.remote)
		origA, origB := tt.local.Clone(), tt.remote.Clone()
		if got := MatchCodecs(a, b, true, true); got != tt.wantMatch {
			t.Errorf("%s: match = %v", tt.name, got)
			continue
		}
		if !reflect.DeepEqual(tt.local, origA) || !reflect.DeepEqual(tt.remote, origB) {
			t.Errorf("%s: the caller's maps were modified", tt.name)
		}
		if !tt.wantMatch {
			continue
		}
		for side, p := range map[string]params.CodecParameters{"a": a.Parameters, "b": b.Parameters} {
			got, present := p["profile-level-id"]
			if tt.want == "" {
				if present {
					t.Errorf("%s: %s has profile-level-id %v, want none", tt.name, side, got)
				}
			} else if got != tt.want {
				t.Errorf("%s: %s profile-level-id = %v, want %s", tt.name, side, got, tt.want)
			}
		}
	}
}

// TestNegH264Capabilities runs the H264 rules through whole capability
// sets, the way the reported bugs arose.
func TestNegH264Capabilities(t *testing.T) {
	router := negRouterCaps(t)
	local := func(codecs ...params.RTPCodecCapability) params.RTPCapabilities {
		return params.RTPCapabilities{Codecs: codecs}
	}
	h := func(pt uint8, p params.CodecParameters) params.RTPCodecCapability {
		c := *negH264Cap(p)
		c.PreferredPayloadType = params.Ptr(pt)
		return c
	}
	tests := []struct {
		name string
		caps params.RTPCapabilities
		want []negCodecRow
	}{
		{"no profile-level-id: taken as 42e01f", local(h(96, params.CodecParameters{"packetization-mode": 1})),
			[]negCodecRow{{Mime: "video/H264", PT: 107, PLID: "42e01f"}}},
		{"baseline only: no match", local(h(96, params.CodecParameters{"packetization-mode": 1, "profile-level-id": "42001f"})), nil},
		{"high only: no match", local(h(96, params.CodecParameters{"packetization-mode": 1, "profile-level-id": "640032"})), nil},
		{"packetization-mode 0: no match", local(h(96, params.CodecParameters{"profile-level-id": "42e01f"})), nil},
		{"main without asymmetry: lower level", local(h(96, params.CodecParameters{"packetization-mode": 1, "profile-level-id": "4d0034"})),
			[]negCodecRow{{Mime: "video/H264", PT: 105, PLID: "4d0032"}}},
		{"main with asymmetry: own level", local(h(96, params.CodecParameters{"packetization-mode": 1, "profile-level-id": "4d0034", "level-asymmetry-allowed": 1})),
			[]negCodecRow{{Mime: "video/H264", PT: 105, PLID: "4d0034"}}},
		{"constrained baseline through Main's idc", local(h(96, params.CodecParameters{"packetization-mode": 1, "profile-level-id": "4de01f"})),
			[]negCodecRow{{Mime: "video/H264", PT: 107, PLID: "42e01f"}}},
	}
	for _, tt := range tests {
		ext, err := GetExtendedRTPCapabilities(tt.caps, router, false)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		negCheckRows(t, tt.name, negRowsOfCaps(GetRecvRTPCapabilities(ext).Codecs), tt.want)
		for _, c := range ext.Codecs {
			if !reflect.DeepEqual(c.LocalParameters["profile-level-id"], c.RemoteParameters["profile-level-id"]) {
				t.Errorf("%s: local %v and remote %v disagree", tt.name, c.LocalParameters, c.RemoteParameters)
			}
		}
	}
}

func TestNegRTXNeedsBothSides(t *testing.T) {
	caps := negPionLikeCaps()
	var noRTX []params.RTPCodecCapability
	for _, c := range caps.Codecs {
		if c.MimeType != "video/rtx" {
			noRTX = append(noRTX, c)
		}
	}
	caps.Codecs = noRTX
	ext, err := GetExtendedRTPCapabilities(caps, negRouterCaps(t), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ext.Codecs {
		if c.LocalRTXPayloadType != nil || c.RemoteRTXPayloadType != nil {
			t.Errorf("%s has RTX", c.MimeType)
		}
	}
	for _, c := range GetRecvRTPCapabilities(ext).Codecs {
		if c.MimeType == "video/rtx" {
			t.Errorf("recv caps list RTX %d", *c.PreferredPayloadType)
		}
	}
}

func TestNegHeaderExtensionDirections(t *testing.T) {
	const uri = "urn:example"
	tests := []struct {
		router                params.RTPHeaderExtensionDirection
		device                params.RTPHeaderExtensionDirection
		inRecv, inSend, inRTP bool
	}{
		{params.DirectionSendRecv, params.DirectionSendRecv, true, true, true},
		{"", params.DirectionSendRecv, true, true, true},
		{params.DirectionRecvOnly, params.DirectionSendOnly, false, true, true},
		{params.DirectionSendOnly, params.DirectionRecvOnly, true, false, false},
		{params.DirectionInactive, params.DirectionInactive, false, false, false},
	}
	for _, tt := range tests {
		local := params.RTPCapabilities{HeaderExtensions: []params.RTPHeaderExtension{{URI: uri, PreferredID: 7, PreferredEncrypt: true}}}
		remote := params.RTPCapabilities{HeaderExtensions: []params.RTPHeaderExtension{{Kind: params.MediaKindVideo, URI: uri, PreferredID: 9, Direction: tt.router}}}
		ext, err := GetExtendedRTPCapabilities(local, remote, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []ExtendedHeaderExtension{{Kind: params.MediaKindVideo, URI: uri, SendID: 7, RecvID: 9, Encrypt: true, Direction: tt.device}}
		if !reflect.DeepEqual(ext.HeaderExtensions, want) {
			t.Errorf("router %q: %+v, want %+v", tt.router, ext.HeaderExtensions, want)
		}
		if got := len(GetRecvRTPCapabilities(ext).HeaderExtensions) == 1; got != tt.inRecv {
			t.Errorf("router %q: in recv caps %v", tt.router, got)
		}
		if got := len(GetSendRTPCapabilities(ext).HeaderExtensions) == 1; got != tt.inSend {
			t.Errorf("router %q: in send caps %v", tt.router, got)
		}
		p := GetSendingRTPParameters(params.MediaKindVideo, ext)
		if got := len(p.HeaderExtensions) == 1; got != tt.inRTP {
			t.Errorf("router %q: in sending parameters %v", tt.router, got)
		}
		if tt.inRTP && (p.HeaderExtensions[0].ID != 7 || !p.HeaderExtensions[0].Encrypt) {
			t.Errorf("router %q: sending extension %+v", tt.router, p.HeaderExtensions[0])
		}
		if len(GetSendingRTPParameters(params.MediaKindAudio, ext).HeaderExtensions) != 0 {
			t.Errorf("router %q: video extension in audio parameters", tt.router)
		}
	}

	// Kinds must agree when both are set.
	local := params.RTPCapabilities{HeaderExtensions: []params.RTPHeaderExtension{{Kind: params.MediaKindAudio, URI: uri, PreferredID: 7}}}
	remote := params.RTPCapabilities{HeaderExtensions: []params.RTPHeaderExtension{{Kind: params.MediaKindVideo, URI: uri, PreferredID: 9}}}
	if ext, _ := GetExtendedRTPCapabilities(local, remote, false); len(ext.HeaderExtensions) != 0 {
		t.Errorf("audio extension matched video: %+v", ext.HeaderExtensions)
	}
}

func TestNegExtendedErrors(t *testing.T) {
	router := negRouterCaps(t)
	noPT := negPionLikeCaps()
	noPT.Codecs[1].PreferredPayloadType = nil // VP8
	_, err := GetExtendedRTPCapabilities(noPT, router, false)
	if !errors.Is(err, params.ErrInvalidParameters) || !strings.Contains(err.Error(), "video/VP8") {
		t.Errorf("local VP8 without payload type: %v", err)
	}

	// An unmatched codec without a payload type is harmless.
	unmatched := negPionLikeCaps()
	unmatched.Codecs[len(unmatched.Codecs)-2].PreferredPayloadType = nil // H264 High
	if _, err := GetExtendedRTPCapabilities(unmatched, router, false); err != nil {
		t.Errorf("unmatched codec without payload type: %v", err)
	}

	badRTX := negPionLikeCaps()
	badRTX.Codecs[2].PreferredPayloadType = nil // VP8's RTX
	if _, err := GetExtendedRTPCapabilities(badRTX, router, false); !errors.Is(err, params.ErrInvalidParameters) {
		t.Errorf("RTX without payload type: %v", err)
	}

	badMime := negPionLikeCaps()
	badMime.Codecs = append(badMime.Codecs, params.RTPCodecCapability{MimeType: "text/plain", PreferredPayloadType: params.Ptr[uint8](120)})
	if _, err := GetExtendedRTPCapabilities(badMime, router, true); !errors.Is(err, params.ErrInvalidParameters) || !strings.Contains(err.Error(), "text/plain") {
		t.Errorf("bad mime type: %v", err)
	}
}

// TestNegZeroValues feeds empty and half-empty values everywhere: no
// panics, no codecs out of nothing.
func TestNegZeroValues(t *testing.T) {
	var zero ExtendedRTPCapabilities
	ext, err := GetExtendedRTPCapabilities(params.RTPCapabilities{}, params.RTPCapabilities{}, false)
	if err != nil || len(ext.Codecs) != 0 || len(ext.HeaderExtensions) != 0 {
		t.Fatalf("%+v, %v", ext, err)
	}
	if c := GetRecvRTPCapabilities(zero); len(c.Codecs) != 0 {
		t.Fatal(c)
	}
	_ = GetSendRTPCapabilities(zero)
	_ = GetSendingRTPParameters(params.MediaKindVideo, zero)
	_ = GetSendingRemoteRTPParameters(params.MediaKindVideo, zero)
	_ = GenerateProbatorRTPParameters(params.RTPParameters{Codecs: []params.RTPCodecParameters{{}}})
	if MatchCodecs(&params.RTPCodecCapability{}, &params.RTPCodecCapability{}, true, true) != true {
		t.Error("two empty codecs differ")
	}
	if _, err := ReduceCodecs([]params.RTPCodecParameters{{}}, &params.RTPCodecCapability{MimeType: "video/H264"}); err == nil {
		t.Error("matched an empty codec")
	}
	weird := params.RTPCapabilities{Codecs: []params.RTPCodecCapability{
		{MimeType: "video/H264", PreferredPayloadType: params.Ptr[uint8](1), Parameters: params.CodecParameters{"profile-level-id": []int{1}, "packetization-mode": map[string]int{}}},
		{MimeType: "video/rtx", PreferredPayloadType: params.Ptr[uint8](2), Parameters: params.CodecParameters{"apt": "x"}},
		{MimeType: "/rtx"},
	}}
	if _, err := GetExtendedRTPCapabilities(weird, weird, false); err == nil {
		t.Error("mime type /rtx accepted")
	}
	weird.Codecs = weird.Codecs[:2]
	if _, err := GetExtendedRTPCapabilities(weird, weird, true); err != nil {
		t.Error(err)
	}
}

func BenchmarkGetExtendedRTPCapabilities(b *testing.B) {
	local, router := negPionLikeCaps(), negRouterCaps(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := GetExtendedRTPCapabilities(local, router, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetRecvRTPCapabilities(b *testing.B) {
	ext, err := GetExtendedRTPCapabilities(negPionLikeCaps(), negRouterCaps(b), false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = GetRecvRTPCapabilities(ext)
	}
}

func negCodecs(codecs ...params.RTPCodecParameters) params.RTPParameters {
	return params.RTPParameters{Codecs: codecs}
}
