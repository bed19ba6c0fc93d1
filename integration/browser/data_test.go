package browser

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// waitOpen waits until a data channel is open.
func waitOpen(ctx context.Context, t *testing.T, what string, state func() webrtc.DataChannelState) {
	t.Helper()
	for state() != webrtc.DataChannelStateOpen {
		select {
		case <-ctx.Done():
			t.Fatalf("%s never opened (state %s)", what, state())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestDataBothWays: text and binary messages from a mediasoup-client
// DataProducer to a Go DataConsumer, and from a Go DataProducer to a
// mediasoup-client DataConsumer, through the server's SCTP.
func TestDataBothWays(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	br := openPage(t, room)
	gp := newPeer(t, room)
	send := gp.transport("send", true)
	recv := gp.transport("recv", true)

	binMsg := []byte{0, 1, 2, 0xfe, 0xff, 'm', 's'}

	t.Run("browser to Go", func(t *testing.T) {
		var dp pageData
		br.call("produceData", map[string]any{"label": "from-browser", "protocol": "interop"}, &dp)
		require.Equal(t, "open", dp.ReadyState)
		res, err := gp.sig.ConsumeData(ctx, recv.ID(), dp.ID)
		require.NoError(t, err)
		dc, err := recv.ConsumeData(ctx, msc.DataConsumerOptions{
			ID: res.ID, DataProducerID: res.DataProducerID, SCTPStreamParameters: res.SCTPStreamParameters,
			Label: res.Label, Protocol: res.Protocol,
		})
		require.NoError(t, err)
		var mu sync.Mutex
		var got []webrtc.DataChannelMessage
		arrived := make(chan struct{}, 16)
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			mu.Lock()
			got = append(got, webrtc.DataChannelMessage{IsString: m.IsString, Data: bytes.Clone(m.Data)})
			mu.Unlock()
			arrived <- struct{}{}
		})
		require.Equal(t, "from-browser", dc.Label())
		require.Equal(t, "interop", dc.Protocol())
		waitOpen(ctx, t, "Go data consumer", dc.ReadyState)
		t.Logf("browser data producer stream %d -> Go data consumer stream %d", dp.SCTPStreamParameters.StreamID, dc.SCTPStreamParameters().StreamID)

		br.call("sendData", map[string]any{"id": dp.ID, "text": "hello from mediasoup-client"}, nil)
		br.call("sendData", map[string]any{"id": dp.ID, "binary": binMsg}, nil)
		for i := 0; i < 2; i++ {
			select {
			case <-arrived:
			case <-ctx.Done():
				t.Fatalf("Go got %d of 2 messages", i)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		require.True(t, got[0].IsString)
		require.Equal(t, "hello from mediasoup-client", string(got[0].Data))
		require.False(t, got[1].IsString)
		require.Equal(t, binMsg, got[1].Data)
	})

	t.Run("Go to browser", func(t *testing.T) {
		dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "from-go", Protocol: "interop"})
		require.NoError(t, err)
		waitOpen(ctx, t, "Go data producer", dp.ReadyState)
		var dc pageData
		br.call("consumeData", map[string]any{"dataProducerId": dp.ID()}, &dc)
		require.Equal(t, "from-go", dc.Label)
		require.Equal(t, "open", dc.ReadyState)
		t.Logf("Go data producer stream %d -> browser data consumer stream %d", dp.SCTPStreamParameters().StreamID, dc.SCTPStreamParameters.StreamID)

		require.NoError(t, dp.SendText("hello from Go"))
		require.NoError(t, dp.Send(binMsg))
		var msgs []pageMessage
		for len(msgs) < 2 {
			select {
			case <-ctx.Done():
				t.Fatalf("browser got %d of 2 messages", len(msgs))
			case <-time.After(50 * time.Millisecond):
			}
			br.call("dataMessages", map[string]any{"id": dc.ID}, &msgs)
		}
		require.Len(t, msgs, 2)
		require.NotNil(t, msgs[0].Text, "first message is text")
		require.Equal(t, "hello from Go", *msgs[0].Text)
		require.Nil(t, msgs[1].Text, "second message is binary")
		require.Equal(t, binMsg, msgs[1].Binary)
	})
}
