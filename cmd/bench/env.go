package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// env is the bundled mediasoup server, one signaling connection joined to
// the bench room, and the two producers every consumer consumes: Opus and
// VP8 on a server PlainTransport that never receives a packet (consumers
// stay paused anyway).
type env struct {
	root    string
	srv     *testbed.Server
	sig     *testbed.Client
	room    string
	caps    msc.RTPCapabilities
	audioID string
	videoID string

	closeOnce sync.Once
}

// repoRoot walks up from the working directory to the directory holding
// testbed/server/server.js (cmd/bench is a module of its own, so the
// nearest go.mod is not the repository's).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "testbed", "server", "server.js")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testbed/server/server.js not found above the working directory: run from the repository")
		}
		dir = parent
	}
}

func startEnv(ctx context.Context, root string) (*env, error) {
	// The browser bench page is built into the repository's public
	// directory (buildBenchPage).
	srv, err := testbed.Start(ctx, testbed.Options{PublicDir: filepath.Join(root, "testbed", "server", "public")})
	if err != nil {
		return nil, err
	}
	e := &env{root: root, srv: srv, room: fmt.Sprintf("bench-%d", os.Getpid())}
	if err := e.init(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) init(ctx context.Context) error {
	sig, err := e.srv.Dial(ctx, e.room)
	if err != nil {
		return err
	}
	e.sig = sig
	if e.caps, err = sig.GetRouterRTPCapabilities(ctx); err != nil {
		return err
	}
	in, err := sig.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		return err
	}
	e.videoID, err = sig.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindVideo, RTPParameters: msc.RTPParameters{
		Codecs: []msc.RTPCodecParameters{{
			MimeType: "video/VP8", PayloadType: 96, ClockRate: 90000,
			RTCPFeedback: []msc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}},
		}},
		Encodings: []msc.RTPEncodingParameters{{SSRC: 0x11112222}},
		RTCP:      msc.RTCPParameters{CNAME: "bench-producer"},
	}})
	if err != nil {
		return err
	}
	e.audioID, err = sig.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindAudio, RTPParameters: msc.RTPParameters{
		Codecs:    []msc.RTPCodecParameters{{MimeType: "audio/opus", PayloadType: 111, ClockRate: 48000, Channels: ptr(2)}},
		Encodings: []msc.RTPEncodingParameters{{SSRC: 0x33334444}},
		RTCP:      msc.RTCPParameters{CNAME: "bench-producer"},
	}})
	return err
}

func (e *env) close() {
	e.closeOnce.Do(e.doClose)
}

func (e *env) doClose() {
	if e.sig != nil {
		_ = e.sig.Close()
	}
	if err := e.srv.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "stop server: %v\n", err)
	}
}

// producerFor is the producer of the i-th consumer: audio for even i,
// video (VP8 with RTX) for odd i.
func (e *env) producerFor(i int) string {
	if i%2 == 0 {
		return e.audioID
	}
	return e.videoID
}

// serverConsumers creates n paused server-side consumers on a transport,
// alternating audio and video, a few requests at a time. This is the
// signaling part of consuming; no measurement includes it.
func (e *env) serverConsumers(ctx context.Context, transportID string, recvCaps msc.RTPCapabilities, n int) ([]msc.ConsumerOptions, error) {
	out := make([]msc.ConsumerOptions, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := e.sig.Consume(ctx, testbed.ConsumeOptions{TransportID: transportID, ProducerID: e.producerFor(i), RTPCapabilities: recvCaps})
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = msc.ConsumerOptions{ID: res.ID, ProducerID: res.ProducerID, Kind: res.Kind, RTPParameters: res.RTPParameters}
		}(i)
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// loopbackOnly keeps pion on 127.0.0.1.
func loopbackOnly() *webrtc.SettingEngine { return testbed.LoopbackSettingEngine() }

// memSample is the live heap after a full collection and the goroutine
// count once it stopped changing.
type memSample struct {
	heap       uint64
	goroutines int
}

// sampleMem lets goroutines that were just started or stopped settle (pion
// starts receivers and ends closed connections asynchronously), then
// collects garbage and reads the live heap.
func sampleMem() memSample {
	settleGoroutines(3 * time.Second)
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine()}
}

// settleGoroutines waits until the goroutine count has been stable for
// 200 ms, or max.
func settleGoroutines(max time.Duration) {
	deadline := time.Now().Add(max)
	last, since := runtime.NumGoroutine(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) >= 200*time.Millisecond {
			return
		}
	}
}

func ptr[T any](v T) *T { return &v }
