package reclib

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// TestRecorder records bots on the bundled server: an Opus+VP8 bot already
// in the room when the recorder joins, a VP9 bot and an H264 bot joining
// later. The H264 bot leaves before the recorder stops, so its file is
// closed by the server's consumerClosed; the others by Close. Each file is
// read back with mediafile and must hold exactly the frames and key frames
// the summary reports. A server that cannot start fails the test.
func TestRecorder(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testbed.Start(ctx, testbed.Options{})
	if err != nil {
		t.Fatalf("cannot start the mediasoup test server: %v", err)
	}
	defer srv.Close()

	const room = "reclib"
	media := func(name string) string { return filepath.Join("..", "..", "testdata", "media", name) }
	var bots []*botlib.Bot
	defer func() {
		for _, b := range bots {
			_ = b.Close()
		}
	}()
	bot := func(cfg botlib.Config) *botlib.Bot {
		t.Helper()
		cfg.Server, cfg.Room, cfg.Loopback, cfg.Logger = srv.URL(), room, true, log
		b, err := botlib.Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		bots = append(bots, b)
		return b
	}
	wait := func(what string, cond func(opened, recording int) bool, rec *Recorder) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := rec.Wait(wctx, cond); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	early := bot(botlib.Config{Audio: media("opus-48k-stereo.ogg"), Video: media("vp8-320x240.ivf")})
	dir := t.TempDir()
	rec, err := Start(ctx, Config{Server: srv.URL(), Room: room, OutDir: dir, Loopback: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	wait("consuming the producers already in the room", func(opened, _ int) bool { return opened == 2 }, rec)
	vp9 := bot(botlib.Config{Video: media("vp9-320x240.ivf")})
	h264 := bot(botlib.Config{Video: media("h264-320x240.h264")})
	wait("consuming the new producers", func(opened, _ int) bool { return opened == 4 }, rec)
	time.Sleep(3 * time.Second)

	if err := h264.Close(); err != nil {
		t.Fatalf("closing the H264 bot: %v", err)
	}
	wait("closing the H264 file on consumerClosed", func(_, recording int) bool { return recording == 3 }, rec)
	time.Sleep(500 * time.Millisecond)
	summary := rec.Close()
	var table bytes.Buffer
	summary.Print(&table)
	t.Log("\n" + table.String())

	closedBy := map[string]string{}
	for _, b := range []*botlib.Bot{early, vp9, h264} {
		reason := "stopped"
		if b == h264 {
			reason = "producerclose"
		}
		for _, p := range b.Producers() {
			closedBy[p.ID] = reason
		}
	}
	if len(summary) != len(closedBy) {
		t.Fatalf("%d files, want %d", len(summary), len(closedBy))
	}
	for _, f := range summary {
		name := filepath.Base(f.Path)
		want, ok := closedBy[f.ProducerID]
		if !ok {
			t.Errorf("%s: producer %s is no bot's", name, f.ProducerID)
			continue
		}
		if f.CloseReason != want {
			t.Errorf("%s: closed by %q, want %q", name, f.CloseReason, want)
		}
		checkFile(t, f)
	}
}

// checkFile compares a recorded file with its stats.
func checkFile(t *testing.T, f FileStats) {
	t.Helper()
	name := filepath.Base(f.Path)
	if f.Frames < 30 {
		t.Errorf("%s: %d frames, want at least 30", name, f.Frames)
	}
	if f.WriteErrors != 0 {
		t.Errorf("%s: %d samples refused by the writer", name, f.WriteErrors)
	}
	if f.Packets < f.Frames+f.Skipped {
		t.Errorf("%s: %d packets received for %d frames written and %d skipped", name, f.Packets, f.Frames, f.Skipped)
	}
	if f.KeyFrames == 0 {
		t.Errorf("%s: no key frame", name)
	}
	if strings.HasPrefix(f.MimeType, "audio/") && f.KeyFrames != f.Frames {
		t.Errorf("%s: %d of %d Opus packets marked key frames, want all", name, f.KeyFrames, f.Frames)
	}
	fi, err := os.Stat(f.Path)
	if err != nil {
		t.Error(err)
		return
	}
	if fi.Size() != f.Bytes || f.Bytes < f.PayloadBytes || f.PayloadBytes == 0 {
		t.Errorf("%s: %d bytes on disk, summary says %d for %d bytes of frames", name, fi.Size(), f.Bytes, f.PayloadBytes)
	}
	file, err := mediafile.Open(f.Path)
	if err != nil {
		t.Errorf("reading the recording back: %v", err)
		return
	}
	if !strings.EqualFold(file.MimeType, f.MimeType) {
		t.Errorf("%s: the file holds %s, recorded %s", name, file.MimeType, f.MimeType)
	}
	var keys int64
	for _, fr := range file.Frames {
		if fr.KeyFrame {
			keys++
		}
	}
	if int64(len(file.Frames)) != f.Frames || keys != f.KeyFrames {
		t.Errorf("%s: the file holds %d frames, %d key; summary says %d, %d", name, len(file.Frames), keys, f.Frames, f.KeyFrames)
	}
	if !file.Frames[0].KeyFrame {
		t.Errorf("%s: the first frame is not a key frame", name)
	}
	// Ogg and IVF store each frame's time; a raw H264 stream has none.
	if !strings.EqualFold(f.MimeType, "video/H264") {
		if d := file.Length() - f.Duration; d < -20*time.Millisecond || d > 20*time.Millisecond {
			t.Errorf("%s: the file plays %s, summary says %s", name, file.Length(), f.Duration)
		}
	}
	t.Logf("%s: %d packets, %d frames (%d key, %d skipped), %s", name, f.Packets, f.Frames, f.KeyFrames, f.Skipped, f.Duration)
}
