// Command soak runs consume/close churn against the bundled mediasoup
// server for a long time and prints the client's goroutine and heap curve:
// a bot produces the built-in Opus and VP8 clips, and a recorder-like peer
// keeps one receive transport on which it consumes and closes one consumer
// at a time, kinds alternating, closing half from the client first and half
// on the server first, and reads a few packets of every tenth consumer.
//
//	go run ./cmd/soak -duration 1h -every 1m
//	go run ./cmd/soak -duration 10m -every 30s -handler PionV3ORTC
//
// It exits non-zero if goroutines end more than -slack above the sample
// taken after the first 200 cycles (the transport connected and warm), or a
// consumer fails. -heapprofile writes the heap profile at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func main() {
	duration := flag.Duration("duration", time.Hour, "how long to churn")
	every := flag.Duration("every", time.Minute, "sampling interval")
	slack := flag.Int("slack", 5, "goroutines allowed above the warm sample at the end")
	heapProfile := flag.String("heapprofile", "", "write the heap profile to this file at the end")
	handlerName := flag.String("handler", "", `the churning peer's handler ("PionV3ORTC" for the ORTC one; default PionV3)`)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *duration, *every, *slack, *heapProfile, *handlerName); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, duration, every time.Duration, slack int, heapProfile, handlerName string) error {
	srv, err := testbed.Start(ctx, testbed.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	join := func(handler string) (*testbed.Peer, error) {
		return srv.JoinPeer(ctx, testbed.PeerOptions{
			Room: "soak", Loopback: true, Client: testbed.ClientOptions{HistoryLimit: -1},
			Device: msc.DeviceOptions{HandlerName: handler},
		})
	}
	bot, err := join("")
	if err != nil {
		return err
	}
	defer bot.Close()
	send, err := bot.CreateSendTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		return err
	}
	defer send.Close()
	var producers []string
	for _, name := range []string{mediafile.ClipOpus, mediafile.ClipVP8} {
		clip, err := mediafile.Clip(name)
		if err != nil {
			return err
		}
		kind := "video"
		if clip.MimeType == webrtc.MimeTypeOpus {
			kind = "audio"
		}
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: clip.MimeType}, kind, "soak")
		if err != nil {
			return err
		}
		go func() { _ = mediafile.Play(ctx, track, clip.Frames, true) }()
		p, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
		if err != nil {
			return err
		}
		producers = append(producers, p.ID())
	}
	rec, err := join(handlerName)
	if err != nil {
		return err
	}
	defer rec.Close()
	recv, err := rec.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		return err
	}
	defer recv.Close()

	sample := func() (int, float64) {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), float64(ms.HeapAlloc) / (1 << 20)
	}
	fmt.Printf("%-10s %8s %10s %11s %8s\n", "elapsed", "cycles", "goroutines", "heap (MiB)", "rounds")
	start := time.Now()
	next := start
	g0 := -1
	cycles := 0
	for time.Since(start) < duration && ctx.Err() == nil {
		if cycles == 200 {
			g0, _ = sample()
		}
		if !time.Now().Before(next) {
			g, h := sample()
			fmt.Printf("%-10s %8d %10d %11.2f %8d\n", time.Since(start).Round(time.Second), cycles, g, h, recv.Renegotiations())
			next = next.Add(every)
		}
		res, err := rec.Client.Consume(ctx, testbed.ConsumeOptions{TransportID: recv.ID(), ProducerID: producers[cycles%2], RTPCapabilities: rec.Device.RecvRTPCapabilities()})
		if err != nil {
			return fmt.Errorf("cycle %d: server consume: %w", cycles, err)
		}
		c, err := recv.Consume(ctx, res.Options())
		if err != nil {
			return fmt.Errorf("cycle %d: consume: %w", cycles, err)
		}
		if cycles%10 == 0 {
			if err := rec.Client.ResumeConsumer(ctx, c.ID()); err != nil {
				return err
			}
			_ = c.Track().SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := c.Track().ReadRTP(); err != nil {
				return fmt.Errorf("cycle %d: consumer %s received nothing: %w", cycles, c.ID(), err)
			}
		}
		if cycles%2 == 0 {
			c.Close()
			err = rec.Client.CloseConsumer(ctx, c.ID())
		} else {
			err = rec.Client.CloseConsumer(ctx, c.ID())
			c.Close()
		}
		if err != nil {
			return err
		}
		cycles++
	}
	time.Sleep(time.Second)
	g, h := sample()
	fmt.Printf("%-10s %8d %10d %11.2f %8d\n", time.Since(start).Round(time.Second), cycles, g, h, recv.Renegotiations())
	if heapProfile != "" {
		f, err := os.Create(heapProfile)
		if err != nil {
			return err
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if g0 >= 0 && g > g0+slack {
		return fmt.Errorf("goroutines %d at the end, %d at the start", g, g0)
	}
	return nil
}
