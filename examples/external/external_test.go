// Package external checks that the SDK works from another module: a
// program outside this repository, requiring the SDK, starts the bundled
// server through the kit and runs a bot and a recorder.
package external

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// program is the separate module's main package: only the SDK's public
// packages.
const program = `package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "external:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string) error {
	srv, err := testbed.Start(ctx, testbed.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println("server", srv.Version, "on", srv.URL())

	// The bot: the built-in Opus and VP8 clips.
	bot, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "external"})
	if err != nil {
		return err
	}
	defer bot.Close()
	send, err := bot.CreateSendTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		return err
	}
	defer send.Close()
	playCtx, stopPlay := context.WithCancel(ctx)
	defer stopPlay()
	for _, name := range []string{mediafile.ClipOpus, mediafile.ClipVP8} {
		clip, err := mediafile.Clip(name)
		if err != nil {
			return err
		}
		track, err := clip.NewTrack(clip.Kind(), "bot")
		if err != nil {
			return err
		}
		if _, err := send.Produce(ctx, msc.ProducerOptions{Track: track}); err != nil {
			return err
		}
		go func() { _ = clip.Play(playCtx, track) }()
	}

	// The recorder: every producer of the room for 3 seconds.
	rec, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "external"})
	if err != nil {
		return err
	}
	defer rec.Close()
	recv, err := rec.CreateRecvTransport(ctx, testbed.PeerTransportOptions{})
	if err != nil {
		return err
	}
	defer recv.Close()
	recCtx, stopRec := context.WithTimeout(ctx, 3*time.Second)
	defer stopRec()
	errs := make(chan error, len(rec.Joined.Producers))
	var paths []string
	for _, p := range rec.Joined.Producers {
		c, err := rec.Consume(ctx, recv, p.ProducerID)
		if err != nil {
			return err
		}
		ext, err := mediafile.Extension(c.RTPParameters().Codecs[0].MimeType)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, string(p.Kind)+ext)
		paths = append(paths, path)
		go func() { errs <- mediafile.Record(recCtx, c, path) }()
	}
	for range paths {
		if err := <-errs; err != nil {
			return err
		}
	}
	for _, path := range paths {
		f, err := mediafile.Open(path)
		if err != nil {
			return err
		}
		fmt.Printf("recorded %s: %s, %d frames\n", filepath.Base(path), f.MimeType, len(f.Frames))
	}
	return nil
}
`

// TestExternalModule writes a separate module that requires the SDK
// through a replace directive pointing at this repository, and runs it
// with the module cache this repository's go mod download filled: its bot
// and recorder work against the bundled server.
func TestExternalModule(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	dir := t.TempDir()
	gomod := "module example.com/external\n\ngo 1.22\n\n" +
		"require github.com/soupkit/mediasoup-client-go v0.0.0\n\n" +
		"replace github.com/soupkit/mediasoup-client-go => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(program)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "run", ".", out)
	cmd.Dir = dir
	// The caller's GOPROXY, GOMODCACHE and GOCACHE, no workspace, and the
	// external go.mod completed from the requirements of the SDK's.
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off", "GOTOOLCHAIN=local")
	output, err := cmd.CombinedOutput()
	t.Logf("go run:\n%s", output)
	if err != nil {
		t.Fatalf("the external module failed: %v", err)
	}
	text := string(output)
	if !strings.Contains(text, "server 3.12.16 on ws://127.0.0.1:") {
		t.Error("no server line")
	}
	for _, want := range []string{`recorded audio\.ogg: audio/opus, (\d+) frames`, `recorded video\.ivf: video/VP8, (\d+) frames`} {
		m := regexp.MustCompile(want).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no line matching %q", want)
		} else if m[1] == "0" {
			t.Errorf("%s: no frames", m[0])
		}
	}
}
