// Package botlib is the bot example's logic, importable so that other
// programs (the project's demo) can run bots in-process: join a room of the
// bundled mediasoup test server and produce Opus from an Ogg file and VP8,
// VP9 (IVF) or H264 (Annex B) video, each looping in real time.
package botlib

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// Config configures a bot.
type Config struct {
	// Server is the WebSocket URL of the server, e.g. ws://127.0.0.1:3000/.
	Server string
	// Room to join; "" means "default".
	Room string
	// Audio is an Ogg Opus file to produce; "" sends no audio.
	Audio string
	// Video is an IVF (VP8, VP9) or Annex B H264 (.h264) file to produce;
	// "" sends no video. H264 is sent as profile 42e01f.
	Video string
	// Loopback keeps media on 127.0.0.1.
	Loopback bool
	// Logger receives what the bot does; nil keeps it silent.
	Logger *slog.Logger
	// SDKLogger, when set, receives the SDK's own logs.
	SDKLogger *slog.Logger
}

// ProducerInfo describes one of the bot's producers.
type ProducerInfo struct {
	// ID is the server-side producer ID.
	ID string
	// Kind is audio or video.
	Kind msc.MediaKind
	// MimeType is the codec sent.
	MimeType string
	// File is the media file played in a loop.
	File string
}

// Bot is a running bot. Close it to stop.
type Bot struct {
	log       *slog.Logger
	peer      *testbed.Peer
	transport *msc.Transport
	producers []*msc.Producer
	infos     []ProducerInfo

	cancel  context.CancelFunc
	players sync.WaitGroup

	mu       sync.Mutex
	playErr  error
	closed   bool
	closeErr error
}

// Start joins the room and starts producing. It returns once every
// producer exists on the server.
func Start(ctx context.Context, cfg Config) (*Bot, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Audio == "" && cfg.Video == "" {
		return nil, errors.New("bot: nothing to produce: give an audio or a video file")
	}
	var files []*mediafile.File
	for _, path := range []string{cfg.Audio, cfg.Video} {
		if path == "" {
			continue
		}
		f, err := mediafile.Open(path)
		if err != nil {
			return nil, fmt.Errorf("bot: %w", err)
		}
		log.Info("loaded media file", "file", path, "codec", f.MimeType, "frames", len(f.Frames), "loop", f.Length().Round(time.Millisecond))
		files = append(files, f)
	}
	if len(files) == 2 && files[0].Kind() != "audio" {
		return nil, fmt.Errorf("bot: %s is not an audio file", cfg.Audio)
	}
	if len(files) == 2 && files[1].Kind() != "video" {
		return nil, fmt.Errorf("bot: %s is not a video file", cfg.Video)
	}

	// The bot needs no notifications: they are only logged, and none kept.
	peer, err := testbed.JoinPeer(ctx, cfg.Server, testbed.PeerOptions{
		Room: cfg.Room, Loopback: cfg.Loopback, Device: msc.DeviceOptions{Logger: cfg.SDKLogger}, PionLogger: log,
		Client: testbed.ClientOptions{
			HistoryLimit:   -1,
			OnNotification: func(n testbed.Notification) { log.Debug("notification", "method", n.Method) },
		},
	})
	if err != nil {
		return nil, fmt.Errorf("bot: join: %w", err)
	}
	log.Info("joined room", "room", peer.Joined.Room, "peer", peer.Joined.PeerID, "server", cfg.Server)
	playCtx, cancel := context.WithCancel(context.Background())
	b := &Bot{log: log, peer: peer, cancel: cancel}

	b.transport, err = peer.CreateSendTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bot: send transport: %w", err)
	}
	b.transport.OnConnectionStateChange(func(s msc.ConnectionState) {
		log.Info("send transport connection state", "state", s.String())
	})
	for _, f := range files {
		if err := b.produce(ctx, playCtx, f); err != nil {
			b.Close()
			return nil, fmt.Errorf("bot: produce %s: %w", f.Path, err)
		}
	}
	return b, nil
}

