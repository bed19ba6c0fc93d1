package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
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
	if n := codeLines(t, "main.go"); n > 80 {
		t.Fatalf("main.go has %d lines of code, want at most 80", n)
	} else {
		t.Logf("main.go: %d lines of code", n)
	}
}

// ffprobe decodes every stream of a file and returns "codec:frames" per
// stream, e.g. ["opus:150", "vp8:90"].
func ffprobe(t *testing.T, ctx context.Context, path string) []string {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ffprobe is needed to check the recordings (apt-get install ffmpeg)")
		}
		t.Skip("ffprobe not installed")
	}
	out, err := exec.CommandContext(ctx, bin, "-v", "error", "-count_frames",
		"-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", path).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("ffprobe %s: %v: %s", path, err, ee.Stderr)
	} else if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var streams []string
	for _, s := range res.Streams {
		streams = append(streams, s.Codec+":"+s.Frames)
	}
	sort.Strings(streams)
	return streams
}

// TestRecorder runs bots and the recorder against the bundled server: an
// Opus+VP8 bot already in the room and an H264 bot joining later. Every
// producer's file and room.webm (Opus and VP8) decode with ffprobe.
func TestRecorder(t *testing.T) {
	srv := testbed.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	media := func(name string) string { return filepath.Join("..", "..", "testdata", "media", name) }
	bot := func(cfg botlib.Config) *botlib.Bot {
		cfg.Server, cfg.Room, cfg.Loopback = srv.URL(), "rec", true
		b, err := botlib.Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	first := bot(botlib.Config{Audio: media("opus-48k-stereo.ogg"), Video: media("vp8-320x240.ivf")})

	dir := filepath.Join(t.TempDir(), "out")
	recCtx, stopRec := context.WithCancel(ctx)
	recDone := make(chan error, 1)
	go func() { recDone <- run(recCtx, srv.URL(), "rec", dir) }()
	time.Sleep(time.Second)
	later := bot(botlib.Config{Video: media("h264-320x240.h264")})
	time.Sleep(4 * time.Second)
	stopRec()
	select {
	case err := <-recDone:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("recorder: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("recorder did not stop")
	}

	want := map[string]string{"room.webm": "opus,vp8"}
	for _, b := range []*botlib.Bot{first, later} {
		for _, p := range b.Producers() {
			ext := map[string]string{"audio/opus": ".ogg", "video/VP8": ".ivf", "video/H264": ".h264"}[p.MimeType]
			want[p.ID+ext] = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(p.MimeType, "audio/"), "video/"))
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d files, want %d: %v", len(entries), len(want), entries)
	}
	for name, codecs := range want {
		streams := ffprobe(t, ctx, filepath.Join(dir, name))
		var got []string
		for _, s := range streams {
			codec, frames, _ := strings.Cut(s, ":")
			if frames == "" || frames == "0" || frames == "N/A" {
				t.Errorf("%s: stream %s decoded no frame", name, codec)
			}
			got = append(got, codec)
		}
		if strings.Join(got, ",") != codecs {
			t.Errorf("%s: streams %v, want %s", name, streams, codecs)
		}
		t.Logf("%s: %v", name, streams)
	}
}
