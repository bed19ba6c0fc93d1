package sdk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// settledGoroutines waits until the goroutine count stops falling and
// returns it.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 40; i++ {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n && i >= 4 {
			return m
		}
		n = m
	}
	return n
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestConsumeCloseCycles consumes and closes one consumer at a time, kinds
// alternating, 1000 times on one connected receive transport, closing half
// of them from the client first and half on the server first: goroutines
// and heap come back to where they started, after the cycles and after the
// transport's Close, and a consumer made afterwards receives media.
func TestConsumeCloseCycles(t *testing.T) {
	cycles := 1000
	if testing.Short() {
		cycles = 100
	}
	ctx := testCtx(t, 5*time.Minute)
	r := newAVRoom(t, ctx)
	bob, recv := r.bob, r.recv
	// Connect the transport and let everything settle.
	warm := bob.consume(ctx, recv, r.audio.ID())
	readPackets(t, warm.Track(), 5, 10*time.Second)
	warm.Close()
	require.NoError(t, bob.sig.CloseConsumer(ctx, warm.ID()))
	g0, h0 := settledGoroutines(), heapAfterGC()

	producers := []string{r.audio.ID(), r.video.ID()}
	for i := 0; i < cycles; i++ {
		opts := bob.serverConsume(ctx, recv, producers[i%2])
		c, err := recv.Consume(ctx, opts)
		require.NoError(t, err, "cycle %d", i)
		if i%2 == 0 {
			c.Close()
			require.NoError(t, bob.sig.CloseConsumer(ctx, c.ID()))
		} else {
			require.NoError(t, bob.sig.CloseConsumer(ctx, c.ID()))
			c.Close()
		}
	}
	g1, h1 := settledGoroutines(), heapAfterGC()
	sections := 0
	if pc := recv.PeerConnection(); pc != nil {
		sections = len(pc.GetTransceivers())
	}
	t.Logf("%d cycles: goroutines %d -> %d, heap %.1f -> %.1f MB, %d offer/answer rounds, %d transceivers",
		cycles, g0, g1, float64(h0)/1e6, float64(h1)/1e6, recv.Renegotiations(), sections)
	if f := os.Getenv("CYCLES_HEAP_PROFILE"); f != "" {
		out, err := os.Create(f)
		require.NoError(t, err)
		require.NoError(t, pprof.WriteHeapProfile(out))
		require.NoError(t, out.Close())
	}
	require.LessOrEqual(t, g1, g0+5, "goroutines after the cycles")
	require.Less(t, int64(h1)-int64(h0), int64(2<<20), "heap growth after the cycles")

	after := bob.consume(ctx, recv, r.video.ID())
	readPackets(t, after.Track(), 20, 10*time.Second)

	recv.Close()
	g2, h2 := settledGoroutines(), heapAfterGC()
	t.Logf("after Close: goroutines %d, heap %.1f MB", g2, float64(h2)/1e6)
	require.LessOrEqual(t, g2, g0+5, "goroutines after Close")
}

// TestRejectedConsumerKeepsMid: a consumer announced with a live
// consumer's SSRC is refused before any negotiation, and later consumers
// of the kind keep working on the transport.
func TestRejectedConsumerKeepsMid(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	r := newAVRoom(t, ctx)
	bob, recv := r.bob, r.recv
	live := bob.consume(ctx, recv, r.video.ID())
	readPackets(t, live.Track(), 5, 10*time.Second)
	dup := bob.serverConsume(ctx, recv, r.video.ID())
	dup.RTPParameters = live.RTPParameters()
	_, err := recv.Consume(ctx, dup)
	require.ErrorIs(t, err, msc.ErrInvalidParameters)
	for i := 0; i < 3; i++ {
		c := bob.consume(ctx, recv, r.video.ID())
		readPackets(t, c.Track(), 5, 10*time.Second)
		c.Close()
		require.NoError(t, bob.sig.CloseConsumer(ctx, c.ID()))
	}
}

