// Command recorder joins a room of the bundled mediasoup test server,
// consumes every producer that is or comes there and writes each one to a
// file (Opus to .ogg, VP8 and VP9 to .ivf, H264 to .h264) until
// interrupted or -duration elapses, then prints a summary. Each consumer
// is read as whole frames with Consumer.NewSampleReader and written with
// mediafile's writers (see examples/reclib).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"syscall"

	"github.com/soupkit/mediasoup-client-go/examples/reclib"
)

func main() {
	server := flag.String("server", "ws://127.0.0.1:3000/", "WebSocket URL of the mediasoup test server")
	room := flag.String("room", "default", "room to join")
	out := flag.String("out", "recordings", "directory for the recorded files")
	duration := flag.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	loopback := flag.Bool("loopback", true, "keep media on 127.0.0.1 (UDP/IPv4 loopback only)")
	maxLate := flag.Uint("maxlate", 0, "packets to wait for a missing one before dropping its frame (0: the SDK's default, 128)")
	verbose := flag.Bool("v", false, "also log the SDK's debug messages")
	flag.Parse()
	if *maxLate > math.MaxUint16 {
		fmt.Fprintln(os.Stderr, "recorder: -maxlate is at most", math.MaxUint16)
		os.Exit(2)
	}

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
	summary, err := reclib.Run(ctx, reclib.Config{
		Server: *server, Room: *room, OutDir: *out, MaxLate: uint16(*maxLate),
		Loopback: *loopback, Logger: log, SDKLogger: sdkLog,
	})
	if summary != nil {
		summary.Print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "recorder:", err)
		os.Exit(1)
	}
}
