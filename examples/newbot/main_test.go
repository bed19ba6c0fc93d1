package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// codeLines counts the lines of a Go file that are neither blank nor
// comments.
func codeLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, inBlock := 0, false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		switch {
		case inBlock:
			inBlock = !strings.Contains(line, "*/")
		case strings.HasPrefix(line, "/*"):
			inBlock = !strings.Contains(line, "*/")
		case line != "" && !strings.HasPrefix(line, "//"):
			n++
		}
	}
	return n
}

func TestLineCount(t *testing.T) {
	if n := codeLines(t, "main.go"); n > 60 {
		t.Fatalf("main.go has %d lines of code, want at most 60", n)
	} else {
		t.Logf("main.go: %d lines of code", n)
	}
}

// TestNewBot runs the bot against the bundled server: a peer receives its
// Opus and VP8 frames (a key frame among them) and its data messages.
func TestNewBot(t *testing.T) {
	srv := testbed.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Joined first: the bot's producers come as notifications.
	peer, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "newbot"})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- run(botCtx, srv.URL(), "newbot", []string{"opus-tone.ogg", "vp8-pattern.ivf"}) }()
	defer func() {
		stopBot()
		if err := <-botDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("bot: %v", err)
		}
	}()

	// Wait for the bot's two producers and its data producer.
	var producers []string
	for len(producers) < 2 {
		n, err := peer.Client.WaitNotificationAfter(ctx, 0, "newProducer", func(n testbed.Notification) bool {
			var p testbed.ProducerInfo
			_ = n.Decode(&p)
			for _, id := range producers {
				if id == p.ProducerID {
					return false
				}
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		var p testbed.ProducerInfo
		_ = n.Decode(&p)
		producers = append(producers, p.ProducerID)
	}
	n, err := peer.Client.WaitNotificationAfter(ctx, 0, "newDataProducer", nil)
	if err != nil {
		t.Fatal(err)
	}
	var chat testbed.DataProducerInfo
	if err := n.Decode(&chat); err != nil || chat.Label != "chat" {
		t.Fatalf("data producer %+v: %v", chat, err)
	}

	recv, err := peer.CreateRecvTransport(ctx, testbed.PeerTransportOptions{Data: true})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	got := make(chan webrtc.DataChannelMessage, 8)
	res, err := peer.Client.ConsumeData(ctx, recv.ID(), chat.DataProducerID)
	if err != nil {
		t.Fatal(err)
	}
	opts := res.Options()
	opts.OnMessage = func(m webrtc.DataChannelMessage) {
		select {
		case got <- m:
		default:
		}
	}
	if _, err := recv.ConsumeData(ctx, opts); err != nil {
		t.Fatal(err)
	}
	kinds := map[msc.MediaKind]bool{}
	for _, id := range producers {
		c, err := peer.Consume(ctx, recv, id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.NewSampleReader(0)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.RequestKeyFrame()
		readCtx, done := context.WithTimeout(ctx, 15*time.Second)
		for frames := 0; frames < 10 || !kinds[c.Kind()]; frames++ {
			s, err := r.ReadSample(readCtx)
			if err != nil {
				t.Fatalf("%s: %d frames, then %v", c.Kind(), frames, err)
			}
			kinds[c.Kind()] = kinds[c.Kind()] || s.KeyFrame
		}
		done()
	}
	if !kinds[msc.MediaKindAudio] || !kinds[msc.MediaKindVideo] {
		t.Fatalf("media received: %v", kinds)
	}
	select {
	case m := <-got:
		if !m.IsString || len(m.Data) == 0 {
			t.Fatalf("data message %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no data message from the bot")
	}
}
