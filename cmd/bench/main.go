// Command bench measures how the Go SDK's consume scales with the number of
// consumers on one receive transport, against the bundled mediasoup server
// (testbed/server, started here with the testbed kit), and compares it with
// two references on the same server and machine:
//
//   - raw pion: the SDK's remote offers applied straight to a pion/webrtc v3
//     PeerConnection, timing only SetRemoteDescription + CreateAnswer +
//     SetLocalDescription (the floor under any Go client on pion v3), with
//     the receiving transceivers created first with their mid as the SDK does
//     ("pinned") and without ("plain");
//   - mediasoup-client 3.24.1 in headless Chromium (the page in
//     testbed/browser/bench, driven with chromedp).
//
// For each N (10, 50, 100, 200, 300, 500, 1000 up to -max) it measures N
// consumes awaited one by one, issued concurrently (one goroutine each; in
// the browser: all in the same tick) and, for the SDK, in one ConsumeMany
// call. Consumers alternate Opus and VP8+RTX and stay paused server-side.
// Every measurement runs on a fresh receive transport that one warm-up
// consumer connected first; the server-side consumers are created before the
// clock starts, so only client-side work is timed. After each SDK run it
// reads the live heap (runtime.ReadMemStats after runtime.GC) and the
// goroutine count, both per idle consumer, and the renegotiation count.
//
// The receive bench then measures the media path: -recv K (20) VP8 streams
// of about 1 Mbit/s (a file made once with ffmpeg), sent by a child process
// of this binary into a comedia PlainTransport, consumed on one receive
// transport through the SDK (ConsumeMany, Consumer.Track()) and by pion
// PeerConnections set up without the SDK, all set up at once with their
// server consumers paused and resumed one receiver per window, in rotation;
// all read every track with the same loop. It reports the CPU time of this
// process (getrusage) per received megabit and the SDK / pion ratio.
//
// It prints one table per part and writes each, with the machine and the
// versions, into BENCHMARKS.md between that part's generated-section markers
// (the rest of the file is kept). cmd/bench is a module of its own
// (chromedp needs go 1.25): run it from the repository with
//
//	go -C cmd/bench run . [flags]
//
// Flags:
//
//	-max N             largest N (default 1000); -max 300 for a quick run
//	-sizes a,b,c       explicit list of N instead
//	-chromium=false    skip the browser (its columns print n/a)
//	-chromium-seq-max  largest N for one-by-one consumes in Chromium (300)
//	-raw=false         skip raw pion
//	-modes list        SDK modes to measure (sequential,concurrent,many)
//	-reps N            runs of every measurement shorter than 2 s; the
//	                   median is kept (default 5)
//	-cpuprofile DIR    write a CPU profile of every timed run to
//	                   DIR/sdk-<mode>-<N>.pprof, DIR/raw-<variant>-<N>.pprof
//	                   and DIR/recv-<sdk|pion>-<K>.pprof
//	                   (repetitions: .2.pprof, .3.pprof...; pprof merges them)
//	                   (profiling slows the runs: keep it out of the
//	                   recorded table)
//	-scaling=false     skip consume scaling (receive bench only)
//	-recv K            streams of the receive bench (default 20; 0 skips it)
//	-recv-window D     measured time of each receive window (6s)
//	-recv-warmup D     wait after every stream receives, before the window (2s)
//	-recv-reps N       windows of each receiver, rotating (7)
//	-recv-file F       VP8 IVF file to send instead of the generated one
//	-out FILE          the file to update (default BENCHMARKS.md at the
//	                   repository root; "-" writes nothing)
//
// Chromium needs testbed/install-browser.sh (Debian's /usr/bin/chromium and
// testbed/browser/node_modules); without them the browser columns print
// n/a and the reason. All traffic stays on 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	msc "github.com/soupkit/mediasoup-client-go"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var allSizes = []int{10, 50, 100, 200, 300, 500, 1000}

type config struct {
	max         int
	sizes       []int
	chromium    bool
	chromSeqMax int
	raw         bool
	profileDir  string
	out         string
	modes       []string
	reps        int
	scaling     bool
	recv        recvConfig
}

