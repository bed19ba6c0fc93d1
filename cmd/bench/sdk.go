package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// SDK modes.
const (
	modeSequential = "sequential" // each Consume awaited before the next
	modeConcurrent = "concurrent" // one goroutine per Consume
	modeMany       = "many"       // one ConsumeMany call
)

// sdkResult is one SDK measurement.
type sdkResult struct {
	total          time.Duration
	p50, p99       time.Duration // sequential mode only
	renegotiations int64
	heapPer        float64 // live heap bytes per idle consumer
	goroutinesPer  float64
}

// sdkBench measures the SDK's Transport.Consume on one loaded Device.
type sdkBench struct {
	e          *env
	dev        *msc.Device
	profileDir string
}

// ortcPrefix marks the SDK modes measured on the ORTC handler.
const ortcPrefix = "ortc-"

func newSDKBench(ctx context.Context, e *env, handlerName, profileDir string) (*sdkBench, error) {
	dev, err := loadedDevice(ctx, e, handlerName)
	if err != nil {
		return nil, err
	}
	return &sdkBench{e: e, dev: dev, profileDir: profileDir}, nil
}

// loadedDevice is a loopback Device of the handler, loaded with the
// router's capabilities.
func loadedDevice(ctx context.Context, e *env, handlerName string) (*msc.Device, error) {
	dev, err := msc.NewDevice(msc.DeviceOptions{SettingEngine: loopbackOnly(), HandlerName: handlerName})
	if err != nil {
		return nil, err
	}
	if err := dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: e.caps}); err != nil {
		return nil, err
	}
	return dev, nil
}

// waitConnected polls until the state function says connected.
func waitConnected(ctx context.Context, state func() webrtc.PeerConnectionState) error {
	deadline := time.Now().Add(20 * time.Second)
	for state() != webrtc.PeerConnectionStateConnected {
		if time.Now().After(deadline) {
			return fmt.Errorf("not connected after 20 s (%s)", state())
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// run measures n consumes in one mode on a fresh receive transport that a
// warm-up audio consumer connected first. Only the client-side Consume work
// is timed: the server-side consumers exist (paused) before the clock starts.
func (b *sdkBench) run(ctx context.Context, mode string, n int) (res sdkResult, err error) {
	e := b.e
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	if err != nil {
		return res, err
	}
	defer func() { _ = e.sig.CloseTransport(context.Background(), info.ID) }()
	tr, err := b.dev.CreateRecvTransport(msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates, DTLSParameters: info.DTLSParameters,
	})
	if err != nil {
		return res, err
	}
	defer tr.Close()
	tr.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return e.sig.ConnectWebRTCTransport(ctx, info.ID, p.DTLSParameters)
	})
	caps := b.dev.RecvRTPCapabilities()
	warm, err := e.serverConsumers(ctx, info.ID, caps, 1)
	if err != nil {
		return res, err
	}
	if _, err := tr.Consume(ctx, warm[0]); err != nil {
		return res, fmt.Errorf("warm-up consume: %w", err)
	}
	if err := waitConnected(ctx, tr.ConnectionState); err != nil {
		return res, err
	}
	opts, err := e.serverConsumers(ctx, info.ID, caps, n)
	if err != nil {
		return res, err
	}
	consumers := make([]*msc.Consumer, n)
	errs := make([]error, n)
	per := make([]time.Duration, 0, n)
	reneg0 := tr.Renegotiations()
	before := sampleMem()

	stopProfile, err := startProfile(b.profileDir, fmt.Sprintf("sdk-%s%s-%d", handlerTag(b.dev), mode, n))
	if err != nil {
		return res, err
	}
	start := time.Now()
	switch mode {
	case modeSequential:
		for i, o := range opts {
			t0 := time.Now()
			consumers[i], errs[i] = tr.Consume(ctx, o)
			per = append(per, time.Since(t0))
		}
	case modeConcurrent:
		var wg sync.WaitGroup
		wg.Add(n)
		for i := range opts {
			go func(i int) {
				defer wg.Done()
				consumers[i], errs[i] = tr.Consume(ctx, opts[i])
			}(i)
		}
		wg.Wait()
	case modeMany:
		consumers, errs = tr.ConsumeMany(ctx, opts)
	}
	res.total = time.Since(start)
	stopProfile()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	res.renegotiations = tr.Renegotiations() - reneg0
	after := sampleMem()
	res.heapPer = (float64(after.heap) - float64(before.heap)) / float64(n)
	res.goroutinesPer = float64(after.goroutines-before.goroutines) / float64(n)
	if len(per) > 0 {
		res.p50, res.p99 = quantiles(per)
	}
	runtime.KeepAlive(opts)
	runtime.KeepAlive(consumers)
	return res, nil
}

// startProfile starts a CPU profile of one timed run, DIR/NAME.pprof, when
// -cpuprofile is set.
func startProfile(dir, name string) (stop func(), err error) {
	if dir == "" {
		return func() {}, nil
	}
	// Repetitions get their own files: DIR/NAME.pprof, DIR/NAME.2.pprof...
	// (go tool pprof merges the profiles it is given).
	path := filepath.Join(dir, name+".pprof")
	for i := 2; ; i++ {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		path = filepath.Join(dir, fmt.Sprintf("%s.%d.pprof", name, i))
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// quantiles returns the median and the 99th percentile (nearest rank).
func quantiles(d []time.Duration) (p50, p99 time.Duration) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return s[i]
	}
	return rank(0.5), rank(0.99)
}

// handlerTag is "" for the default handler and ortcPrefix for the ORTC one.
func handlerTag(d *msc.Device) string {
	if d.HandlerName() == msc.HandlerNamePionORTC {
		return ortcPrefix
	}
	return ""
}