// TestHostileConsumerParameters: values that pion cannot put into or parse
// from SDP are refused before any negotiation, and the transport goes on:
// a Consume and a consumer Close work after each.
func TestHostileConsumerParameters(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	r := newAVRoom(t, ctx)
	bob, recv := r.bob, r.recv
	cases := map[string]func(o *msc.ConsumerOptions){
		"header extension id 250": func(o *msc.ConsumerOptions) {
			o.RTPParameters.HeaderExtensions = append(o.RTPParameters.HeaderExtensions, msc.RTPHeaderExtensionParameters{URI: "urn:x-test:ext", ID: 250})
		},
		"10000 encodings": func(o *msc.ConsumerOptions) {
			base := o.RTPParameters.Encodings[0]
			for i := 1; i < 10000; i++ {
				e := base
				e.SSRC = base.SSRC + uint32(i)*7
				e.RTX = nil
				o.RTPParameters.Encodings = append(o.RTPParameters.Encodings, e)
			}
		},
		"consumer ID with CRLF":  func(o *msc.ConsumerOptions) { o.ID = "s\r\na=x:y" },
		"consumer ID with space": func(o *msc.ConsumerOptions) { o.ID = "a b" },
		"stream ID with CRLF":    func(o *msc.ConsumerOptions) { o.StreamID = "s\r\na=x:y" },
		"unknown codec": func(o *msc.ConsumerOptions) {
			o.RTPParameters.Codecs[0].MimeType = "video/FOO"
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			opts := bob.serverConsume(ctx, recv, r.video.ID())
			opts.RTPParameters = opts.RTPParameters.Clone()
			mutate(&opts)
			_, err := recv.Consume(ctx, opts)
			require.Error(t, err)
			require.True(t, errors.Is(err, msc.ErrInvalidParameters) || errors.Is(err, msc.ErrUnsupported), "%v", err)
			c := bob.consume(ctx, recv, r.video.ID())
			readPackets(t, c.Track(), 5, 10*time.Second)
			c.Close()
			require.NoError(t, bob.sig.CloseConsumer(ctx, c.ID()))
		})
	}
	// A host name as candidate address is refused when the transport is
	// created.
	info, err := bob.sig.CreateWebRTCTransport(ctx, webRTCRecvOptions())
	require.NoError(t, err)
	cands := append([]msc.ICECandidate(nil), info.ICECandidates...)
	cands[0].IP, cands[0].Address = "localhost", "localhost"
	_, err = bob.device.CreateRecvTransport(msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: cands, DTLSParameters: info.DTLSParameters,
	})
	require.ErrorIs(t, err, msc.ErrInvalidParameters)
}

// callbackCase triggers one callback of the SDK and runs act inside it.
type callbackCase struct {
	name string
	// run sets the callback on fresh transports, triggers it and returns
	// the error of the operation that triggered it.
	run func(t *testing.T, ctx context.Context, env *reentry, act func()) error
}

// reentry is one room with a send and a receive transport.
type reentry struct {
	r          avRoom
	send, recv *msc.Transport
}

