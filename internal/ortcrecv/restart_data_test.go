package ortcrecv_test

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func TestRestartICE(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, true)
	r := e.newRecv(false, true)
	states := make(chan webrtc.PeerConnectionState, 32)
	r.tr.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { states <- s })
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	video, vres := e.consume(ctx, r, e.vp8ID)
	readPackets(t, video, 20, 5*time.Second)
	oldLocal, err := r.tr.LocalICEParameters()
	require.NoError(t, err)
	for len(states) > 0 {
		<-states
	}

	ice, err := e.sig.RestartICE(ctx, r.id)
	require.NoError(t, err)
	require.NoError(t, r.tr.RestartICE(ctx, wire[params.ICEParameters](t, ice)))

	newLocal, err := r.tr.LocalICEParameters()
	require.NoError(t, err)
	require.NotEqual(t, oldLocal.UsernameFragment, newLocal.UsernameFragment, "new local credentials")
	// The agent checks again, and connects with the server's new
	// credentials (it dropped the old ones).
	var seen []webrtc.PeerConnectionState
	deadline := time.After(10 * time.Second)
	for len(seen) == 0 || seen[len(seen)-1] != webrtc.PeerConnectionStateConnected {
		select {
		case s := <-states:
			seen = append(seen, s)
		case <-deadline:
			t.Fatalf("states after the restart: %v", seen)
		}
	}
	t.Logf("states after the restart: %v", seen)
	require.Equal(t, webrtc.PeerConnectionStateConnecting, seen[0])

	// Media still flows over the same DTLS and receivers, and new
	// consumers work.
	checkStream(t, readPackets(t, video, 50, 5*time.Second), vres.RTPParameters)
	audio, ares := e.consume(ctx, r, e.opusID)
	checkStream(t, readPackets(t, audio, 20, 5*time.Second), ares.RTPParameters)

	// A second restart works too.
	ice, err = e.sig.RestartICE(ctx, r.id)
	require.NoError(t, err)
	require.NoError(t, r.tr.RestartICE(ctx, wire[params.ICEParameters](t, ice)))
	time.Sleep(500 * time.Millisecond)
	waitState(t, r.tr, webrtc.PeerConnectionStateConnected, 10*time.Second)
	readPackets(t, video, 50, 5*time.Second)
}

func TestDataChannelFromDirectProducer(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	e := newEnv(t, false)
	r := e.newRecv(true, false)
	dp, err := e.sig.CreateDirectDataProducer(ctx, "chat", "proto")
	require.NoError(t, err)
	dc, err := e.sig.ConsumeData(ctx, r.id, dp)
	require.NoError(t, err)
	sp := dc.SCTPStreamParameters
	// Opening waits for the association, which needs the transport.
	go e.connectRecv(ctx, r)
	ch, err := r.tr.OpenDataChannel(ctx, handler.DataChannelOptions{
		StreamID: sp.StreamID, Label: dc.Label, Protocol: dc.Protocol, Ordered: sp.Ordered == nil || *sp.Ordered,
		MaxPacketLifeTime: sp.MaxPacketLifeTime, MaxRetransmits: sp.MaxRetransmits,
	})
	require.NoError(t, err)
	require.Equal(t, "chat", ch.Label())
	got := make(chan webrtc.DataChannelMessage, 4)
	ch.OnMessage(func(m webrtc.DataChannelMessage) { got <- m })
	require.Eventually(t, func() bool { return ch.ReadyState() == webrtc.DataChannelStateOpen }, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, e.sig.SendDirectData(ctx, dp, []byte("hello"), false))
	require.NoError(t, e.sig.SendDirectData(ctx, dp, []byte{0, 1, 2}, true))
	for i, want := range []webrtc.DataChannelMessage{{IsString: true, Data: []byte("hello")}, {Data: []byte{0, 1, 2}}} {
		select {
		case m := <-got:
			require.Equal(t, want, m, "message %d", i)
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d not received", i)
		}
	}
	require.NoError(t, r.tr.Close())
	require.Eventually(t, func() bool { return ch.ReadyState() == webrtc.DataChannelStateClosed }, 5*time.Second, 10*time.Millisecond)
}
