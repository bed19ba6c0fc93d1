package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// chromiumFlags are the flags Chromium runs with; the background-networking
// ones keep it from reaching out of the machine. chromedp adds
// --remote-debugging-pipe (no TCP port) and about:blank.
var chromiumFlags = []chromedp.ExecAllocatorOption{
	chromedp.ExecPath(chromiumPath),
	chromedp.Flag("headless", true),
	chromedp.NoSandbox,
	chromedp.DisableGPU,
	chromedp.Flag("disable-quic", true),
	chromedp.NoFirstRun,
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
}

// chromium is headless Chromium on the bench page (testbed/browser/bench),
// joined to the bench room with a loaded mediasoup-client Device.
type chromium struct {
	ctx        context.Context
	stop       func()
	product    string
	msc        string
	handler    string
	profileDir string

	evMu   sync.Mutex
	events []string // the page's last exceptions and crashes
}

func (c *chromium) event(s string) {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	c.events = append(c.events, s)
	if len(c.events) > 20 {
		c.events = c.events[1:]
	}
}

func (c *chromium) lastEvents() []string {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	return append([]string(nil), c.events...)
}

// chromeRun is one browser measurement, as the page reports it.
type chromeRun struct {
	TotalMs float64 `json:"totalMs"`
	P50Ms   float64 `json:"p50Ms"`
	P99Ms   float64 `json:"p99Ms"`
}

// buildBenchPage bundles the page with testbed/browser's mediasoup-client
// when its inputs changed.
func buildBenchPage(root string) error {
	dir := filepath.Join(root, "testbed", "browser")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mediasoup-client", "package.json")); err != nil {
		return errors.New("testbed/browser/node_modules is missing: run `bash testbed/install-browser.sh`")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node not found in PATH")
	}
	cmd := exec.Command(node, filepath.Join("bench", "build.js"))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the bench page: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// startChromium launches Chromium with a fresh profile and sets the page up.
// The error says why the browser columns cannot be measured.
func startChromium(e *env) (*chromium, error) {
	if st, err := os.Stat(chromiumPath); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("%s is missing: run `bash testbed/install-browser.sh`", chromiumPath)
	}
	if err := buildBenchPage(e.root); err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "bench-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(append([]chromedp.ExecAllocatorOption(nil), chromiumFlags...), chromedp.UserDataDir(profile))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	var once sync.Once
	c := &chromium{ctx: ctx, profileDir: profile, stop: func() {
		once.Do(func() {
			cancelCtx()
			cancelAlloc()
			_ = os.RemoveAll(profile)
		})
	}}
	if err := c.setup(e); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *chromium) setup(e *env) error {
	// The first action starts the browser; it must not carry a timeout.
	v, err := chromedp.CallBrowser(c.ctx, browser.GetVersion, struct{}{})
	if err != nil {
		return fmt.Errorf("starting %s: %w", chromiumPath, err)
	}
	c.product = v.Product
	logf("chromium: %s started, loading the bench page", v.Product)
	if err := chromedp.Listen(c.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *inspector.EventTargetCrashed:
			c.event("page crashed")
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			c.event("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					if a.Value != nil {
						parts = append(parts, string(a.Value))
					} else {
						parts = append(parts, a.Description)
					}
				}
				c.event(string(ev.Type) + ": " + strings.Join(parts, " "))
			}
		}
	}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.HTTPURL()+"bench/")); err != nil {
		return fmt.Errorf("loading the bench page: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("window.bench && window.bench.ready === true")); err != nil {
		return fmt.Errorf("the bench page did not get ready: %w", err)
	}
	var info struct {
		MediasoupClient string `json:"mediasoupClient"`
		HandlerName     string `json:"handlerName"`
	}
	logf("chromium: page ready, joining the room")
	if err := c.call(ctx, "setup", map[string]any{"room": e.room}, &info); err != nil {
		return err
	}
	c.msc, c.handler = info.MediasoupClient, info.HandlerName
	return nil
}

// call runs window.bench.call(name, arg) and decodes its value into out.
func (c *chromium) call(ctx context.Context, name string, arg, out any) error {
	a, err := json.Marshal(arg)
	if err != nil {
		return err
	}
	expr := fmt.Sprintf("window.bench.call(%q, %s)", name, a)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("page %s: %w", name, err)
	}
	var res struct {
		OK    bool            `json:"ok"`
		Value json.RawMessage `json:"value"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal([]byte(s), &res); err != nil {
		return fmt.Errorf("page %s: %w", name, err)
	}
	if !res.OK {
		return fmt.Errorf("page %s: %s", name, res.Error)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res.Value, out)
}

// run measures n consumes in mode "sequential" or "tick" on a fresh
// receive transport.
func (c *chromium) run(e *env, mode string, n int) (chromeRun, error) {
	// Generous: 300 awaited consumes take about a minute.
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Minute+time.Duration(n)*time.Second)
	defer cancel()
	var r chromeRun
	err := c.call(ctx, "run", map[string]any{"n": n, "mode": mode, "audioProducerId": e.audioID, "videoProducerId": e.videoID}, &r)
	if err != nil {
		lctx, lcancel := context.WithTimeout(c.ctx, 10*time.Second)
		defer lcancel()
		var log []string
		if lerr := c.call(lctx, "log", nil, &log); lerr == nil && len(log) > 0 {
			if len(log) > 8 {
				log = log[len(log)-8:]
			}
			err = fmt.Errorf("%w (page log: %s)", err, strings.Join(log, "; "))
		}
		if ev := c.lastEvents(); len(ev) > 0 {
			err = fmt.Errorf("%w (page events: %s)", err, strings.Join(ev, "; "))
		}
	}
	return r, err
}
