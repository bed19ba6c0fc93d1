// Command databot joins a room of a mediasoup server (the kit's signaling,
// e.g. the bundled test server) and echoes data messages: it produces one
// data channel labelled "echo" and sends back on it every message it gets
// from the room's other data producers, text as text and binary as binary.
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

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// config configures the bot.
type config struct {
	server, room string
	log          *slog.Logger
	// consumed, when set, is called once a data producer's messages are
	// being echoed.
	consumed func(dataProducerID string)
}

func main() {
	server := flag.String("server", "ws://127.0.0.1:3000/", "WebSocket URL of the server")
	room := flag.String("room", "default", "room to join")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, config{server: *server, room: *room, log: log}); err != nil {
		fmt.Fprintln(os.Stderr, "databot:", err)
		os.Exit(1)
	}
}

// run echoes until ctx ends (nil) or the signaling connection fails.
func run(ctx context.Context, cfg config) error {
	if cfg.log == nil {
		cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Data producers that appear later arrive here from the client's
	// notification goroutine.
	appeared := make(chan testbed.DataProducerInfo)
	peer, err := testbed.JoinPeer(ctx, cfg.server, testbed.PeerOptions{
		Room: cfg.room, Loopback: true,
		Client: testbed.ClientOptions{OnNewDataProducer: func(d testbed.DataProducerInfo) {
			select {
			case appeared <- d:
			case <-ctx.Done():
			}
		}},
	})
	if err != nil {
		return err
	}
	defer peer.Close()
	send, err := peer.CreateSendTransport(ctx, testbed.PeerTransportOptions{Data: true})
	if err != nil {
		return err
	}
	defer send.Close()
	recv, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{Data: true})
	if err != nil {
		return err
	}
	defer recv.Close()
	echo, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "echo"})
	if err != nil {
		return err
	}
	if err := echo.WaitOpen(ctx); err != nil {
		return err
	}
	cfg.log.Info("joined", "room", cfg.room, "peer", peer.ID(), "echo", echo.ID())

	consume := func(d testbed.DataProducerInfo) error {
		res, err := peer.Client.ConsumeData(ctx, recv.ID(), d.DataProducerID)
		if err != nil {
			return err
		}
		opts := res.Options()
		// Installed before the channel delivers anything: nothing is lost.
		opts.OnMessage = func(m webrtc.DataChannelMessage) {
			var err error
			if m.IsString {
				err = echo.SendText(string(m.Data))
			} else {
				err = echo.Send(m.Data)
			}
			if err != nil {
				cfg.log.Warn("echo", "err", err)
			}
		}
		if _, err := recv.ConsumeData(ctx, opts); err != nil {
			return err
		}
		cfg.log.Info("echoing", "label", d.Label, "peer", d.PeerID, "dataProducer", d.DataProducerID)
		if cfg.consumed != nil {
			cfg.consumed(d.DataProducerID)
		}
		return nil
	}
	for _, d := range peer.Joined.DataProducers {
		if err := consume(d); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-peer.Client.Done():
			return peer.Client.Err()
		case d := <-appeared:
			if err := consume(d); err != nil && ctx.Err() == nil {
				cfg.log.Warn("consume", "dataProducer", d.DataProducerID, "err", err)
			}
		}
	}
}
