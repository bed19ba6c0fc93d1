package sdk

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// TestConsumeDataOnMessageOption: a message the server's DirectTransport
// data producer sends right after ConsumeData returns reaches the options'
// OnMessage, 20 times out of 20, and WaitOpen returns on the open channel.
func TestConsumeDataOnMessageOption(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	bob := newPeer(t, newRoom(t))
	recv := bob.transport("recv", true)
	dpID, err := bob.sig.CreateDirectDataProducer(ctx, "server", "")
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		res, err := bob.sig.ConsumeData(ctx, recv.ID(), dpID)
		require.NoError(t, err)
		got := make(chan webrtc.DataChannelMessage, 4)
		opened := make(chan struct{}, 1)
		opts := res.Options()
		opts.OnMessage = func(m webrtc.DataChannelMessage) { got <- m }
		opts.OnOpen = func() { opened <- struct{}{} }
		dc, err := recv.ConsumeData(ctx, opts)
		require.NoError(t, err)
		msg := fmt.Sprintf("message %d", i)
		require.NoError(t, bob.sig.SendDirectData(ctx, dpID, []byte(msg), false))
		select {
		case m := <-got:
			require.True(t, m.IsString)
			require.Equal(t, msg, string(m.Data))
		case <-time.After(10 * time.Second):
			st, _ := bob.sig.GetStats(ctx, "dataConsumer", res.ID)
			t.Fatalf("round %d: message lost; channel %s; server data consumer %v", i, dc.ReadyState(), st)
		}
		require.NoError(t, dc.WaitOpen(ctx))
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: OnOpen option not called", i)
		}
		dc.Close()
		require.NoError(t, bob.sig.CloseDataConsumer(ctx, res.ID))
		require.ErrorIs(t, dc.WaitOpen(ctx), msc.ErrInvalidState)
	}
}

// TestProduceDataWaitOpen: SendText right after ProduceData and WaitOpen
// succeeds, on the transport's first data channel and on a later one; the
// options' OnOpen runs once per channel.
func TestProduceDataWaitOpen(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", true)
	recv := bob.transport("recv", true)
	for i := 0; i < 3; i++ {
		opened := make(chan struct{}, 2)
		dp, err := send.ProduceData(ctx, msc.DataProducerOptions{
			Label:  fmt.Sprint("chat", i),
			OnOpen: func() { opened <- struct{}{} },
		})
		require.NoError(t, err)
		res, err := bob.sig.ConsumeData(ctx, recv.ID(), dp.ID())
		require.NoError(t, err)
		got := make(chan webrtc.DataChannelMessage, 4)
		opts := res.Options()
		opts.OnMessage = func(m webrtc.DataChannelMessage) { got <- m }
		dc, err := recv.ConsumeData(ctx, opts)
		require.NoError(t, err)

		require.NoError(t, dp.WaitOpen(ctx))
		require.NoError(t, dp.SendText(fmt.Sprint("hello ", i)))
		select {
		case m := <-got:
			require.Equal(t, fmt.Sprint("hello ", i), string(m.Data))
		case <-time.After(10 * time.Second):
			st, _ := bob.sig.GetStats(ctx, "dataConsumer", res.ID)
			st2, _ := alice.sig.GetStats(ctx, "dataProducer", dp.ID())
			t.Fatalf("channel %d: message lost; channels %s, %s; server data consumer %v, data producer %v", i, dp.ReadyState(), dc.ReadyState(), st, st2)
		}
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Fatalf("channel %d: OnOpen option not called", i)
		}
		require.NoError(t, dp.WaitOpen(ctx), "already open")
		dp.Close()
		require.ErrorIs(t, dp.WaitOpen(ctx), msc.ErrInvalidState)
		require.ErrorIs(t, dp.SendText("late"), msc.ErrInvalidState)
		dc.Close()
		require.Len(t, opened, 0, "OnOpen ran once")
	}
}
