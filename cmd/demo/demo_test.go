package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestDemo runs the demo against the real server for a few seconds. A
// server that cannot start fails the test: it never skips.
func TestDemo(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := run(ctx, options{Duration: 4 * time.Second, OutDir: t.TempDir(), H264: true, Log: log, Out: &out})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("demo did not run: %v", err)
	}
	if !res.OK() {
		t.Fatal("demo checks failed (see the table above)")
	}
	want := map[string]bool{"audio/opus": false, "video/vp8": false, "video/h264": false}
	for _, c := range res.Checks {
		want[strings.ToLower(c.Codec)] = true
		if c.Stats.Frames < 30 {
			t.Errorf("%s: only %d frames in 4 s", c.Stats.Path, c.Stats.Frames)
		}
		if c.Kind == "video" && c.Stats.KeyFrames == 0 {
			t.Errorf("%s: no key frame", c.Stats.Path)
		}
	}
	for codec, seen := range want {
		if !seen {
			t.Errorf("no recording checked for %s", codec)
		}
	}
	if len(res.Checks) != len(want) {
		t.Errorf("%d checks, want %d", len(res.Checks), len(want))
	}
}