func parseFlags() (config, error) {
	var c config
	var sizes string
	flag.IntVar(&c.max, "max", 1000, "largest number of consumers")
	flag.StringVar(&sizes, "sizes", "", "comma-separated numbers of consumers (overrides -max)")
	flag.BoolVar(&c.chromium, "chromium", true, "measure mediasoup-client in headless Chromium")
	flag.IntVar(&c.chromSeqMax, "chromium-seq-max", 300, "largest N for one-by-one consumes in Chromium")
	flag.BoolVar(&c.raw, "raw", true, "measure raw pion")
	flag.StringVar(&c.profileDir, "cpuprofile", "", "directory for CPU profiles of the timed runs")
	var modes string
	flag.StringVar(&modes, "modes", "sequential,concurrent,many", "SDK modes to measure")
	flag.IntVar(&c.reps, "reps", 5, "repetitions (median kept) of every measurement shorter than 2 s")
	flag.BoolVar(&c.scaling, "scaling", true, "measure consume scaling (false: the receive bench only)")
	flag.IntVar(&c.recv.streams, "recv", 20, "video consumers of the receive bench (0: none)")
	flag.DurationVar(&c.recv.window, "recv-window", 6*time.Second, "measured time of one receive run")
	flag.DurationVar(&c.recv.warmup, "recv-warmup", 2*time.Second, "time between every stream receiving and the window")
	flag.IntVar(&c.recv.reps, "recv-reps", 7, "windows of each receiver (rotating)")
	flag.StringVar(&c.recv.file, "recv-file", "", "VP8 IVF file of the receive bench (default: 1 Mbit/s, made with ffmpeg and cached)")
	flag.StringVar(&c.out, "out", "", `file to write the results into (default BENCHMARKS.md at the repository root; "-" for none)`)
	flag.Parse()
	if sizes != "" {
		for _, s := range strings.Split(sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return c, fmt.Errorf("-sizes: bad number %q", s)
			}
			c.sizes = append(c.sizes, n)
		}
		sort.Ints(c.sizes)
	} else {
		for _, n := range allSizes {
			if n <= c.max {
				c.sizes = append(c.sizes, n)
			}
		}
	}
	for _, m := range strings.Split(modes, ",") {
		switch m = strings.TrimSpace(m); m {
		case modeSequential, modeConcurrent, modeMany:
			c.modes = append(c.modes, m)
		case "":
		default:
			return c, fmt.Errorf("-modes: unknown mode %q", m)
		}
	}
	if c.reps < 1 {
		c.reps = 1
	}
	if c.recv.reps < 1 {
		c.recv.reps = 1
	}
	if c.recv.streams < 0 || c.recv.window <= 0 || c.recv.warmup < 0 {
		return c, errors.New("-recv, -recv-window and -recv-warmup must not be negative")
	}
	if !c.scaling && c.recv.streams == 0 {
		return c, errors.New("nothing to measure: -scaling=false and -recv 0")
	}
	if len(c.sizes) == 0 {
		return c, fmt.Errorf("no sizes to measure (-max %d)", c.max)
	}
	return c, nil
}

func main() {
	if spec := os.Getenv(feedEnv); spec != "" {
		if err := runFeeder(spec); err != nil {
			fmt.Fprintln(os.Stderr, "bench feeder:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		logf("%v: stopping", s)
		runCleanups()
		os.Exit(130)
	}()
	err = run(cfg)
	runCleanups()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// cleanups run on exit, also when the bench is interrupted, so that the
// server and the browser never outlive it.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	cleanups = append(cleanups, f)
	cleanupMu.Unlock()
}

func runCleanups() {
	cleanupMu.Lock()
	fs := cleanups
	cleanups = nil
	cleanupMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(cfg config) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if cfg.out == "" {
		cfg.out = filepath.Join(root, "BENCHMARKS.md")
	}
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return err
		}
	}
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	e, err := startEnv(startCtx, root)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot start the mediasoup test server: %w", err)
	}
	atExit(e.close)
	logf("mediasoup %s on port %d, room %s", e.srv.Version, e.srv.Port, e.room)

	rep := &report{cfg: cfg, rows: map[int]*row{}, mediasoup: e.srv.Version, loadAvg: loadAvg(), revision: sdkRevision(root)}
	if cfg.scaling {
		if err := runScalingGo(ctx, cfg, e, rep); err != nil {
			return err
		}
	}
	if cfg.recv.streams > 0 {
		rb, err := newRecvBench(ctx, e, cfg.recv, cfg.profileDir)
		if err != nil {
			return fmt.Errorf("receive bench: %w", err)
		}
		logf("receive bench: %d streams of %s (%.0f kbit/s)", cfg.recv.streams, rb.file, rb.fileKbps)
		results := rb.run(ctx)
		rb.feeder.stop()
		text := rep.renderRecv(rb, results)
		fmt.Println(text)
		if cfg.out != "-" {
			if err := writeReport(cfg.out, markRecvBegin, markRecvEnd, text); err != nil {
				return err
			}
			logf("wrote the receive section of %s", cfg.out)
		}
	}
	if cfg.scaling {
		runScalingChromium(cfg, e, rep)
		text := rep.render()
		fmt.Println(text)
		if cfg.out != "-" {
			if err := writeReport(cfg.out, markBegin, markEnd, text); err != nil {
				return err
			}
			logf("wrote the consume-scaling section of %s", cfg.out)
		}
	}
	return nil
}

