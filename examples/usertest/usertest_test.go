// Package usertest is an application's own test using the kit: the bundled
// server, the application (the bot example), a consumer of its media.
package usertest

import (
	"context"
	"testing"
	"time"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func TestBotReachesConsumer(t *testing.T) {
	srv := testbed.StartT(t) // fails, never skips, when the server cannot run
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	bot, err := botlib.Start(ctx, botlib.Config{Server: srv.URL(), Room: "usertest", Loopback: true, Video: "../../testdata/media/vp8-320x240.ivf"})
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()

	peer, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "usertest"})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if len(peer.Joined.Producers) != 1 {
		t.Fatalf("room has %d producers, want the bot's one", len(peer.Joined.Producers))
	}
	recv, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	consumer, err := peer.Consume(ctx, recv, peer.Joined.Producers[0].ProducerID)
	if err != nil {
		t.Fatal(err)
	}
	_ = consumer.Track().SetReadDeadline(time.Now().Add(20 * time.Second))
	pkt, _, err := consumer.Track().ReadRTP()
	if err != nil {
		t.Fatalf("no media from the bot: %v", err)
	}
	if len(pkt.Payload) == 0 || consumer.Kind() != "video" {
		t.Fatalf("got a %s packet of %d bytes", consumer.Kind(), len(pkt.Payload))
	}
}
