package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe
// (fd 3: commands to the browser, fd 4: replies and events, each message
// NUL-terminated). It needs no TCP port and no module beyond the standard
// library: chromedp v0.23 requires go 1.25 in go.mod, which this module does
// not declare yet.

const chromiumPath = "/usr/bin/chromium"

// chromiumFlags are the flags the interop tests run Chromium with; the
// background-networking ones keep it from reaching out of the machine.
var chromiumFlags = []string{
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--use-fake-device-for-media-stream",
	"--use-fake-ui-for-media-stream",
	// Let remote audio play without a user gesture, so that Chromium
	// decodes and measures it (totalAudioEnergy).
	"--autoplay-policy=no-user-gesture-required",
	// Chromium caps simulcast at two layers below 960x540 (the legacy
	// layer limit); the tests send the 640x480 fake camera in three.
	"--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/",
	"--remote-debugging-pipe",
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    string `json:"data"`
	} `json:"error,omitempty"`
}

// browserProc is one headless Chromium with one page attached.
type browserProc struct {
	cmd     *exec.Cmd
	toB     *os.File // our end of fd 3
	fromB   *os.File // our end of fd 4
	exited  chan struct{}
	readErr chan struct{}

	wmu    sync.Mutex // serializes writes
	mu     sync.Mutex
	nextID int64
	wait   map[int64]chan cdpMessage
	dead   error

	session string // the page's flat session

	logMu  sync.Mutex
	logf   func(string, ...any) // nil once the test ended
	stderr *strings.Builder
}