// runScalingGo measures Device.Load, then the SDK and raw pion for every N.
func runScalingGo(ctx context.Context, cfg config, e *env, rep *report) error {
	var err error
	for _, n := range cfg.sizes {
		rep.rows[n] = &row{n: n, sdk: map[string]measured[sdkResult]{}, raw: map[string]measured[rawResult]{}, chrome: map[string]measured[chromeRun]{}}
	}
	if rep.deviceLoad, err = measureDeviceLoad(ctx, e); err != nil {
		return fmt.Errorf("Device.Load: %w", err)
	}
	logf("Device.Load: median %s", rep.deviceLoad.median)

	sdk, err := newSDKBench(ctx, e, msc.HandlerNamePion, cfg.profileDir)
	if err != nil {
		return err
	}
	sdkORTC, err := newSDKBench(ctx, e, msc.HandlerNamePionORTC, cfg.profileDir)
	if err != nil {
		return err
	}
	var raw *rawBench
	if cfg.raw {
		if raw, err = newRawBench(e, cfg.profileDir); err != nil {
			return err
		}
	}
	// The Go runs first, with no browser alive to share the CPU.
	for _, n := range cfg.sizes {
		r := rep.rows[n]
		for _, b := range []*sdkBench{sdk, sdkORTC} {
			for _, m := range cfg.modes {
				key := handlerTag(b.dev) + m
				r.sdk[key] = repeat(cfg.reps, func() (sdkResult, error) {
					res, err := b.run(ctx, m, n)
					logResult("sdk "+key, n, err, "%s (p50 %s, p99 %s), %d renegotiations, %.1f KiB and %.2f goroutines per consumer",
						res.total.Round(time.Microsecond), res.p50, res.p99, res.renegotiations, res.heapPer/1024, res.goroutinesPer)
					return res, err
				}, func(v sdkResult) time.Duration { return v.total })
			}
		}
		if raw == nil {
			continue
		}
		for _, v := range rawVariants {
			r.raw[v.key] = repeat(cfg.reps, func() (rawResult, error) {
				res, err := raw.run(ctx, n, v.pinned, v.rounds)
				logResult("raw pion "+v.key, n, err, "%s, %.1f KiB per m-section", res.total.Round(time.Microsecond), res.heapPer/1024)
				return res, err
			}, func(v rawResult) time.Duration { return v.total })
		}
	}

	return nil
}

// runScalingChromium measures mediasoup-client in headless Chromium for
// every N, or records why it cannot.
func runScalingChromium(cfg config, e *env, rep *report) {
	if !cfg.chromium {
		rep.chromeNA = "skipped (-chromium=false)"
	} else if c, err := startChromium(e); err != nil {
		rep.chromeNA = err.Error()
		logf("chromium: n/a: %v", err)
	} else {
		atExit(c.stop)
		rep.chromeProduct, rep.msc, rep.chromeHandler = c.product, c.msc, c.handler
		logf("chromium: %s, mediasoup-client %s (%s)", c.product, c.msc, c.handler)
		for _, n := range cfg.sizes {
			r := rep.rows[n]
			for _, m := range []string{"sequential", "tick"} {
				if m == "sequential" && n > cfg.chromSeqMax {
					continue
				}
				r.chrome[m] = repeat(cfg.reps, func() (chromeRun, error) {
					res, err := c.run(e, m, n)
					logResult("chromium "+m, n, err, "%.1f ms", res.TotalMs)
					return res, err
				}, func(v chromeRun) time.Duration { return time.Duration(v.TotalMs * float64(time.Millisecond)) })
			}
		}
	}
}

func logResult(what string, n int, err error, format string, args ...any) {
	if err != nil {
		logf("%-22s N=%-5d error: %v", what, n, err)
		return
	}
	logf("%-22s N=%-5d "+format, append([]any{what, n}, args...)...)
}

// repeatBelow is the duration under which a measurement is repeated.
const repeatBelow = 2 * time.Second

// repeat runs a measurement, and again up to reps times in all when it took
// less than repeatBelow; it keeps the run of median duration.
func repeat[T any](reps int, run func() (T, error), total func(T) time.Duration) measured[T] {
	v, err := run()
	if err != nil {
		return measured[T]{v: v, err: err}
	}
	all := []T{v}
	for len(all) < reps && total(v) < repeatBelow {
		w, err := run()
		if err != nil {
			return measured[T]{v: w, err: err}
		}
		all = append(all, w)
	}
	sort.Slice(all, func(i, j int) bool { return total(all[i]) < total(all[j]) })
	totals := make([]time.Duration, len(all))
	for i, w := range all {
		totals[i] = total(w)
	}
	return measured[T]{v: all[len(all)/2], ok: true, totals: totals}
}

var rawVariants = []struct {
	key            string
	pinned, rounds bool
}{
	{"rounds-pinned", true, true},
	{"rounds-plain", false, true},
	{"one-pinned", true, false},
	{"one-plain", false, false},
}
