package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
	"github.com/soupkit/mediasoup-client-go/examples/reclib"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// options configure run.
type options struct {
	// Duration is how long the bots send once the recorder consumes them.
	Duration time.Duration
	// OutDir receives the recordings.
	OutDir string
	// H264 adds a second bot sending H264.
	H264 bool
	// Log receives the bots' and the recorder's logs.
	Log *slog.Logger
	// ServerLog copies the server's log lines to Log.
	ServerLog bool
	// Out receives the progress lines and the summary table.
	Out io.Writer
}

// result is what run found.
type result struct {
	// Summary is the recorder's.
	Summary reclib.Summary
	// Checks has one entry per producer the bots made.
	Checks []fileCheck
}

// OK reports whether every check passed.
func (r *result) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK() {
			return false
		}
	}
	return true
}

const room = "demo"

// run starts the server, the recorder and the bots, lets them run for
// opts.Duration, stops them and checks the recordings. The error is for
// what kept the demo from running at all; failed checks are in the result.
func run(ctx context.Context, opts options) (res *result, err error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	media := func(name string) string { return filepath.Join(root, "testdata", "media", name) }

	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	srvOpts := testbed.Options{}
	if opts.ServerLog {
		srvOpts.Logf = func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }
	}
	srv, err := testbed.Start(startCtx, srvOpts)
	if err != nil {
		return nil, fmt.Errorf("cannot start the mediasoup test server: %w", err)
	}
	defer func() {
		if serr := srv.Close(); serr != nil && err == nil {
			err = fmt.Errorf("stopping the server: %w", serr)
		}
	}()
	fmt.Fprintf(out, "mediasoup %s server on %s (worker pid %d)\n", srv.Version, srv.URL(), srv.WorkerPID)

	rec, err := reclib.Start(startCtx, reclib.Config{
		Server: srv.URL(), Room: room, OutDir: opts.OutDir, Loopback: true, Logger: log.With("who", "recorder"),
	})
	if err != nil {
		return nil, err
	}
	defer rec.Close()

	configs := []botlib.Config{{Audio: media("opus-48k-stereo.ogg"), Video: media("vp8-320x240.ivf")}}
	if opts.H264 {
		configs = append(configs, botlib.Config{Video: media("h264-320x240.h264")})
	}
	var bots []*botlib.Bot
	defer func() {
		for _, b := range bots {
			b.Close()
		}
	}()
	var producers []botlib.ProducerInfo
	for i, cfg := range configs {
		cfg.Server, cfg.Room, cfg.Loopback = srv.URL(), room, true
		cfg.Logger = log.With("who", fmt.Sprintf("bot%d", i+1))
		b, err := botlib.Start(startCtx, cfg)
		if err != nil {
			return nil, err
		}
		bots = append(bots, b)
		for _, p := range b.Producers() {
			fmt.Fprintf(out, "bot%d (%s) produces %s from %s\n", i+1, b.PeerID(), p.MimeType, filepath.Base(p.File))
			producers = append(producers, p)
		}
	}
	if err := rec.Wait(startCtx, func(opened, _ int) bool { return opened >= len(producers) }); err != nil {
		return nil, fmt.Errorf("the recorder did not consume all %d producers: %w", len(producers), err)
	}
	fmt.Fprintf(out, "recording %d streams for %s\n", len(producers), opts.Duration)
	timer := time.NewTimer(opts.Duration)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
		fmt.Fprintln(out, "interrupted: stopping early")
	}

	// The bots close their producers on the server: the recorder hears
	// consumerClosed and closes each file.
	var botErrs []error
	for i, b := range bots {
		if err := b.Close(); err != nil {
			botErrs = append(botErrs, fmt.Errorf("bot%d: %w", i+1, err))
		}
		if err := b.Err(); err != nil {
			botErrs = append(botErrs, fmt.Errorf("bot%d: %w", i+1, err))
		}
	}
	waitCtx, cancelWait := context.WithTimeout(context.Background(), 10*time.Second)
	waitErr := rec.Wait(waitCtx, func(_, recording int) bool { return recording == 0 })
	cancelWait()
	if waitErr != nil {
		fmt.Fprintf(out, "warning: the server did not close every consumer: %v\n", waitErr)
	}
	res = &result{Summary: rec.Close()}
	fmt.Fprintln(out, "stopped; checking the recordings")
	for _, p := range producers {
		res.Checks = append(res.Checks, checkProducer(ctx, p, res.Summary))
	}
	for _, err := range botErrs {
		res.Checks = append(res.Checks, fileCheck{Problems: []string{err.Error()}})
	}
	printTable(out, res.Checks)
	return res, nil
}

// checkProducer finds the producer's recording and checks it.
func checkProducer(ctx context.Context, p botlib.ProducerInfo, s reclib.Summary) fileCheck {
	for _, f := range s {
		if f.ProducerID == p.ID {
			c := checkFile(ctx, f)
			if !strings.EqualFold(f.MimeType, p.MimeType) {
				c.fail("recorded %s, the bot sent %s", f.MimeType, p.MimeType)
			}
			if f.CloseReason != "producerclose" {
				c.fail("file closed by %q, want producerclose", f.CloseReason)
			}
			return c
		}
	}
	c := fileCheck{Kind: string(p.Kind), Codec: p.MimeType}
	c.fail("no recording of producer %s (%s)", p.ID, filepath.Base(p.File))
	return c
}

func printTable(w io.Writer, checks []fileCheck) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tCODEC\tPACKETS\tBYTES\tFRAMES\tKEY\tCONTAINER\tFFPROBE\tRESULT")
	for _, c := range checks {
		verdict := "ok"
		if !c.OK() {
			verdict = "FAIL: " + strings.Join(c.Problems, "; ")
		}
		name := "-"
		if c.Stats.Path != "" {
			name = filepath.Base(c.Stats.Path)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", name, c.Codec, c.Stats.Packets, c.Stats.Bytes, c.Stats.Frames, c.Stats.KeyFrames, c.Container, c.FFprobe, verdict)
	}
	tw.Flush()
}

var errNoFFprobe = errors.New("ffprobe not on PATH")

// repoRoot walks up from the working directory to the directory holding
// go.mod (the demo plays the repository's testdata/media).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory: run the demo from the repository")
		}
		dir = parent
	}
}
