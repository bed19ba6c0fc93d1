// Command loadgen puts a room's subscriber load on a mediasoup server from
// one Go process: it joins the room as -peers receiving peers, each of
// which consumes every producer already in the room -copies times on one
// receive transport (a single ConsumeMany: one renegotiation however many
// consumers), reads every track and prints, every second, what arrives.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

type config struct {
	server, room  string
	peers, copies int
	loopback      bool
	interval      time.Duration // between report lines
	out           io.Writer
}

// stream counts what one consumer's track delivers.
type stream struct {
	packets, bytes, lost atomic.Int64
}

// totals sums the streams; silent is how many have delivered nothing.
type totals struct {
	consumers            int
	packets, bytes, lost int64
	silent               int
	elapsed              time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.server, "server", "ws://127.0.0.1:3000/", "WebSocket URL of the mediasoup test server")
	flag.StringVar(&cfg.room, "room", "default", "room to join")
	flag.IntVar(&cfg.peers, "peers", 10, "receiving peers")
	flag.IntVar(&cfg.copies, "copies", 1, "consumers of every producer per peer")
	duration := flag.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	flag.BoolVar(&cfg.loopback, "loopback", true, "keep media on 127.0.0.1 (UDP/IPv4 loopback only)")
	flag.Parse()
	cfg.interval, cfg.out = time.Second, os.Stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	t, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if t.silent > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d of %d consumers received nothing\n", t.silent, t.consumers)
		os.Exit(1)
	}
}

// run joins the peers, consumes, and reports until ctx ends.
func run(ctx context.Context, cfg config) (totals, error) {
	if cfg.peers < 1 || cfg.copies < 1 {
		return totals{}, errors.New("-peers and -copies must be at least 1")
	}
	var (
		streams []*stream
		readers sync.WaitGroup
		closers []func()
	)
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		readers.Wait() // every track ends when its transport closes
	}()
	start := time.Now()
	for i := 0; i < cfg.peers; i++ {
		// Notifications are not needed here: no callbacks, no history.
		peer, err := testbed.JoinPeer(ctx, cfg.server, testbed.PeerOptions{Room: cfg.room, Loopback: cfg.loopback, Client: testbed.ClientOptions{HistoryLimit: -1}})
		if err != nil {
			return totals{}, fmt.Errorf("peer %d: %w", i, err)
		}
		closers = append(closers, func() { _ = peer.Close() })
		if len(peer.Joined.Producers) == 0 {
			return totals{}, fmt.Errorf("room %q has no producers to consume", cfg.room)
		}
		tr, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
		if err != nil {
			return totals{}, fmt.Errorf("peer %d: %w", i, err)
		}
		closers = append(closers, tr.Close)
		var opts []msc.ConsumerOptions
		for _, p := range peer.Joined.Producers {
			for c := 0; c < cfg.copies; c++ {
				res, err := peer.Client.Consume(ctx, testbed.ConsumeOptions{TransportID: tr.ID(), ProducerID: p.ProducerID, RTPCapabilities: peer.Device.RecvRTPCapabilities()})
				if err != nil {
					return totals{}, fmt.Errorf("peer %d: %w", i, err)
				}
				opts = append(opts, res.Options())
			}
		}
		consumers, errs := tr.ConsumeMany(ctx, opts)
		if err := errors.Join(errs...); err != nil {
			return totals{}, fmt.Errorf("peer %d: %w", i, err)
		}
		for _, c := range consumers {
			s := &stream{}
			streams = append(streams, s)
			readers.Add(1)
			go func(track *msc.RemoteTrack) {
				defer readers.Done()
				s.read(track)
			}(c.Track())
			if err := peer.Client.ResumeConsumer(ctx, c.ID()); err != nil {
				return totals{}, fmt.Errorf("peer %d: %w", i, err)
			}
		}
	}
	sum := func() totals {
		t := totals{consumers: len(streams), elapsed: time.Since(start)}
		for _, s := range streams {
			p := s.packets.Load()
			t.packets += p
			t.bytes += s.bytes.Load()
			t.lost += s.lost.Load()
			if p == 0 {
				t.silent++
			}
		}
		return t
	}
	fmt.Fprintf(cfg.out, "%d peers, %d consumers, set up in %s\n", cfg.peers, len(streams), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(cfg.out, "%8s %10s %10s %8s %7s\n", "time", "Mbit/s", "packets/s", "lost", "silent")
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	last, lastAt := sum(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return sum(), nil
		case now := <-tick.C:
			t := sum()
			sec := now.Sub(lastAt).Seconds()
			fmt.Fprintf(cfg.out, "%8s %10.2f %10.0f %8d %7d\n", t.elapsed.Round(time.Second),
				float64(t.bytes-last.bytes)*8/1e6/sec, float64(t.packets-last.packets)/sec, t.lost, t.silent)
			last, lastAt = t, now
		}
	}
}

// read counts a track's packets until it ends. Lost packets are those
// missing from the range of sequence numbers seen so far, as an RTCP
// receiver report counts them (reordered packets are not lost).
func (s *stream) read(track *msc.RemoteTrack) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var base, highest, received int64 // extended sequence numbers
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		s.packets.Add(1)
		s.bytes.Add(int64(n))
		if received == 0 {
			base, highest = int64(pkt.SequenceNumber), int64(pkt.SequenceNumber)
		} else {
			ext := highest + int64(int16(pkt.SequenceNumber-uint16(highest)))
			highest = max(highest, ext)
			base = min(base, ext)
		}
		received++
		s.lost.Store(max(0, highest-base+1-received))
	}
}
