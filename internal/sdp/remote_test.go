package sdp

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	psdp "github.com/pion/sdp/v3"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

type transportFixture struct {
	ICEParameters  params.ICEParameters   `json:"iceParameters"`
	ICECandidates  []params.ICECandidate  `json:"iceCandidates"`
	DTLSParameters params.DTLSParameters  `json:"dtlsParameters"`
	SCTPParameters *params.SCTPParameters `json:"sctpParameters"`
}

func fixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/fixtures/" + name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

func newRemote(t testing.TB, role Role) *RemoteSDP {
	var tr transportFixture
	fixture(t, "webrtc-transport.json", &tr)
	return New(role, tr.ICEParameters, tr.ICECandidates, tr.DTLSParameters, tr.SCTPParameters)
}

func consumerParams(t testing.TB, name string) params.RTPParameters {
	var c struct {
		RTPParameters params.RTPParameters `json:"rtpParameters"`
	}
	fixture(t, name, &c)
	return c.RTPParameters
}

func parse(t testing.TB, text string) *psdp.SessionDescription {
	t.Helper()
	var d psdp.SessionDescription
	require.NoError(t, d.UnmarshalString(text))
	return &d
}

func TestOfferSections(t *testing.T) {
	r := newRemote(t, RoleOffer)
	audio := consumerParams(t, "consumer-audio.json")
	video := consumerParams(t, "consumer-video-simulcast.json")
	r.SetMedia(MediaOptions{MID: "0", Kind: params.MediaKindAudio, RTPParameters: audio, StreamID: "s", TrackID: "a"})
	r.SetMedia(MediaOptions{MID: "1", Kind: params.MediaKindVideo, RTPParameters: video, StreamID: "s", TrackID: "v"})
	r.SetApplication("datachannel")
	d := parse(t, r.Text())

	lite, _ := d.Attribute("ice-lite")
	require.Equal(t, "", lite)
	group, ok := d.Attribute("group")
	require.True(t, ok)
	require.Equal(t, "BUNDLE 0 1 datachannel", group)
	fp, _ := d.Attribute("fingerprint")
	require.True(t, strings.HasPrefix(fp, "sha-256 "), "strongest verifiable fingerprint: %s", fp)
	require.Len(t, d.MediaDescriptions, 3)

	tests := []struct {
		idx        int
		mid, kind  string
		candidates int
		want       []string
	}{
		{0, "0", "audio", 1, []string{"sendonly", "rtcp-mux", "rtcp-rsize"}},
		{1, "1", "video", 0, []string{"sendonly", "ssrc-group"}},
		{2, "datachannel", "application", 0, []string{"sctp-port", "max-message-size"}},
	}
	for _, tc := range tests {
		md := d.MediaDescriptions[tc.idx]
		require.Equal(t, tc.kind, md.MediaName.Media)
		mid, _ := md.Attribute("mid")
		require.Equal(t, tc.mid, mid)
		n := 0
		for _, a := range md.Attributes {
			if a.IsICECandidate() {
				n++
			}
		}
		require.Equal(t, tc.candidates, n, "candidates only in the first section")
		for _, key := range tc.want {
			_, ok := md.Attribute(key)
			require.True(t, ok, "section %s lacks a=%s", tc.mid, key)
		}
		setup, _ := md.Attribute("setup")
		require.Equal(t, "actpass", setup)
	}
	// The video section carries both SSRCs and the RTX group.
	v := d.MediaDescriptions[1]
	group, _ = v.Attribute("ssrc-group")
	require.Equal(t, "FID 872880266 872880267", group)
	require.Equal(t, []string{"101", "102"}, v.MediaName.Formats)
}

func TestDisableAndReuse(t *testing.T) {
	r := newRemote(t, RoleOffer)
	audio := consumerParams(t, "consumer-audio.json")
	for _, mid := range []string{"0", "1", "2"} {
		r.SetMedia(MediaOptions{MID: mid, Kind: params.MediaKindAudio, RTPParameters: audio, StreamID: "s", TrackID: mid})
	}
	r.Disable("1", params.MediaKindAudio)
	d := parse(t, r.Text())
	_, inactive := d.MediaDescriptions[1].Attribute("inactive")
	require.True(t, inactive)
	_, ssrc := d.MediaDescriptions[1].Attribute("ssrc")
	require.False(t, ssrc, "a disabled section has no sources")

	// Reusing the mid keeps its position.
	r.SetMedia(MediaOptions{MID: "1", Kind: params.MediaKindAudio, RTPParameters: audio, StreamID: "s", TrackID: "again"})
	d = parse(t, r.Text())
	require.Len(t, d.MediaDescriptions, 3)
	mid, _ := d.MediaDescriptions[1].Attribute("mid")
	require.Equal(t, "1", mid)
	msid, _ := d.MediaDescriptions[1].Attribute("msid")
	require.Equal(t, "s again", msid)

	// A section that was never applied can be removed.
	r.Remove("2")
	d = parse(t, r.Text())
	require.Len(t, d.MediaDescriptions, 2)
	group, _ := d.Attribute("group")
	require.Equal(t, "BUNDLE 0 1", group)
}

func TestAnswerSimulcastAndCodecOptions(t *testing.T) {
	r := newRemote(t, RoleAnswer)
	video := consumerParams(t, "consumer-video-simulcast.json")
	r.SetMedia(MediaOptions{
		MID: "0", Kind: params.MediaKindVideo, RTPParameters: video, RIDs: []string{"r0", "r1", "r2"},
		ExtraFmtp: map[uint8]params.CodecParameters{101: {"x-google-start-bitrate": float64(1000)}},
	})
	d := parse(t, r.Text())
	md := d.MediaDescriptions[0]
	setup, _ := md.Attribute("setup")
	require.Equal(t, "passive", setup, "the server answers as DTLS server")
	_, recv := md.Attribute("recvonly")
	require.True(t, recv)
	sim, _ := md.Attribute("simulcast")
	require.Equal(t, "recv r0;r1;r2", sim)
	fmtp, _ := md.Attribute("fmtp")
	require.Equal(t, "101 x-google-start-bitrate=1000", fmtp)
	_, ssrc := md.Attribute("ssrc")
	require.False(t, ssrc, "an answer declares no sources")
}

func TestICERestartChangesCredentials(t *testing.T) {
	r := newRemote(t, RoleOffer)
	r.SetMedia(MediaOptions{MID: "0", Kind: params.MediaKindAudio, RTPParameters: consumerParams(t, "consumer-audio.json")})
	before := parse(t, r.Text())
	r.UpdateICEParameters(params.ICEParameters{UsernameFragment: "newufrag1", Password: "newpassword0123456789012", ICELite: true})
	after := parse(t, r.Text())
	u1, _ := before.Attribute("ice-ufrag")
	u2, _ := after.Attribute("ice-ufrag")
	require.NotEqual(t, u1, u2)
	require.Equal(t, "newufrag1", u2)
	require.Greater(t, after.Origin.SessionVersion, before.Origin.SessionVersion)
}
