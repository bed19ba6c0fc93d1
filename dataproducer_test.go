package mediasoupclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
)

// connectingChannel returns a negotiated data channel of a PeerConnection
// that never connects: it stays "connecting".
func connectingChannel(t *testing.T) *webrtc.DataChannel {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	negotiated, id := true, uint16(1)
	dc, err := pc.CreateDataChannel("test", &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &id})
	require.NoError(t, err)
	require.Equal(t, webrtc.DataChannelStateConnecting, dc.ReadyState())
	return dc
}

func TestDataEventsWaitOpen(t *testing.T) {
	dc := connectingChannel(t)
	ctx := context.Background()

	// Times out while connecting, with ctx's error.
	var e dataEvents
	e.init(dataHandlers{})
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := e.waitOpen(short, "data producer x", dc)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "connecting")

	// Returns once the channel opens.
	res := make(chan error, 1)
	go func() { res <- e.waitOpen(ctx, "data producer x", dc) }()
	time.Sleep(10 * time.Millisecond)
	e.fireOpen()
	select {
	case err := <-res:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("WaitOpen did not return on open")
	}
	require.NoError(t, e.waitOpen(ctx, "data producer x", dc), "already open")

	// Fails with ErrInvalidState when closed first.
	var e2 dataEvents
	e2.init(dataHandlers{})
	go func() { res <- e2.waitOpen(ctx, "data consumer y", dc) }()
	time.Sleep(10 * time.Millisecond)
	e2.finish()
	select {
	case err := <-res:
		require.ErrorIs(t, err, ErrInvalidState)
	case <-time.After(5 * time.Second):
		t.Fatal("WaitOpen did not return on close")
	}
	require.ErrorIs(t, e2.waitOpen(ctx, "data consumer y", dc), ErrInvalidState)
}

func TestDataEventsHandlers(t *testing.T) {
	var opened, optMsgs, setMsgs, closes atomic.Int32
	var e dataEvents
	e.init(dataHandlers{
		open:    func() { opened.Add(1) },
		close:   func() { closes.Add(1) },
		message: func(webrtc.DataChannelMessage) { optMsgs.Add(1) },
	})
	// The options' handlers are in place before any event.
	e.fireOpen()
	e.fireOpen()
	require.Equal(t, int32(1), opened.Load(), "open fires once")
	e.onMessage(webrtc.DataChannelMessage{})
	require.Equal(t, int32(1), optMsgs.Load())
	e.close.fire()
	require.Equal(t, int32(1), closes.Load())

	// A setter replaces the option's handler.
	e.setMessage(func(webrtc.DataChannelMessage) { setMsgs.Add(1) })
	e.onMessage(webrtc.DataChannelMessage{})
	require.Equal(t, int32(1), optMsgs.Load())
	require.Equal(t, int32(1), setMsgs.Load())

	// OnOpen set after the channel opened runs once, at once.
	late := make(chan struct{}, 2)
	e.setOpen(func() { late <- struct{}{} })
	select {
	case <-late:
	case <-time.After(5 * time.Second):
		t.Fatal("late OnOpen not called")
	}
	time.Sleep(10 * time.Millisecond)
	require.Len(t, late, 0)

	// clear drops every handler.
	e.clear()
	e.close.fire()
	require.Equal(t, int32(1), closes.Load())
}

func TestSendBeforeOpenSaysWaitOpen(t *testing.T) {
	dc := connectingChannel(t)
	d, err := NewDevice(DeviceOptions{})
	require.NoError(t, err)
	tr := &Transport{device: d}
	p := &DataProducer{id: "dp", dc: dc, transport: tr}
	p.events.init(dataHandlers{})
	err = p.SendText("hi")
	require.True(t, errors.Is(err, ErrInvalidState), err)
	require.Contains(t, err.Error(), "WaitOpen")
}
