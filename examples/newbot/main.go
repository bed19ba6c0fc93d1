// Command newbot joins a room, plays media in a loop and sends the time
// every second on a data channel labelled "chat", until interrupted.
//
// -media lists files (.ogg/.opus, .ivf, .h264) or names of built-in clips
// (opus-tone.ogg, vp8-pattern.ivf, h264-pattern.h264), comma-separated.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func main() {
	server := flag.String("server", "ws://127.0.0.1:3000/", "WebSocket URL of the server")
	room := flag.String("room", "default", "room to join")
	media := flag.String("media", mediafile.ClipOpus+","+mediafile.ClipVP8, "media files or built-in clips, comma-separated")
	flag.Parse()
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt) // stopped by exiting
	if err := run(ctx, *server, *room, strings.Split(*media, ",")); err != nil && ctx.Err() == nil {
		log.Fatalln("newbot:", err)
	}
}

// run produces until ctx ends (nil) or something fails.
func run(ctx context.Context, server, room string, media []string) error {
	peer, err := testbed.JoinPeer(ctx, server, testbed.PeerOptions{Room: room, Loopback: true})
	if err != nil {
		return err
	}
	defer peer.Close()
	send, err := peer.CreateSendTransport(ctx, testbed.PeerTransportOptions{Data: true}) // Data: SCTP on
	if err != nil {
		return err
	}
	defer send.Close()
	played := make(chan error, len(media))
	for _, name := range media {
		file, err := mediafile.Clip(name) // a built-in clip, or else a file
		if err != nil {
			if file, err = mediafile.Open(name); err != nil {
				return err
			}
		}
		track, _ := file.NewTrack(file.Kind(), "newbot") // a codec Open knows: no error
		if _, err := send.Produce(ctx, msc.ProducerOptions{Track: track}); err != nil {
			return err
		}
		go func() { played <- file.Play(ctx, track) }() // nil when ctx ends
	}
	chat, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "chat"})
	for err == nil && ctx.Err() == nil {
		select {
		case err = <-played:
		case <-time.After(time.Second):
			// Sending fails while the channel connects: WaitOpen first
			// (it returns at once once open).
			if err = chat.WaitOpen(ctx); err == nil {
				err = chat.SendText(time.Now().Format(time.TimeOnly))
			}
		}
	}
	return err
}
