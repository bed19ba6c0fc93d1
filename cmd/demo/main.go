// Command demo is the project's end-to-end demonstration: it starts the
// bundled mediasoup test server (testbed/server, real mediasoup 3.12.16),
// runs a recorder and bots in-process for a few seconds — one bot sending
// Opus and VP8, another H264 — stops everything, then checks every
// recorded file: container well-formed (IVF frame headers and VP8 key
// frames at 320x240, Ogg pages with OpusHead, Annex B with SPS, PPS and an
// IDR picture) and, when ffprobe is installed, decodable. It prints a
// summary table and exits non-zero if any check fails.
//
// Run `make install` once, then from the repository root:
//
//	go run ./cmd/demo [-duration 8s] [-out DIR] [-h264=false] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() { os.Exit(demoMain()) }

func demoMain() int {
	duration := flag.Duration("duration", 8*time.Second, "how long the bots send")
	out := flag.String("out", "", "directory for the recordings (default: a temporary directory, removed at the end)")
	h264 := flag.Bool("h264", true, "run a second bot sending H264")
	verbose := flag.Bool("v", false, "log what the bots, the recorder and the server do")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "mediasoup-demo-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, options{
		Duration: *duration, OutDir: dir, H264: *h264,
		Log: log, ServerLog: *verbose, Out: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo: FAIL:", err)
		return 1
	}
	if !res.OK() {
		fmt.Println("demo: FAIL")
		return 1
	}
	fmt.Println("demo: PASS")
	return 0
}
