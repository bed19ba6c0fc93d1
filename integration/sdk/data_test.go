package sdk

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

type received struct {
	mu   sync.Mutex
	msgs []webrtc.DataChannelMessage
	n    chan struct{}
}

func collect(dc *msc.DataConsumer) *received {
	r := &received{n: make(chan struct{}, 4096)}
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		r.mu.Lock()
		r.msgs = append(r.msgs, m)
		r.mu.Unlock()
		r.n <- struct{}{}
	})
	return r
}

func (r *received) wait(t testing.TB, ctx context.Context, n int) []webrtc.DataChannelMessage {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-r.n:
		case <-ctx.Done():
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("got %d of %d messages", len(r.msgs), n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webrtc.DataChannelMessage(nil), r.msgs...)
}

func waitOpen(t testing.TB, ctx context.Context, state func() webrtc.DataChannelState) {
	t.Helper()
	for state() != webrtc.DataChannelStateOpen {
		select {
		case <-ctx.Done():
			t.Fatalf("data channel not open: %s", state())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestDataChannels: a Go data producer's messages reach a Go data consumer
// through the server, text and binary, ordered and unordered, none lost,
// in order where ordered.
func TestDataChannels(t *testing.T) {
	cases := []struct {
		name    string
		ordered bool
		binary  bool
	}{
		{"ordered-text", true, false},
		{"ordered-binary", true, true},
		{"unordered-text", false, false},
		{"unordered-binary", false, true},
	}
	ctx := testCtx(t, 120*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", true)
	recv := bob.transport("recv", true)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ordered := tc.ordered
			// Unordered but reliable: "none lost" holds whatever the load
			// (partial reliability may drop messages by design).
			opts := msc.DataProducerOptions{Label: tc.name, Protocol: "test", Ordered: &ordered}
			dp, err := send.ProduceData(ctx, opts)
			require.NoError(t, err)
			require.Equal(t, tc.name, dp.Label())
			require.Equal(t, ordered, *dp.SCTPStreamParameters().Ordered)
			res, err := bob.sig.ConsumeData(ctx, recv.ID(), dp.ID())
			require.NoError(t, err)
			dc, err := recv.ConsumeData(ctx, msc.DataConsumerOptions{ID: res.ID, DataProducerID: res.DataProducerID, SCTPStreamParameters: res.SCTPStreamParameters, Label: res.Label, Protocol: res.Protocol})
			require.NoError(t, err)
			got := collect(dc)
			waitOpen(t, ctx, dp.ReadyState)
			waitOpen(t, ctx, dc.ReadyState)
			const n = 1000
			for i := 0; i < n; i++ {
				msg := fmt.Sprintf("%s %04d", tc.name, i)
				if tc.binary {
					require.NoError(t, dp.Send([]byte(msg)))
				} else {
					require.NoError(t, dp.SendText(msg))
				}
			}
			msgs := got.wait(t, ctx, n)
			seen := map[string]bool{}
			for i, m := range msgs {
				require.Equal(t, !tc.binary, m.IsString)
				seen[string(m.Data)] = true
				if tc.ordered {
					require.Equal(t, fmt.Sprintf("%s %04d", tc.name, i), string(m.Data))
				}
			}
			require.Len(t, seen, n, "duplicates or losses")
			big := bytes.Repeat([]byte{1}, send.GetDataChannelMaxMessageSize()+1)
			require.ErrorIs(t, dp.Send(big), msc.ErrInvalidParameters)
			dp.Close()
			dc.Close()
			require.NoError(t, alice.sig.CloseDataProducer(ctx, dp.ID()))
		})
	}
	require.Equal(t, 65535, send.GetDataChannelMaxMessageSize())
}

// TestDirectDataProducer: a server-side DirectTransport data producer's
// messages reach a Go data consumer.
func TestDirectDataProducer(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	bob := newPeer(t, newRoom(t))
	recv := bob.transport("recv", true)
	dpID, err := bob.sig.CreateDirectDataProducer(ctx, "server", "json")
	require.NoError(t, err)
	res, err := bob.sig.ConsumeData(ctx, recv.ID(), dpID)
	require.NoError(t, err)
	dc, err := recv.ConsumeData(ctx, msc.DataConsumerOptions{ID: res.ID, DataProducerID: res.DataProducerID, SCTPStreamParameters: res.SCTPStreamParameters, Label: res.Label, Protocol: res.Protocol})
	require.NoError(t, err)
	require.Equal(t, "server", dc.Label())
	require.Equal(t, "json", dc.Protocol())
	got := collect(dc)
	waitOpen(t, ctx, dc.ReadyState)
	require.NoError(t, bob.sig.SendDirectData(ctx, dpID, []byte(`{"hello":1}`), false))
	require.NoError(t, bob.sig.SendDirectData(ctx, dpID, []byte{0, 1, 2, 255}, true))
	msgs := got.wait(t, ctx, 2)
	require.True(t, msgs[0].IsString)
	require.Equal(t, `{"hello":1}`, string(msgs[0].Data))
	require.False(t, msgs[1].IsString)
	require.Equal(t, []byte{0, 1, 2, 255}, msgs[1].Data)
}

// TestRestartICEAndStats: after an ICE restart with the server's new
// parameters media keeps flowing both ways; GetStats reports outbound and
// inbound RTP with packets.
func TestRestartICEAndStats(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	alice, bob, send, recv := newPair(t)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	readPackets(t, cons.Track(), 20, 10*time.Second)

	for _, tr := range []struct {
		p *peer
		t *msc.Transport
	}{{alice, send}, {bob, recv}} {
		ice, err := tr.p.sig.RestartICE(ctx, tr.t.ID())
		require.NoError(t, err)
		require.NoError(t, tr.t.RestartICE(ctx, ice))
	}
	// New server credentials reached both peers: the old ones no longer
	// match, so media flowing now flows over the restarted ICE sessions.
	time.Sleep(500 * time.Millisecond)
	readPackets(t, cons.Track(), 100, 15*time.Second)
	require.Equal(t, webrtc.PeerConnectionStateConnected, send.ConnectionState())
	require.Equal(t, webrtc.PeerConnectionStateConnected, recv.ConnectionState())

	ps, err := prod.GetStats(ctx)
	require.NoError(t, err)
	out, ok := ps["outbound-rtp-"+fmt.Sprint(prod.RTPParameters().Encodings[0].SSRC)].(webrtc.OutboundRTPStreamStats)
	require.True(t, ok, "outbound-rtp entry in %v", ps)
	require.Positive(t, out.PacketsSent)
	cs, err := cons.GetStats(ctx)
	require.NoError(t, err)
	in, ok := cs["inbound-rtp-"+fmt.Sprint(cons.RTPParameters().Encodings[0].SSRC)].(webrtc.InboundRTPStreamStats)
	require.True(t, ok, "inbound-rtp entry in %v", cs)
	require.Positive(t, in.PacketsReceived)
	all, err := recv.GetStats(ctx)
	require.NoError(t, err)
	require.Contains(t, all, in.ID)
}
