package integration

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v3/pkg/media/ivfreader"
	"github.com/pion/webrtc/v3/pkg/media/oggreader"
)

// testCtx returns a context bounded by d that ends with the test.
func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mediaPath(name string) string {
	return filepath.Join("..", "testdata", "media", name)
}

// readIVF returns the frames of an IVF file (VP8 or VP9).
func readIVF(t testing.TB, name string) (frames [][]byte, fourcc string) {
	t.Helper()
	f, err := os.Open(mediaPath(name))
	if err != nil {
		t.Fatalf("open test media (regenerate with testbed/media.sh): %v", err)
	}
	defer f.Close()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		frames = append(frames, frame)
	}
	if len(frames) == 0 {
		t.Fatalf("%s: no frames", name)
	}
	return frames, strings.TrimSpace(hdr.FourCC)
}

// readOpus returns the Opus packets of an Ogg file written with one packet
// per page (testbed/media.sh does), skipping the OpusTags header page.
func readOpus(t testing.TB, name string) [][]byte {
	t.Helper()
	f, err := os.Open(mediaPath(name))
	if err != nil {
		t.Fatalf("open test media (regenerate with testbed/media.sh): %v", err)
	}
	defer f.Close()
	r, hdr, err := oggreader.NewWith(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if hdr.Channels != 2 || hdr.SampleRate != 48000 {
		t.Fatalf("%s: want 48 kHz stereo, got %d Hz %d channels", name, hdr.SampleRate, hdr.Channels)
	}
	var pkts [][]byte
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.HasPrefix(string(page), "OpusTags") || len(page) == 0 {
			continue
		}
		pkts = append(pkts, page)
	}
	if len(pkts) == 0 {
		t.Fatalf("%s: no packets", name)
	}
	return pkts
}