func (b *Bot) produce(ctx, playCtx context.Context, f *mediafile.File) error {
	codec, err := sendCodec(b.peer.Device, f.MimeType)
	if err != nil {
		return err
	}
	track, err := f.NewTrack("bot-"+f.Kind(), "bot-"+b.peer.Joined.PeerID)
	if err != nil {
		return err
	}
	// Start playing before Produce: the track only sends once bound, and
	// the first frames then go out as soon as the transport connects.
	b.players.Add(1)
	go func() {
		defer b.players.Done()
		if err := f.Play(playCtx, track); err != nil {
			b.log.Error("playing stopped", "file", f.Path, "err", err)
			b.mu.Lock()
			if b.playErr == nil {
				b.playErr = err
			}
			b.mu.Unlock()
		}
	}()
	p, err := b.transport.Produce(ctx, msc.ProducerOptions{
		Track:   track,
		Codec:   codec,
		AppData: msc.AppData{"file": filepath.Base(f.Path)},
	})
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.producers = append(b.producers, p)
	b.infos = append(b.infos, ProducerInfo{ID: p.ID(), Kind: p.Kind(), MimeType: p.RTPParameters().Codecs[0].MimeType, File: f.Path})
	b.mu.Unlock()
	b.log.Info("producing", "kind", p.Kind(), "codec", p.RTPParameters().Codecs[0].MimeType, "producer", p.ID(), "file", f.Path)
	return nil
}

// sendCodec picks the device's send codec for mime; for H264 the
// constrained baseline profile (42e01f) the test files are encoded in.
func sendCodec(dev *msc.Device, mime string) (*msc.RTPCodecCapability, error) {
	for _, c := range dev.SendRTPCapabilities().Codecs {
		if !strings.EqualFold(c.MimeType, mime) {
			continue
		}
		if strings.EqualFold(mime, "video/H264") {
			if plid, _ := c.Parameters.String("profile-level-id"); plid != "42e01f" {
				continue
			}
		}
		return &c, nil
	}
	return nil, fmt.Errorf("the room's router cannot receive %s from this device: %w", mime, msc.ErrUnsupported)
}

// PeerID is the bot's peer ID in the room.
func (b *Bot) PeerID() string { return b.peer.Joined.PeerID }

// Producers describes the bot's producers.
func (b *Bot) Producers() []ProducerInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]ProducerInfo(nil), b.infos...)
}

// Done is closed when the signaling connection is gone (server stopped or
// Close called).
func (b *Bot) Done() <-chan struct{} { return b.peer.Client.Done() }

// Err reports why media stopped playing, if it did.
func (b *Bot) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.playErr
}

// Close stops playing, closes the producers on the server (their consumers
// get consumerClosed) and locally, then the transport and the signaling.
// Idempotent; it returns the first signaling error met.
func (b *Bot) Close() error {
	b.mu.Lock()
	if b.closed {
		err := b.closeErr
		b.mu.Unlock()
		return err
	}
	b.closed = true
	producers := b.producers
	b.mu.Unlock()

	b.cancel()
	b.players.Wait()
	var first error
	for _, p := range producers {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := b.peer.Client.CloseProducer(ctx, p.ID())
		cancel()
		if err != nil && first == nil && !errors.Is(err, testbed.ErrClosed) {
			first = err
		}
		p.Close()
		b.log.Info("closed producer", "producer", p.ID(), "kind", p.Kind())
	}
	if b.transport != nil {
		b.transport.Close()
	}
	_ = b.peer.Close()
	b.log.Info("left room")
	b.mu.Lock()
	b.closeErr = first
	b.mu.Unlock()
	return first
}

// Run starts a bot and keeps it running until ctx ends or the server goes
// away, then closes it.
func Run(ctx context.Context, cfg Config) error {
	b, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return b.Close()
	case <-b.Done():
		_ = b.Close()
		return errors.New("bot: signaling connection lost")
	}
}
