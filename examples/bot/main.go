// Command bot joins a room of the bundled mediasoup test server and
// produces Opus from an Ogg file and VP8/VP9 (IVF) or H264 (Annex B) video,
// each looping in real time, until interrupted or -duration elapses.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
)

func main() {
	server := flag.String("server", "ws://127.0.0.1:3000/", "WebSocket URL of the mediasoup test server")
	room := flag.String("room", "default", "room to join")
	audio := flag.String("audio", "testdata/media/opus-48k-stereo.ogg", "Ogg Opus file to produce (\"\" for none)")
	video := flag.String("video", "testdata/media/vp8-320x240.ivf", "IVF (VP8, VP9) or Annex B H264 (.h264) file to produce (\"\" for none)")
	duration := flag.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	loopback := flag.Bool("loopback", true, "keep media on 127.0.0.1 (UDP/IPv4 loopback only)")
	verbose := flag.Bool("v", false, "also log the SDK's debug messages")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var sdkLog *slog.Logger
	if *verbose {
		sdkLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("src", "sdk")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	start := time.Now()
	err := botlib.Run(ctx, botlib.Config{
		Server: *server, Room: *room, Audio: *audio, Video: *video,
		Loopback: *loopback, Logger: log, SDKLogger: sdkLog,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
	log.Info("done", "ran", time.Since(start).Round(time.Millisecond))
}