// launchBrowser starts Chromium with a fresh profile, attaches to a new
// page and registers a cleanup that always closes the browser.
func launchBrowser(t *testing.T) *browserProc {
	t.Helper()
	profile := t.TempDir()
	args := append(append([]string(nil), chromiumFlags...), "--user-data-dir="+profile, "about:blank")
	cmd := exec.Command(chromiumPath, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Helpers that inherited stderr must not keep Wait from returning.
	cmd.WaitDelay = 5 * time.Second
	cmdR, toB, err := os.Pipe() // browser reads commands from fd 3
	if err != nil {
		t.Fatal(err)
	}
	fromB, evW, err := os.Pipe() // browser writes to fd 4
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	stderr := &strings.Builder{}
	var stderrMu sync.Mutex
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		stderrMu.Lock()
		defer stderrMu.Unlock()
		if stderr.Len() < 1<<20 {
			stderr.Write(p)
		}
		return len(p), nil
	})
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v (run testbed/install-browser.sh)", chromiumPath, err)
	}
	cmdR.Close()
	evW.Close()
	b := &browserProc{
		cmd: cmd, toB: toB, fromB: fromB,
		exited: make(chan struct{}), readErr: make(chan struct{}),
		wait: map[int64]chan cdpMessage{}, logf: t.Logf, stderr: stderr,
	}
	go func() {
		_ = cmd.Wait()
		close(b.exited)
	}()
	go b.readLoop()
	t.Cleanup(func() {
		b.logMu.Lock()
		b.logf = nil
		b.logMu.Unlock()
		if err := b.close(); err != nil {
			t.Errorf("closing chromium: %v", err)
		}
		if t.Failed() {
			stderrMu.Lock()
			s := stderr.String()
			stderrMu.Unlock()
			if len(s) > 8000 {
				s = "..." + s[len(s)-8000:]
			}
			t.Logf("chromium stderr (tail):\n%s", s)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.send(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatalf("chromium did not answer the DevTools protocol: %v", err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.send(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatalf("attach to page: %v", err)
	}
	b.session = att.SessionID
	for _, m := range []string{"Runtime.enable", "Page.enable", "Log.enable"} {
		if err := b.send(ctx, b.session, m, nil, nil); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	return b
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (b *browserProc) log(format string, args ...any) {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	if b.logf != nil {
		b.logf(format, args...)
	}
}

func (b *browserProc) readLoop() {
	defer close(b.readErr)
	r := bufio.NewReaderSize(b.fromB, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.fail(fmt.Errorf("devtools pipe: %w", err))
			return
		}
		raw = raw[:len(raw)-1]
		var m cdpMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.wait[m.ID]
			delete(b.wait, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		b.event(m)
	}
}

// event logs what the page prints and throws.
func (b *browserProc) event(m cdpMessage) {
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(m.Params, &p) != nil {
			return
		}
		parts := make([]string, 0, len(p.Args))
		for _, a := range p.Args {
			if a.Value != nil {
				parts = append(parts, fmt.Sprint(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		b.log("browser console.%s: %s", p.Type, strings.Join(parts, " "))
	case "Runtime.exceptionThrown":
		var p struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.log("browser exception: %s %s", p.ExceptionDetails.Text, p.ExceptionDetails.Exception.Description)
		}
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.log("browser log %s/%s: %s %s", p.Entry.Source, p.Entry.Level, p.Entry.Text, p.Entry.URL)
		}
	}
}

func (b *browserProc) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead == nil {
		b.dead = err
	}
	for id, ch := range b.wait {
		close(ch)
		delete(b.wait, id)
	}
}

// send runs one DevTools command and decodes its result into out.
func (b *browserProc) send(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	if b.dead != nil {
		err := b.dead
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, err)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.wait[id] = ch
	b.mu.Unlock()

	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	b.wmu.Lock()
	_, err = b.toB.Write(append(raw, 0))
	b.wmu.Unlock()
	if err != nil {
		b.mu.Lock()
		delete(b.wait, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: write: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			b.mu.Lock()
			err := b.dead
			b.mu.Unlock()
			return fmt.Errorf("%s: %w", method, err)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: devtools error %d: %s %s", method, m.Error.Code, m.Error.Message, m.Error.Data)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.wait, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// evaluate runs a JavaScript expression in the page, awaits it when it is
// a promise and decodes its (JSON-able) value into out.
func (b *browserProc) evaluate(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.send(ctx, b.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("page exception: %s %s", e.Text, e.Exception.Description)
	}
	if out == nil {
		return nil
	}
	if len(r.Result.Value) == 0 {
		return fmt.Errorf("evaluate %q: no value (type %s)", expr, r.Result.Type)
	}
	return json.Unmarshal(r.Result.Value, out)
}

// navigate loads url and waits until window.interop is ready.
func (b *browserProc) navigate(ctx context.Context, url string) error {
	if err := b.send(ctx, b.session, "Page.navigate", map[string]any{"url": url}, nil); err != nil {
		return err
	}
	for {
		var ready bool
		err := b.evaluate(ctx, "!!(window.interop && window.interop.ready)", &ready)
		if err == nil && ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("page %s never became ready (last error: %v)", url, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// call runs window.interop.call(name, arg) and decodes its value into out.
func (b *browserProc) call(ctx context.Context, name string, arg, out any) error {
	a, err := json.Marshal(arg)
	if err != nil {
		return err
	}
	n, _ := json.Marshal(name)
	var s string
	if err := b.evaluate(ctx, fmt.Sprintf("window.interop.call(%s, %s)", n, a), &s); err != nil {
		return fmt.Errorf("interop.%s: %w", name, err)
	}
	var res struct {
		OK    bool            `json:"ok"`
		Value json.RawMessage `json:"value"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal([]byte(s), &res); err != nil {
		return fmt.Errorf("interop.%s: decoding %q: %w", name, s, err)
	}
	if !res.OK {
		return fmt.Errorf("interop.%s: %s", name, res.Error)
	}
	if out != nil {
		if err := json.Unmarshal(res.Value, out); err != nil {
			return fmt.Errorf("interop.%s: decoding value: %w", name, err)
		}
	}
	return nil
}

// close asks the browser to quit, then kills its process group if it has
// not exited within a few seconds. It always reaps the process.
func (b *browserProc) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = b.send(ctx, "", "Browser.close", nil, nil)
	cancel()
	var err error
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		err = errors.New("chromium did not exit within 5 s of Browser.close; killed")
	}
	// Chromium's helpers (zygote, renderers) share its process group.
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.exited
	b.toB.Close()
	<-b.readErr
	b.fromB.Close()
	return err
}
