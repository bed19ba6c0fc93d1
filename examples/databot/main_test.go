package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// TestEcho runs the bot against the bundled server; a user's text and
// binary messages come back through the server on the bot's "echo" data
// producer, unchanged and in order.
func TestEcho(t *testing.T) {
	srv := testbed.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The bot, with a hook saying when it echoes a data producer.
	consumed := make(chan string, 4)
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() {
		botDone <- run(botCtx, config{server: srv.URL(), room: "data", consumed: func(id string) { consumed <- id }})
	}()
	defer func() {
		stopBot()
		if err := <-botDone; err != nil {
			t.Errorf("bot: %v", err)
		}
	}()

	// The user: waits for the bot's echo producer, consumes it.
	user, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "data"})
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close()
	var echo testbed.DataProducerInfo
	if len(user.Joined.DataProducers) > 0 { // the bot joined first
		echo = user.Joined.DataProducers[0]
	} else {
		n, err := user.Client.WaitNotification(ctx, "newDataProducer", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Decode(&echo); err != nil {
			t.Fatal(err)
		}
	}
	if echo.Label != "echo" {
		t.Fatalf("data producer %+v, want the bot's echo", echo)
	}
	recv, err := user.CreateRecvTransport(ctx, testbed.PeerTransportOptions{Data: true})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	res, err := user.Client.ConsumeData(ctx, recv.ID(), echo.DataProducerID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan webrtc.DataChannelMessage, 16)
	opts := res.Options()
	opts.OnMessage = func(m webrtc.DataChannelMessage) { got <- m }
	if _, err := recv.ConsumeData(ctx, opts); err != nil {
		t.Fatal(err)
	}

	// The user's own data producer, which the bot consumes.
	send, err := user.CreateSendTransport(ctx, testbed.PeerTransportOptions{Data: true})
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	chat, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chat.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-consumed:
		if id != chat.ID() {
			t.Fatalf("bot consumed %s, want %s", id, chat.ID())
		}
	case <-ctx.Done():
		t.Fatal("the bot never consumed the user's data producer")
	}

	binary := []byte{0, 1, 2, 0xff, 0xfe}
	if err := chat.SendText("hello, bot"); err != nil {
		t.Fatal(err)
	}
	if err := chat.Send(binary); err != nil {
		t.Fatal(err)
	}
	for i, want := range []webrtc.DataChannelMessage{{IsString: true, Data: []byte("hello, bot")}, {Data: binary}} {
		select {
		case m := <-got:
			if m.IsString != want.IsString || !bytes.Equal(m.Data, want.Data) {
				t.Fatalf("echo %d: got %+v, want %+v", i, m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("echo %d never came back", i)
		}
	}
}