// TestCallbackReentrancy calls, from every callback, each of
// Transport.Close, Consume, Produce, RestartICE and an object's Close: each
// either works or fails at once with ErrInvalidState, and the operation
// that fired the callback returns in seconds.
func TestCallbackReentrancy(t *testing.T) {
	actions := map[string]func(ctx context.Context, env *reentry, self *msc.Transport) error{
		"Transport.Close": func(_ context.Context, _ *reentry, self *msc.Transport) error { self.Close(); return nil },
		"Consume": func(ctx context.Context, env *reentry, _ *msc.Transport) error {
			o, err := env.r.bob.sig.Consume(ctx, consumeOptions(env.recv, env.r.audio.ID(), env.r.bob.device))
			if err != nil {
				return err
			}
			_, err = env.recv.Consume(ctx, msc.ConsumerOptions{ID: o.ID, ProducerID: o.ProducerID, Kind: o.Kind, RTPParameters: o.RTPParameters})
			return err
		},
		"Produce": func(ctx context.Context, env *reentry, _ *msc.Transport) error {
			tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a", "s")
			if err != nil {
				return err
			}
			_, err = env.send.Produce(ctx, msc.ProducerOptions{Track: tr})
			return err
		},
		"RestartICE": func(ctx context.Context, env *reentry, self *msc.Transport) error {
			ice, err := env.r.bob.sig.RestartICE(ctx, self.ID())
			if err != nil {
				return err
			}
			return self.RestartICE(ctx, ice)
		},
		"object Close": func(_ context.Context, env *reentry, _ *msc.Transport) error {
			env.r.audio.Close()
			return nil
		},
	}
	cases := []callbackCase{
		{"OnConnect(recv)", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			env.recv.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
				act()
				return env.r.bob.sig.ConnectWebRTCTransport(ctx, env.recv.ID(), p.DTLSParameters)
			})
			_, err := env.recv.Consume(ctx, env.r.bob.serverConsume(ctx, env.recv, env.r.video.ID()))
			return err
		}},
		{"OnProduce", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			env.send.OnProduce(func(ctx context.Context, p msc.ProduceParams) (string, error) {
				act()
				return env.r.bob.sig.Produce(ctx, produceOptions(env.send, p))
			})
			_, err := env.send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
			return err
		}},
		{"OnRTPReceiver", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			o := env.r.bob.serverConsume(ctx, env.recv, env.r.video.ID())
			o.OnRTPReceiver = func(*webrtc.RTPReceiver) { act() }
			_, err := env.recv.Consume(ctx, o)
			return err
		}},
		{"OnRTPSender", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			_, err := env.send.Produce(ctx, msc.ProducerOptions{
				Track:       playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", ""),
				OnRTPSender: func(*webrtc.RTPSender) { act() },
			})
			return err
		}},
		{"Observer.OnNewConsumer", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			env.recv.Observer().OnNewConsumer(func(*msc.Consumer) { act() })
			_, err := env.recv.Consume(ctx, env.r.bob.serverConsume(ctx, env.recv, env.r.video.ID()))
			return err
		}},
		{"Observer.OnNewProducer", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			env.send.Observer().OnNewProducer(func(*msc.Producer) { act() })
			_, err := env.send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
			return err
		}},
		{"Consumer.Observer.OnClose", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			c, err := env.recv.Consume(ctx, env.r.bob.serverConsume(ctx, env.recv, env.r.video.ID()))
			if err != nil {
				return err
			}
			c.Observer().OnClose(act)
			c.Close()
			return nil
		}},
		{"OnConnectionStateChange", func(t *testing.T, ctx context.Context, env *reentry, act func()) error {
			fired := make(chan struct{})
			var once sync.Once
			env.recv.OnConnectionStateChange(func(s msc.ConnectionState) {
				// "connected" can come again after a disconnection on a
				// loaded machine; the action runs on the first.
				if s == webrtc.PeerConnectionStateConnected {
					once.Do(func() {
						act()
						close(fired)
					})
				}
			})
			if _, err := env.recv.Consume(ctx, env.r.bob.serverConsume(ctx, env.recv, env.r.video.ID())); err != nil {
				return err
			}
			select {
			case <-fired:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}},
	}
	for _, cb := range cases {
		for an, action := range actions {
			t.Run(cb.name+"/"+an, func(t *testing.T) {
				ctx := testCtx(t, 60*time.Second)
				r := newAVRoom(t, ctx)
				env := &reentry{r: r, send: r.bob.transport("send", false), recv: r.recv}
				self := env.recv
				if cb.name == "OnProduce" || cb.name == "OnRTPSender" || cb.name == "Observer.OnNewProducer" {
					self = env.send
				}
				// The send transport's first Produce connects it outside the
				// callback under test.
				if self == env.send {
					_, err := env.send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
					require.NoError(t, err)
				}
				var actErr error
				ran := false
				opCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				start := time.Now()
				err := cb.run(t, opCtx, env, func() {
					if ran {
						// The action may fire the callback again (a new
						// consumer from OnNewConsumer): once is the test.
						return
					}
					ran = true
					actCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					actStart := time.Now()
					actErr = action(actCtx, env, self)
					if d := time.Since(actStart); d > 5*time.Second {
						actErr = fmt.Errorf("%s took %v inside %s: %w", an, d, cb.name, actErr)
					}
				})
				require.Less(t, time.Since(start), 15*time.Second, "the operation that fired the callback returned in seconds")
				require.NotErrorIs(t, err, context.DeadlineExceeded)
				require.True(t, ran, "callback ran")
				if actErr != nil {
					require.ErrorIs(t, actErr, msc.ErrInvalidState, "%s from %s", an, cb.name)
				}
			})
		}
	}
}

func webRTCRecvOptions() testbed.WebRTCTransportOptions {
	return testbed.WebRTCTransportOptions{Direction: "recv"}
}

func consumeOptions(tr *msc.Transport, producerID string, dev *msc.Device) testbed.ConsumeOptions {
	return testbed.ConsumeOptions{TransportID: tr.ID(), ProducerID: producerID, RTPCapabilities: dev.RecvRTPCapabilities()}
}

func produceOptions(tr *msc.Transport, p msc.ProduceParams) testbed.ProduceOptions {
	return testbed.ProduceOptions{TransportID: tr.ID(), Kind: p.Kind, RTPParameters: p.RTPParameters, AppData: p.AppData}
}
