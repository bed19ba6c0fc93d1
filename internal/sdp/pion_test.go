package sdp

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// setRemote applies an offer to a fresh pion peer connection with pion's
// default codecs and returns SetRemoteDescription's error.
func setRemote(t *testing.T, offer string) error {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer func() { require.NoError(t, pc.Close()) }()
	return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer})
}

// TestPionBoundaries checks the limits the validators enforce against pion
// itself: the accepted boundary applies, the first rejected value breaks
// SetRemoteDescription.
func TestPionBoundaries(t *testing.T) {
	video := consumerParams(t, "consumer-video-simulcast.json")
	video.HeaderExtensions[0].ID = 246
	require.NoError(t, ortc.ValidateRTPParameters(&video))
	r := newRemote(t, RoleOffer)
	r.SetMedia(MediaOptions{MID: "0", Kind: params.MediaKindVideo, RTPParameters: video, StreamID: "s", TrackID: "t"})
	offer := r.Text()
	require.Contains(t, offer, "a=extmap:246 ")
	require.NoError(t, setRemote(t, offer), "extmap id 246")

	require.ErrorContains(t, setRemote(t, strings.Replace(offer, "a=extmap:246 ", "a=extmap:247 ", 1)), "extmap", "extmap id 247")
	require.ErrorContains(t, setRemote(t, strings.Replace(offer, " 127.0.0.1 ", " localhost ", 1)), "address", "host name candidate")
	require.NoError(t, setRemote(t, strings.Replace(offer, " 127.0.0.1 ", " ::1 ", 1)), "IPv6 candidate")
}

func TestApplicationSectionBothSCTPShapes(t *testing.T) {
	for _, tc := range []struct {
		file    string
		maxSize string
	}{
		{"webrtc-transport.json", "262144"},
		{"webrtc-transport-sctp-new.json", "262144"},
	} {
		var tr transportFixture
		fixture(t, tc.file, &tr)
		require.NoError(t, ortc.ValidateSCTPParameters(tr.SCTPParameters), tc.file)
		r := New(RoleOffer, tr.ICEParameters, tr.ICECandidates, tr.DTLSParameters, tr.SCTPParameters)
		r.SetApplication("0")
		d := parse(t, r.Text())
		md := d.MediaDescriptions[0]
		size, _ := md.Attribute("max-message-size")
		require.Equal(t, tc.maxSize, size, tc.file)
		for _, a := range md.Attributes {
			if a.Key == "candidate" && strings.Contains(a.Value, " udp ") {
				require.NotContains(t, a.Value, "tcptype", "a UDP candidate carries no tcptype")
			}
		}
		require.NoError(t, setRemote(t, r.Text()), tc.file)
	}

	// The new shape's receive limit is what the server takes.
	var tr transportFixture
	fixture(t, "webrtc-transport-sctp-new.json", &tr)
	tr.SCTPParameters.MaxReceiveMessageSize = params.Ptr(100000)
	r := New(RoleOffer, tr.ICEParameters, tr.ICECandidates, tr.DTLSParameters, tr.SCTPParameters)
	r.SetApplication("0")
	size, _ := parse(t, r.Text()).MediaDescriptions[0].Attribute("max-message-size")
	require.Equal(t, "100000", size)
}
