package peerconn

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func readFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/fixtures/" + name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// newRecvHandler makes a receive handler on the captured transport's
// parameters (its candidate is on 127.0.0.1; nothing answers there).
func newRecvHandler(t *testing.T) (*Handler, consumerFixture) {
	t.Helper()
	m, err := handler.NewMediaEngine()
	require.NoError(t, err)
	ir := &interceptor.Registry{}
	require.NoError(t, handler.RegisterInterceptors(m, ir))
	se := webrtc.SettingEngine{}
	require.NoError(t, se.SetAnsweringDTLSRole(webrtc.DTLSRoleClient))
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	native, err := handler.NativeRTPCapabilities(api)
	require.NoError(t, err)
	var router params.RTPCapabilities
	readFixture(t, "router-rtp-capabilities.json", &router)
	ext, err := ortc.GetExtendedRTPCapabilities(native, router, false)
	require.NoError(t, err)
	var tr struct {
		ICEParameters  params.ICEParameters  `json:"iceParameters"`
		ICECandidates  []params.ICECandidate `json:"iceCandidates"`
		DTLSParameters params.DTLSParameters `json:"dtlsParameters"`
	}
	readFixture(t, "webrtc-transport.json", &tr)
	h, err := New(Options{Direction: handler.DirectionRecv, API: api, ICEParameters: tr.ICEParameters, ICECandidates: tr.ICECandidates,
		DTLSParameters: tr.DTLSParameters, Extended: ext, Hooks: &handler.PCHooks{}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	var c consumerFixture
	readFixture(t, "consumer-audio.json", &c)
	return h, c
}

type consumerFixture struct {
	ID            string               `json:"id"`
	Kind          params.MediaKind     `json:"kind"`
	RTPParameters params.RTPParameters `json:"rtpParameters"`
}

func (c consumerFixture) opts(id string, ssrc uint32) handler.ReceiveOptions {
	rtp := c.RTPParameters.Clone()
	rtp.Encodings[0].SSRC = ssrc
	return handler.ReceiveOptions{TrackID: id, Kind: c.Kind, RTPParameters: rtp, StreamID: "s"}
}

// TestRefusedNegotiationRepaired: a round pion refuses, before or after it
// took the remote offer, leaves the handler stable and usable: the next
// Receive and StopReceiving work. A round that cannot be repaired marks the
// handler broken, and every later call says so at once.
func TestRefusedNegotiationRepaired(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	cases := map[string]func(h *Handler, o *handler.ReceiveOptions){
		"offer refused (extmap id 250)": func(_ *Handler, o *handler.ReceiveOptions) {
			o.RTPParameters.HeaderExtensions = append(o.RTPParameters.HeaderExtensions, params.RTPHeaderExtensionParameters{URI: "urn:x-test", ID: 250})
		},
		"answer refused after the offer was taken": func(h *Handler, _ *handler.ReceiveOptions) {
			n := 0
			h.faultAfterOffer = func() error {
				n++
				if n == 1 {
					return errors.New("injected")
				}
				return nil
			}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			h, c := newRecvHandler(t)
			first, err := h.Receive(ctx, []handler.ReceiveOptions{c.opts("a", 1111)})
			require.NoError(t, err)
			o := c.opts("b", 2222)
			mutate(h, &o)
			_, err = h.Receive(ctx, []handler.ReceiveOptions{o})
			require.Error(t, err)
			require.Equal(t, webrtc.SignalingStateStable, h.pc.SignalingState(), "%v", err)
			require.NoError(t, h.usable())
			res, err := h.Receive(ctx, []handler.ReceiveOptions{c.opts("c", 3333)})
			require.NoError(t, err)
			require.NotNil(t, res[0].Track)
			require.NotContains(t, h.pc.RemoteDescription().SDP, "ssrc:2222", "the refused consumer's stream is gone")
			require.NoError(t, h.StopReceiving(ctx, []string{first[0].LocalID, res[0].LocalID}))
		})
	}
	t.Run("unrepairable", func(t *testing.T) {
		h, c := newRecvHandler(t)
		_, err := h.Receive(ctx, []handler.ReceiveOptions{c.opts("a", 1111)})
		require.NoError(t, err)
		h.faultAfterOffer = func() error { return errors.New("injected, always") }
		_, err = h.Receive(ctx, []handler.ReceiveOptions{c.opts("b", 2222)})
		require.Error(t, err)
		_, err = h.Receive(ctx, []handler.ReceiveOptions{c.opts("c", 3333)})
		require.ErrorIs(t, err, params.ErrInvalidState)
		require.ErrorIs(t, h.StopReceiving(ctx, []string{"0"}), params.ErrInvalidState)
		require.ErrorIs(t, h.RestartICE(ctx, params.ICEParameters{}), params.ErrInvalidState)
	})
}

// TestSecondRoundRightAfterFirst: a second round straight after a
// transport's first one works. pion starts its ICE transport on its own
// goroutine after the first round; a remote offer applied before that
// looked to pion like an ICE restart and failed now and then ("attempting
// to gather candidates during gathering state").
func TestSecondRoundRightAfterFirst(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	for i := 0; i < 150; i++ {
		h, c := newRecvHandler(t)
		_, err := h.Receive(ctx, []handler.ReceiveOptions{c.opts("a", 1111)})
		require.NoError(t, err)
		_, err = h.Receive(ctx, []handler.ReceiveOptions{c.opts("b", 2222)})
		require.NoError(t, err, "handler %d", i)
		require.NoError(t, h.Close())
	}
}
