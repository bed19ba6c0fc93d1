// Command newrecorder joins a room, consumes every producer there and to
// come, and writes each one to a file in -out (Opus to .ogg, VP8/VP9 to
// .ivf, H264 to .h264), plus the first Opus and VP8/VP9 producers together
// to room.webm, until interrupted.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func main() {
	server := flag.String("server", "ws://127.0.0.1:3000/", "WebSocket URL of the server")
	room := flag.String("room", "default", "room to join")
	out := flag.String("out", "recordings", "directory for the files")
	flag.Parse()
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt) // stopped by exiting
	if err := run(ctx, *server, *room, *out); err != nil && ctx.Err() == nil {
		log.Fatalln("newrecorder:", err)
	}
}

// run records until ctx ends or something fails, then closes the files.
func run(ctx context.Context, server, room, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	peer, err := testbed.JoinPeer(ctx, server, testbed.PeerOptions{Room: room, Loopback: true})
	if err != nil {
		return err
	}
	defer peer.Close()
	recv, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		return err
	}
	defer recv.Close()
	var wg sync.WaitGroup
	defer wg.Wait() // every file closed before the transport
	record := func(path string, write func(path string) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := write(path); err != nil { // Record and RecordWebM return nil when ctx ends
				log.Printf("%s: %v", path, err)
			}
		}()
	}
	webmTrack := map[string]int{"audio/opus": 0, "video/vp8": 1, "video/vp9": 1}
	var webm [2]*msc.Consumer // consumed again for room.webm
	producers := peer.Joined.Producers
	for seq := uint64(0); ; {
		for _, p := range producers {
			c, err := peer.Consume(ctx, recv, p.ProducerID)
			if err != nil {
				return err
			}
			mime := strings.ToLower(c.RTPParameters().Codecs[0].MimeType)
			ext, _ := mediafile.Extension(mime) // one for every codec the server forwards
			record(filepath.Join(dir, p.ProducerID+ext), func(path string) error { return mediafile.Record(ctx, c, path) })
			if i, ok := webmTrack[mime]; ok && webm[i] == nil {
				if webm[i], err = peer.Consume(ctx, recv, p.ProducerID); err != nil {
					return err
				}
				if webm[0] != nil && webm[1] != nil {
					record(filepath.Join(dir, "room.webm"), func(path string) error { return mediafile.RecordWebM(ctx, webm[0], webm[1], path) })
				}
			}
		}
		n, err := peer.Client.WaitNotificationAfter(ctx, seq, testbed.NotifyNewProducer, nil)
		if err != nil {
			return err // ctx ended, or the connection is gone
		}
		seq, producers = n.Seq, make([]testbed.ProducerInfo, 1)
		if err := n.Decode(&producers[0]); err != nil {
			return err
		}
	}
}
