package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	psdp "github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// newPeerWith is newPeer with the device's setting engine and load options
// given (the router's capabilities are filled in).
func newPeerWith(t testing.TB, room string, se *webrtc.SettingEngine, load msc.DeviceLoadOptions) *peer {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	sig, err := server.Dial(ctx, room)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sig.Close() })
	caps, err := sig.GetRouterRTPCapabilities(ctx)
	require.NoError(t, err)
	dev, err := msc.NewDevice(msc.DeviceOptions{SettingEngine: se})
	require.NoError(t, err)
	load.RouterRTPCapabilities = caps
	require.NoError(t, dev.Load(ctx, load))
	return &peer{t: t, sig: sig, device: dev, caps: caps}
}

// consumeData creates a data consumer of dataProducerID on both sides.
func (p *peer) consumeData(ctx context.Context, tr *msc.Transport, dataProducerID string) *msc.DataConsumer {
	p.t.Helper()
	res, err := p.sig.ConsumeData(ctx, tr.ID(), dataProducerID)
	require.NoError(p.t, err)
	dc, err := tr.ConsumeData(ctx, res.Options())
	require.NoError(p.t, err)
	return dc
}

// requireFlow reads n packets of the consumer's stream: its payload type
// and SSRC, in sequence.
func requireFlow(t testing.TB, c *msc.Consumer, n int) {
	t.Helper()
	pkts := readPackets(t, c.Track(), n, 10*time.Second)
	requireStream(t, pkts, c.RTPParameters().Codecs[0].PayloadType, c.RTPParameters().Encodings[0].SSRC)
}

// waitKeyWidth reads the VP8 consumer's track until a key frame want
// pixels wide arrives; every packet must be the consumer's stream. kick
// runs whenever nothing arrived for half a second.
func waitKeyWidth(t testing.TB, ctx context.Context, c *msc.Consumer, want int) {
	t.Helper()
	track := c.Track()
	ssrc, pt := c.RTPParameters().Encodings[0].SSRC, c.RTPParameters().Codecs[0].PayloadType
	defer track.SetReadDeadline(time.Time{}) //nolint:errcheck
	var batch []*rtp.Packet
	var seen []int
	read, timeouts := 0, 0
	for ctx.Err() == nil {
		require.NoError(t, track.SetReadDeadline(time.Now().Add(500*time.Millisecond)))
		p, _, err := track.ReadRTP()
		if err != nil {
			var ne interface{ Timeout() bool }
			require.True(t, errors.As(err, &ne) && ne.Timeout(), "read: %v", err)
			timeouts++
			_ = c.RequestKeyFrame()
			continue
		}
		require.Equal(t, ssrc, p.SSRC)
		require.Equal(t, pt, p.PayloadType)
		read++
		batch = append(batch, p)
		if !p.Marker {
			continue
		}
		for _, f := range vp8Frames(t, batch) {
			if f.key {
				if f.width == want {
					return
				}
				seen = append(seen, f.width)
			}
		}
		batch = batch[:0]
	}
	t.Fatalf("no %d-pixel-wide key frame arrived (key frames seen: %v, %d packets, %d idle half-seconds)", want, seen, read, timeouts)
}

// stateLog records a transport's connection states and when each came
// first.
type stateLog struct {
	mu     sync.Mutex
	states []msc.ConnectionState
	at     map[msc.ConnectionState]time.Time
	change chan struct{}
}

func newStateLog() *stateLog {
	return &stateLog{at: map[msc.ConnectionState]time.Time{}, change: make(chan struct{}, 64)}
}

// watchStates records tr's states from now on.
func watchStates(tr *msc.Transport) *stateLog {
	l := newStateLog()
	tr.OnConnectionStateChange(l.add)
	return l
}

func (l *stateLog) add(s msc.ConnectionState) {
	l.mu.Lock()
	l.states = append(l.states, s)
	if _, ok := l.at[s]; !ok {
		l.at[s] = time.Now()
	}
	l.mu.Unlock()
	select {
	case l.change <- struct{}{}:
	default:
	}
}

func (l *stateLog) get() []msc.ConnectionState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msc.ConnectionState(nil), l.states...)
}

// waitFor waits until the state came and returns when it first did.
func (l *stateLog) waitFor(t testing.TB, ctx context.Context, s msc.ConnectionState) time.Time {
	t.Helper()
	for {
		l.mu.Lock()
		at, ok := l.at[s]
		l.mu.Unlock()
		if ok {
			return at
		}
		select {
		case <-l.change:
		case <-ctx.Done():
			t.Fatalf("state %s never reached: %v", s, l.get())
		}
	}
}

// counter counts calls and signals each one.
type counter struct {
	n  atomic.Int64
	ch chan struct{}
}

func newCounter() *counter { return &counter{ch: make(chan struct{}, 1024)} }

func (c *counter) inc() {
	c.n.Add(1)
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

func (c *counter) wait(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	select {
	case <-c.ch:
	case <-ctx.Done():
		t.Fatalf("%s never happened", what)
	}
}

// stunSink is a UDP socket on 127.0.0.1 that never answers: a STUN server
// that is there but silent. It counts the STUN requests it receives.
type stunSink struct {
	conn     net.PacketConn
	requests atomic.Int64
}

func newSTUNSink(t testing.TB) *stunSink {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	s := &stunSink{conn: conn}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			// A STUN message carries the magic cookie at bytes 4..8.
			if n >= 20 && bytes.Equal(buf[4:8], []byte{0x21, 0x12, 0xa4, 0x42}) {
				s.requests.Add(1)
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return s
}

func (s *stunSink) url() string { return "stun:" + s.conn.LocalAddr().String() }

// serverICEState reads the server transport's ICE state.
func serverICEState(t testing.TB, ctx context.Context, p *peer, transportID string) string {
	t.Helper()
	var d struct {
		ICEState string `json:"iceState"`
	}
	serverDump(t, ctx, p, testbed.TypeTransport, transportID, &d)
	return d.ICEState
}

// TestAPIConnectionState: both transports report connecting then
// connected, in that order, from "new"; after Close the state reads closed
// at once and the handler hears nothing more.
func TestAPIConnectionState(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	logs := map[*msc.Transport]*stateLog{send: newStateLog(), recv: newStateLog()}
	observed := map[*msc.Transport]*stateLog{send: newStateLog(), recv: newStateLog()}
	for tr, l := range logs {
		require.Equal(t, webrtc.PeerConnectionStateNew, tr.ConnectionState())
		tr.OnConnectionStateChange(l.add)
		tr.Observer().OnConnectionStateChange(observed[tr].add)
	}
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	requireFlow(t, cons, 20)
	for tr, l := range logs {
		l.waitFor(t, ctx, webrtc.PeerConnectionStateConnected)
		want := []msc.ConnectionState{webrtc.PeerConnectionStateConnecting, webrtc.PeerConnectionStateConnected}
		require.Equal(t, want, l.get(), "%s transport", tr.Direction())
		require.Equal(t, want, observed[tr].get(), "%s transport's observer", tr.Direction())
		require.Equal(t, webrtc.PeerConnectionStateConnected, tr.ConnectionState())
	}
	for tr := range logs {
		tr.Close()
		require.Equal(t, webrtc.PeerConnectionStateClosed, tr.ConnectionState(), "%s transport right after Close", tr.Direction())
		require.True(t, tr.Closed())
	}
	// pion's own closed state comes later, on its goroutine: none of it
	// reaches the handlers.
	time.Sleep(time.Second)
	for tr, l := range logs {
		require.Len(t, l.get(), 2, "%s transport: states after Close: %v", tr.Direction(), l.get())
		require.Len(t, observed[tr].get(), 2, "%s transport's observer: states after Close", tr.Direction())
		require.Equal(t, webrtc.PeerConnectionStateClosed, tr.ConnectionState())
		if pc := tr.PeerConnection(); pc != nil {
			require.Equal(t, webrtc.PeerConnectionStateClosed, pc.ConnectionState())
		}
	}
}

// TestAPIICEGatheringState: gathering then complete, in that order, once
// the first Produce set a local description; the getter agrees.
func TestAPIICEGatheringState(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	alice := newPeer(t, newRoom(t))
	send := alice.transport("send", false)
	var mu sync.Mutex
	var states []msc.ICEGatheringState
	complete := make(chan struct{})
	send.OnICEGatheringStateChange(func(s msc.ICEGatheringState) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
		if s == webrtc.ICEGatheringStateComplete {
			close(complete)
		}
	})
	require.Equal(t, webrtc.ICEGatheringStateNew, send.ICEGatheringState())
	_, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	select {
	case <-complete:
	case <-ctx.Done():
		t.Fatal("ICE gathering never completed")
	}
	mu.Lock()
	require.Equal(t, []msc.ICEGatheringState{webrtc.ICEGatheringStateGathering, webrtc.ICEGatheringStateComplete}, states)
	mu.Unlock()
	require.Equal(t, webrtc.ICEGatheringStateComplete, send.ICEGatheringState())
}

// TestAPIICEServersAndPolicy: with a STUN server (on loopback, silent) and
// policy "all" the transports gather through it, connect and carry media;
// with policy "relay" and no TURN server pion gathers nothing, never
// queries the STUN server, and the transport never connects: the server
// sees no ICE check.
func TestAPIICEServersAndPolicy(t *testing.T) {
	cases := []struct {
		name     string
		policy   webrtc.ICETransportPolicy
		connects bool
	}{
		{"all", webrtc.ICETransportPolicyAll, true},
		{"relay", webrtc.ICETransportPolicyRelay, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 60*time.Second)
			room := newRoom(t)
			alice, bob := newPeer(t, room), newPeer(t, room)
			stun := newSTUNSink(t)
			servers := []webrtc.ICEServer{{URLs: []string{stun.url()}}}
			send := alice.transportWith("send", false, func(o *msc.TransportOptions) {
				o.ICEServers, o.ICETransportPolicy = servers, tc.policy
			})
			require.Equal(t, tc.policy, send.PeerConnection().GetConfiguration().ICETransportPolicy)
			require.Equal(t, servers, send.PeerConnection().GetConfiguration().ICEServers)
			states := newStateLog()
			send.OnConnectionStateChange(states.add)
			prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
			require.NoError(t, err)
			if tc.connects {
				recv := bob.transportWith("recv", false, func(o *msc.TransportOptions) {
					o.ICEServers, o.ICETransportPolicy = servers, tc.policy
				})
				cons := bob.consume(ctx, recv, prod.ID())
				requireFlow(t, cons, 50)
				require.Equal(t, webrtc.PeerConnectionStateConnected, send.ConnectionState())
				require.Positive(t, stun.requests.Load(), "srflx gathering queried the STUN server")
				require.Contains(t, []string{"connected", "completed"}, serverICEState(t, ctx, alice, send.ID()))
				return
			}
			time.Sleep(4 * time.Second)
			for _, s := range states.get() {
				require.NotEqual(t, webrtc.PeerConnectionStateConnected, s, "states: %v", states.get())
			}
			require.NotEqual(t, webrtc.PeerConnectionStateConnected, send.ConnectionState())
			require.Zero(t, stun.requests.Load(), "relay policy queried a STUN server")
			require.Equal(t, "new", serverICEState(t, ctx, alice, send.ID()), "server saw ICE checks")
			local := send.PeerConnection().LocalDescription()
			require.NotNil(t, local)
			require.NotContains(t, local.SDP, "a=candidate", "relay policy without TURN gathers no candidate")
		})
	}
}

// TestAPIUpdateICEServers: new ICE servers reach the peer connection's
// configuration while media keeps flowing; an invalid URL is refused with
// ErrInvalidParameters and changes nothing.
func TestAPIUpdateICEServers(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	requireFlow(t, cons, 20)

	stun := newSTUNSink(t)
	servers := []webrtc.ICEServer{{URLs: []string{stun.url()}}}
	for _, tr := range []*msc.Transport{send, recv} {
		if tr.PeerConnection() == nil {
			// The ORTC handler's ICE servers are fixed at creation.
			require.ErrorIs(t, tr.UpdateICEServers(ctx, servers), msc.ErrUnsupported)
			continue
		}
		require.NoError(t, tr.UpdateICEServers(ctx, servers))
		require.Equal(t, servers, tr.PeerConnection().GetConfiguration().ICEServers)
		err := tr.UpdateICEServers(ctx, []webrtc.ICEServer{{URLs: []string{"bogus:127.0.0.1"}}})
		require.ErrorIs(t, err, msc.ErrInvalidParameters)
		require.Equal(t, servers, tr.PeerConnection().GetConfiguration().ICEServers)
	}
	requireFlow(t, cons, 100)
	require.Equal(t, webrtc.PeerConnectionStateConnected, send.ConnectionState())
	require.Equal(t, webrtc.PeerConnectionStateConnected, recv.ConnectionState())
}

// TestAPIReplaceTrack: a VP8 producer's 320x240 track swapped for a
// 160x120 one reaches the consumer as 160-pixel key frames on the same
// stream; a nil track stops the packets and Track reads nil; a track again
// resumes them.
func TestAPIReplaceTrack(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	_, bob, send, recv := newPair(t)
	big := playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")
	small := playFile(t, webrtc.MimeTypeVP8, "vp8-160x120.ivf", "")
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: big})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	waitKeyWidth(t, ctx, cons, 320)

	require.NoError(t, prod.ReplaceTrack(ctx, small))
	require.Equal(t, webrtc.TrackLocal(small), prod.Track())
	waitKeyWidth(t, ctx, cons, 160)

	require.NoError(t, prod.ReplaceTrack(ctx, nil))
	require.Nil(t, prod.Track())
	noPackets(t, cons.Track(), 1500*time.Millisecond)

	require.NoError(t, prod.ReplaceTrack(ctx, big))
	require.Equal(t, webrtc.TrackLocal(big), prod.Track())
	waitKeyWidth(t, ctx, cons, 320)
	// The producer keeps its stream continuous across the swaps: the
	// consumer reads an unbroken sequence.
	requireStream(t, readPackets(t, cons.Track(), 50, 10*time.Second), cons.RTPParameters().Codecs[0].PayloadType, cons.RTPParameters().Encodings[0].SSRC)

	audio := playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")
	require.ErrorIs(t, prod.ReplaceTrack(ctx, audio), msc.ErrInvalidParameters)
	prod.Close()
	require.ErrorIs(t, prod.ReplaceTrack(ctx, small), msc.ErrInvalidState)
	require.ErrorIs(t, prod.ReplaceTrack(ctx, nil), msc.ErrInvalidState)
}

func active(v bool) *bool { return &v }

// TestAPISetRTPEncodingParameters: deactivating a single-layer producer's
// encoding stops its packets, reactivating resumes them; with simulcast,
// deactivating every layer stops the consumer's packets, keeping only
// layer 0 active makes the server forward 80-pixel key frames, and all
// active again brings 320 back.
func TestAPISetRTPEncodingParameters(t *testing.T) {
	ctx := testCtx(t, 120*time.Second)
	_, bob, send, recv := newPair(t)

	single, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	c1 := bob.consume(ctx, recv, single.ID())
	requireFlow(t, c1, 30)
	require.NoError(t, single.SetRTPEncodingParameters(ctx, []msc.RTPEncodingParameters{{Active: active(false)}}))
	noPackets(t, c1.Track(), 1500*time.Millisecond)
	require.NoError(t, single.SetRTPEncodingParameters(ctx, []msc.RTPEncodingParameters{{Active: active(true)}}))
	requireFlow(t, c1, 30)
	err = single.SetRTPEncodingParameters(ctx, []msc.RTPEncodingParameters{{}, {}})
	require.ErrorIs(t, err, msc.ErrInvalidParameters)

	sim := produceSimulcast(ctx, t, send)
	c2 := bob.consume(ctx, bob.transport("recv", false), sim.ID())
	_, err = bob.sig.SetConsumerPreferredLayers(ctx, c2.ID(), 2, nil)
	require.NoError(t, err)
	waitKeyWidth(t, ctx, c2, 320)
	off := []msc.RTPEncodingParameters{{Active: active(false)}, {Active: active(false)}, {Active: active(false)}}
	require.NoError(t, sim.SetRTPEncodingParameters(ctx, off))
	noPackets(t, c2.Track(), 1500*time.Millisecond)
	onlyLow := []msc.RTPEncodingParameters{{Active: active(true)}, {Active: active(false)}, {Active: active(false)}}
	require.NoError(t, sim.SetRTPEncodingParameters(ctx, onlyLow))
	require.Equal(t, 0, sim.MaxSpatialLayer())
	waitKeyWidth(t, ctx, c2, 80)
	require.NoError(t, sim.SetRTPEncodingParameters(ctx, []msc.RTPEncodingParameters{{}, {}, {}}))
	require.Equal(t, 2, sim.MaxSpatialLayer())
	waitKeyWidth(t, ctx, c2, 320)
}

// TestAPIOnTrackEnded: when the server transports close, ICE fails (short
// timeouts) and OnTrackEnded fires once on the producer and the consumer
// and on their observers; both stay open; nothing fired while connected.
func TestAPIOnTrackEnded(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	se := loopbackOnly()
	se.SetICETimeouts(time.Second, 2*time.Second, 250*time.Millisecond)
	room := newRoom(t)
	alice := newPeerWith(t, room, se, msc.DeviceLoadOptions{})
	bob := newPeerWith(t, room, se, msc.DeviceLoadOptions{})
	send := alice.transport("send", false)
	recv := bob.transport("recv", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	ended := map[string]*counter{}
	for _, name := range []string{"producer", "producer observer", "consumer", "consumer observer"} {
		ended[name] = newCounter()
	}
	prod.OnTrackEnded(ended["producer"].inc)
	prod.Observer().OnTrackEnded(ended["producer observer"].inc)
	cons.OnTrackEnded(ended["consumer"].inc)
	cons.Observer().OnTrackEnded(ended["consumer observer"].inc)
	requireFlow(t, cons, 100)
	for name, c := range ended {
		require.Zero(t, c.n.Load(), "%s: track ended while connected", name)
	}

	require.NoError(t, alice.sig.CloseTransport(ctx, send.ID()))
	require.NoError(t, bob.sig.CloseTransport(ctx, recv.ID()))
	for name, c := range ended {
		c.wait(t, ctx, name+" OnTrackEnded")
	}
	time.Sleep(500 * time.Millisecond)
	for name, c := range ended {
		require.Equal(t, int64(1), c.n.Load(), "%s: OnTrackEnded calls", name)
	}
	require.Equal(t, webrtc.PeerConnectionStateFailed, send.ConnectionState())
	require.Equal(t, webrtc.PeerConnectionStateFailed, recv.ConnectionState())
	require.False(t, prod.Closed())
	require.False(t, cons.Closed())
}

// TestAPIPauseOptions: Producer.Pause stops the RTP unless
// DisableTrackOnPause is false and ZeroRTPOnPause unset; then packets keep
// reaching the consumer while paused. Resume always brings them back.
func TestAPIPauseOptions(t *testing.T) {
	cases := []struct {
		name    string
		disable *bool
		zero    bool
		flows   bool
	}{
		{"default", nil, false, false},
		{"disable", active(true), false, false},
		{"keep", active(false), false, true},
		{"keep-but-zero-rtp", active(false), true, false},
	}
	ctx := testCtx(t, 120*time.Second)
	alice, bob, send, recv := newPair(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prod, err := send.Produce(ctx, msc.ProducerOptions{
				Track:               playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", ""),
				DisableTrackOnPause: tc.disable, ZeroRTPOnPause: tc.zero,
			})
			require.NoError(t, err)
			cons := bob.consume(ctx, recv, prod.ID())
			requireFlow(t, cons, 20)
			prod.Pause()
			require.True(t, prod.Paused())
			if tc.flows {
				time.Sleep(200 * time.Millisecond)
				requireFlow(t, cons, 75)
			} else {
				noPackets(t, cons.Track(), 1500*time.Millisecond)
			}
			prod.Resume()
			require.False(t, prod.Paused())
			requireFlow(t, cons, 20)
			prod.Close()
			cons.Close()
			require.NoError(t, alice.sig.CloseProducer(ctx, prod.ID()))
		})
	}
}

// TestAPIOnRTPSenderReceiver: the hooks run once, with the sender and
// receiver the producer and consumer then return, before the offer/answer
// is applied and before Produce and Consume return; the media flows.
func TestAPIOnRTPSenderReceiver(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	track := playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")

	var senders []*webrtc.RTPSender
	var sendRounds []int64
	before := send.Renegotiations()
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: track, OnRTPSender: func(s *webrtc.RTPSender) {
		senders = append(senders, s)
		sendRounds = append(sendRounds, send.Renegotiations())
	}})
	require.NoError(t, err)
	require.Len(t, senders, 1, "OnRTPSender calls by the time Produce returned")
	require.Same(t, prod.RTPSender(), senders[0])
	require.Equal(t, []int64{before}, sendRounds, "OnRTPSender ran after the offer/answer")
	require.Equal(t, before+1, send.Renegotiations())
	require.Equal(t, track.ID(), senders[0].Track().ID())

	opts := bob.serverConsume(ctx, recv, prod.ID())
	var receivers []*webrtc.RTPReceiver
	var recvRounds []int64
	before = recv.Renegotiations()
	opts.OnRTPReceiver = func(r *webrtc.RTPReceiver) {
		receivers = append(receivers, r)
		recvRounds = append(recvRounds, recv.Renegotiations())
	}
	cons, err := recv.Consume(ctx, opts)
	require.NoError(t, err)
	require.Len(t, receivers, 1, "OnRTPReceiver calls by the time Consume returned")
	require.Same(t, cons.RTPReceiver(), receivers[0])
	require.Equal(t, []int64{before}, recvRounds, "OnRTPReceiver ran after the offer/answer")
	if !ortcHandler() {
		require.Equal(t, before+1, recv.Renegotiations())
	}
	require.NoError(t, bob.sig.ResumeConsumer(ctx, cons.ID()))
	requireFlow(t, cons, 30)
	require.Same(t, cons.Track().TrackRemote(), receivers[0].Track())
	require.Equal(t, webrtc.SSRC(cons.RTPParameters().Encodings[0].SSRC), receivers[0].Track().SSRC())
	require.Len(t, senders, 1)
	require.Len(t, receivers, 1)
}

// msids maps each media section's mid to its msid attribute.
func msids(t testing.TB, sdp string) map[string]string {
	t.Helper()
	var d psdp.SessionDescription
	require.NoError(t, d.UnmarshalString(sdp))
	out := map[string]string{}
	for _, md := range d.MediaDescriptions {
		mid, _ := md.Attribute("mid")
		msid, _ := md.Attribute("msid")
		out[mid] = msid
	}
	return out
}

// TestAPIStreamID: a producer's StreamID is its section's msid stream in
// the local SDP (the track's own stream id when unset); a consumer's is
// its track's StreamID and its section's msid in the remote SDP, shared by
// two consumers given the same one; unset, it is the RTCP CNAME.
func TestAPIStreamID(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	audio := playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")
	video := playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")
	pa, err := send.Produce(ctx, msc.ProducerOptions{Track: audio, StreamID: "alice-av"})
	require.NoError(t, err)
	pv, err := send.Produce(ctx, msc.ProducerOptions{Track: video})
	require.NoError(t, err)
	local := msids(t, send.PeerConnection().LocalDescription().SDP)
	require.Equal(t, "alice-av "+audio.ID(), local[pa.LocalID()])
	require.Equal(t, video.StreamID()+" "+video.ID(), local[pv.LocalID()])

	var cons []*msc.Consumer
	for _, c := range []struct {
		producer *msc.Producer
		stream   string
	}{{pa, "bob-av"}, {pv, "bob-av"}, {pv, ""}} {
		o := bob.serverConsume(ctx, recv, c.producer.ID())
		o.StreamID = c.stream
		cn, err := recv.Consume(ctx, o)
		require.NoError(t, err)
		require.NoError(t, bob.sig.ResumeConsumer(ctx, cn.ID()))
		cons = append(cons, cn)
	}
	var remote map[string]string
	if pc := recv.PeerConnection(); pc != nil {
		remote = msids(t, pc.RemoteDescription().SDP)
	}
	for i, want := range []string{"bob-av", "bob-av", cons[2].RTPParameters().RTCP.CNAME} {
		c := cons[i]
		require.NotEmpty(t, want)
		require.Equal(t, want, c.Track().StreamID(), "consumer %d", i)
		requireFlow(t, c, 20)
		if remote != nil {
			// With SDP the stream id is the msid pion parses too.
			require.Equal(t, want+" "+c.ID(), remote[c.LocalID()], "consumer %d's msid", i)
			require.Equal(t, want, c.Track().TrackRemote().StreamID(), "consumer %d's pion track", i)
		}
	}
}

// fmtpOf returns the fmtp parameters of payload type pt in the SDP.
func fmtpOf(t testing.TB, sdp string, pt uint8) map[string]string {
	t.Helper()
	var d psdp.SessionDescription
	require.NoError(t, d.UnmarshalString(sdp))
	out := map[string]string{}
	for _, md := range d.MediaDescriptions {
		for _, a := range md.Attributes {
			if a.Key != "fmtp" || !strings.HasPrefix(a.Value, fmt.Sprintf("%d ", pt)) {
				continue
			}
			for _, kv := range strings.Split(strings.TrimPrefix(a.Value, fmt.Sprintf("%d ", pt)), ";") {
				k, v, _ := strings.Cut(kv, "=")
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// serverProducerCodec reads the server producer's first codec.
func serverProducerCodec(t testing.TB, ctx context.Context, p *peer, id string) msc.RTPCodecParameters {
	t.Helper()
	var d struct {
		RTPParameters msc.RTPParameters `json:"rtpParameters"`
	}
	serverDump(t, ctx, p, testbed.TypeProducer, id, &d)
	require.NotEmpty(t, d.RTPParameters.Codecs)
	return d.RTPParameters.Codecs[0]
}

func hasNACK(c msc.RTPCodecParameters) bool {
	for _, fb := range c.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			return true
		}
	}
	return false
}

// TestAPICodecOptions: Opus and video codec options reach the RTP
// parameters of the OnProduce hook, the server producer (read back with
// Dump) and the answer applied locally (where stereo is written too);
// opusNack off drops the nack feedback; media still flows.
func TestAPICodecOptions(t *testing.T) {
	i := func(v int) *int { return &v }
	cases := []struct {
		name   string
		mime   string
		file   string
		opts   *msc.ProducerCodecOptions
		want   map[string]string
		absent []string
		nack   bool
	}{
		{
			name: "opus", mime: webrtc.MimeTypeOpus, file: "opus-48k-stereo.ogg",
			opts: &msc.ProducerCodecOptions{
				OpusStereo: active(true), OpusDTX: active(true), OpusFEC: active(false), OpusNACK: active(false),
				OpusMaxPlaybackRate: i(24000), OpusMaxAverageBitrate: i(64000), OpusPtime: i(20),
			},
			want: map[string]string{
				"sprop-stereo": "1", "usedtx": "1", "useinbandfec": "0",
				"maxplaybackrate": "24000", "maxaveragebitrate": "64000", "ptime": "20",
			},
		},
		{
			name: "opus-defaults", mime: webrtc.MimeTypeOpus, file: "opus-48k-stereo.ogg",
			want:   map[string]string{"useinbandfec": "1", "minptime": "10"},
			absent: []string{"usedtx", "sprop-stereo", "maxplaybackrate", "ptime"},
			nack:   true,
		},
		{
			name: "vp8", mime: webrtc.MimeTypeVP8, file: "vp8-320x240.ivf",
			opts: &msc.ProducerCodecOptions{VideoGoogleStartBitrate: i(500), VideoGoogleMaxBitrate: i(2000), VideoGoogleMinBitrate: i(100)},
			want: map[string]string{"x-google-start-bitrate": "500", "x-google-max-bitrate": "2000", "x-google-min-bitrate": "100"},
			nack: true,
		},
	}
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	recv := bob.transport("recv", false)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A transport each: the answer's first section of a kind is the
			// one that carries the options.
			send := alice.transport("send", false)
			var hooked msc.RTPParameters
			send.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
				hooked = pp.RTPParameters
				return alice.sig.Produce(ctx, testbed.ProduceOptions{TransportID: send.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters})
			})
			prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, tc.mime, tc.file, ""), CodecOptions: tc.opts})
			require.NoError(t, err)
			require.Equal(t, hooked, prod.RTPParameters())
			codec := hooked.Codecs[0]
			require.Equal(t, tc.mime, codec.MimeType)
			onServer := serverProducerCodec(t, ctx, alice, prod.ID())
			require.Equal(t, codec.PayloadType, onServer.PayloadType)
			answer := fmtpOf(t, send.PeerConnection().RemoteDescription().SDP, codec.PayloadType)
			for k, v := range tc.want {
				got, ok := codec.Parameters.String(k)
				require.True(t, ok, "hook: %s missing in %v", k, codec.Parameters)
				require.Equal(t, v, got, "hook: %s", k)
				got, ok = onServer.Parameters.String(k)
				require.True(t, ok, "server: %s missing in %v", k, onServer.Parameters)
				require.Equal(t, v, got, "server: %s", k)
				if tc.opts != nil {
					require.Equal(t, v, answer[k], "answer: %s in %v", k, answer)
				}
			}
			for _, k := range tc.absent {
				_, ok := onServer.Parameters.String(k)
				require.False(t, ok, "server: %s set in %v", k, onServer.Parameters)
			}
			if tc.opts != nil && tc.opts.OpusStereo != nil {
				require.Equal(t, "1", answer["stereo"], "answer: stereo in %v", answer)
			}
			require.Equal(t, tc.nack, hasNACK(codec), "hook: nack in %v", codec.RTCPFeedback)
			require.Equal(t, tc.nack, hasNACK(onServer), "server: nack in %v", onServer.RTCPFeedback)
			cons := bob.consume(ctx, recv, prod.ID())
			requireFlow(t, cons, 20)
		})
	}
}

// TestAPIObservers: OnNewTransport, OnNewProducer, OnNewConsumer,
// OnNewDataProducer and OnNewDataConsumer each fire once, with the object
// the call returns, by the time it returns; every object's observer
// OnClose fires once on Close, also when closed twice.
func TestAPIObservers(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	var transports []*msc.Transport
	alice.device.Observer().OnNewTransport(func(tr *msc.Transport) {
		require.False(t, tr.Closed())
		transports = append(transports, tr)
	})
	bob.device.Observer().OnNewTransport(func(tr *msc.Transport) { transports = append(transports, tr) })
	send := alice.transport("send", true)
	require.Len(t, transports, 1)
	require.Same(t, send, transports[0])
	recv := bob.transport("recv", true)
	require.Len(t, transports, 2)
	require.Same(t, recv, transports[1])

	var producers []*msc.Producer
	var consumers []*msc.Consumer
	var dataProducers []*msc.DataProducer
	var dataConsumers []*msc.DataConsumer
	send.Observer().OnNewProducer(func(p *msc.Producer) {
		require.NotEmpty(t, p.ID())
		producers = append(producers, p)
	})
	send.Observer().OnNewDataProducer(func(p *msc.DataProducer) { dataProducers = append(dataProducers, p) })
	recv.Observer().OnNewConsumer(func(c *msc.Consumer) {
		require.NotNil(t, c.Track())
		consumers = append(consumers, c)
	})
	recv.Observer().OnNewDataConsumer(func(c *msc.DataConsumer) { dataConsumers = append(dataConsumers, c) })

	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	require.Len(t, producers, 1)
	require.Same(t, prod, producers[0])
	cons := bob.consume(ctx, recv, prod.ID())
	require.Len(t, consumers, 1)
	require.Same(t, cons, consumers[0])
	dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "obs"})
	require.NoError(t, err)
	require.Len(t, dataProducers, 1)
	require.Same(t, dp, dataProducers[0])
	dc := bob.consumeData(ctx, recv, dp.ID())
	require.Len(t, dataConsumers, 1)
	require.Same(t, dc, dataConsumers[0])
	requireFlow(t, cons, 20)

	closes := map[string]*counter{}
	for _, name := range []string{"producer", "consumer", "data producer", "data consumer", "send transport", "recv transport"} {
		closes[name] = newCounter()
	}
	prod.Observer().OnClose(closes["producer"].inc)
	cons.Observer().OnClose(closes["consumer"].inc)
	dp.Observer().OnClose(closes["data producer"].inc)
	dc.Observer().OnClose(closes["data consumer"].inc)
	send.Observer().OnClose(closes["send transport"].inc)
	recv.Observer().OnClose(closes["recv transport"].inc)
	for _, c := range []func(){prod.Close, cons.Close, dp.Close, dc.Close, send.Close, recv.Close} {
		c()
		c()
	}
	require.True(t, prod.Closed() && cons.Closed() && dp.Closed() && dc.Closed())
	// Closed objects' late pion events (data channel closes) add nothing.
	time.Sleep(time.Second)
	for name, c := range closes {
		require.Equal(t, int64(1), c.n.Load(), "%s OnClose calls", name)
	}
	require.Len(t, transports, 2)
	require.Len(t, producers, 1)
	require.Len(t, consumers, 1)
	require.Len(t, dataProducers, 1)
	require.Len(t, dataConsumers, 1)
}

// videoCodecNames lists the video media codecs of caps, in order, as
// "mime" or "mime profile".
func videoCodecNames(caps msc.RTPCapabilities) []string {
	var out []string
	for _, c := range caps.Codecs {
		if c.Kind != msc.MediaKindVideo || strings.HasSuffix(strings.ToLower(c.MimeType), "/rtx") {
			continue
		}
		name := c.MimeType
		if v, ok := c.Parameters.String("profile-id"); ok {
			name += " profile-id=" + v
		}
		if v, ok := c.Parameters.String("profile-level-id"); ok {
			name += " profile-level-id=" + v
		}
		out = append(out, name)
	}
	return out
}

// firstVideoSectionCodecs names, in order, the media codecs of the first
// video section of sdp, by the payload types of caps.
func firstVideoSectionCodecs(t testing.TB, sdp string, caps msc.RTPCapabilities) []string {
	t.Helper()
	byPT := map[string]string{}
	for _, c := range caps.Codecs {
		names := videoCodecNames(msc.RTPCapabilities{Codecs: []msc.RTPCodecCapability{c}})
		if c.PreferredPayloadType != nil && len(names) == 1 {
			byPT[fmt.Sprint(*c.PreferredPayloadType)] = names[0]
		}
	}
	var d psdp.SessionDescription
	require.NoError(t, d.UnmarshalString(sdp))
	for _, md := range d.MediaDescriptions {
		if md.MediaName.Media != "video" {
			continue
		}
		var out []string
		for _, pt := range md.MediaName.Formats {
			if name, ok := byPT[pt]; ok {
				out = append(out, name)
			}
		}
		return out
	}
	t.Fatal("no video section")
	return nil
}

// TestAPIPreferLocalCodecsOrder: loaded with the real router's
// capabilities, a device keeps the router's video codec order; with
// PreferLocalCodecsOrder it follows pion's (VP9 profile 0 before 2, H264
// Constrained Baseline before Main; the H264 Main level is then the
// router's, as mediasoup-client's answer gives it). A receive transport
// lists the codecs of its first video section in its device's order, and
// both devices consume from the server.
func TestAPIPreferLocalCodecsOrder(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice := newPeer(t, room)
	plain := newPeer(t, room)
	local := newPeerWith(t, room, loopbackOnly(), msc.DeviceLoadOptions{PreferLocalCodecsOrder: true})
	const (
		vp8   = "video/VP8"
		vp9p0 = "video/VP9 profile-id=0"
		vp9p2 = "video/VP9 profile-id=2"
		cb    = "video/H264 profile-level-id=42e01f"
	)
	require.Equal(t, []string{vp8, vp9p2, vp9p0, "video/H264 profile-level-id=4d0032", cb}, videoCodecNames(plain.caps), "router")
	routerOrder := []string{vp8, vp9p2, vp9p0, "video/H264 profile-level-id=4d001f", cb}
	localOrder := []string{vp8, vp9p0, vp9p2, cb, "video/H264 profile-level-id=4d0032"}
	require.Equal(t, routerOrder, videoCodecNames(plain.device.RecvRTPCapabilities()))
	require.Equal(t, routerOrder, videoCodecNames(plain.device.SendRTPCapabilities()))
	require.Equal(t, localOrder, videoCodecNames(local.device.RecvRTPCapabilities()))
	require.Equal(t, localOrder, videoCodecNames(local.device.SendRTPCapabilities()))

	send := alice.transport("send", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	for _, tc := range []struct {
		p     *peer
		order []string
	}{{plain, routerOrder}, {local, localOrder}} {
		recv := tc.p.transport("recv", false)
		cons := tc.p.consume(ctx, recv, prod.ID())
		require.Equal(t, vp8, cons.RTPParameters().Codecs[0].MimeType)
		requireFlow(t, cons, 30)
		if pc := recv.PeerConnection(); pc != nil {
			require.Equal(t, tc.order, firstVideoSectionCodecs(t, pc.RemoteDescription().SDP, tc.p.device.RecvRTPCapabilities()))
		}
	}
}

// TestAPIBufferedAmount: the threshold reads back; a burst queues more
// than the threshold; OnBufferedAmountLow fires as the queue drains below
// it; every message of the burst arrives.
func TestAPIBufferedAmount(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", true)
	recv := bob.transport("recv", true)
	dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "bulk"})
	require.NoError(t, err)
	dc := bob.consumeData(ctx, recv, dp.ID())
	got := collect(dc)
	waitOpen(t, ctx, dp.ReadyState)
	waitOpen(t, ctx, dc.ReadyState)

	require.Zero(t, dp.BufferedAmount())
	require.Zero(t, dp.BufferedAmountLowThreshold())
	const threshold = 32 * 1024
	dp.SetBufferedAmountLowThreshold(threshold)
	require.Equal(t, uint64(threshold), dp.BufferedAmountLowThreshold())
	low := newCounter()
	dp.OnBufferedAmountLow(low.inc)

	// Below the server's 256 KB SCTP send buffer towards the consumer:
	// mediasoup drops what does not fit.
	const n, size = 12, 16000
	var peak uint64
	for i := 0; i < n; i++ {
		msg := bytes.Repeat([]byte{byte(i)}, size)
		require.NoError(t, dp.Send(msg))
		if b := dp.BufferedAmount(); b > peak {
			peak = b
		}
	}
	require.Greater(t, peak, uint64(threshold), "the burst never queued above the threshold")
	low.wait(t, ctx, "OnBufferedAmountLow")
	require.LessOrEqual(t, dp.BufferedAmount(), uint64(threshold))
	msgs := got.wait(t, ctx, n)
	for i, m := range msgs {
		require.Len(t, m.Data, size)
		require.Equal(t, byte(i), m.Data[0], "message %d", i)
	}
	require.Eventually(t, func() bool { return dp.BufferedAmount() == 0 }, 10*time.Second, 10*time.Millisecond)
}

// TestAPIDataEvents: OnOpen fires once on a data producer and a data
// consumer, also when set after the channel opened; a message over the
// size limit fails Send with ErrInvalidParameters without OnError and
// the channel keeps working; closing the server's data producer closes
// the data consumer (OnClose, its observer, Closed) and the local data
// producer; closing a data producer fires its OnClose; a message larger
// than pion can read fails a data consumer with OnError then OnClose.
func TestAPIDataEvents(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", true)
	recv := bob.transport("recv", true)

	// The first channel of each transport opens after Produce/Consume
	// returned (the transport connects then); the second is open at once.
	var dps []*msc.DataProducer
	var dcs []*msc.DataConsumer
	opens := map[string]*counter{}
	for i := 0; i < 2; i++ {
		dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: fmt.Sprint("events-", i)})
		require.NoError(t, err)
		po := newCounter()
		dp.OnOpen(po.inc)
		dc := bob.consumeData(ctx, recv, dp.ID())
		co := newCounter()
		dc.OnOpen(co.inc)
		opens[fmt.Sprint("data producer ", i)] = po
		opens[fmt.Sprint("data consumer ", i)] = co
		dps = append(dps, dp)
		dcs = append(dcs, dc)
		waitOpen(t, ctx, dp.ReadyState)
		waitOpen(t, ctx, dc.ReadyState)
	}
	for name, c := range opens {
		c.wait(t, ctx, name+" OnOpen")
	}
	time.Sleep(300 * time.Millisecond)
	for name, c := range opens {
		require.Equal(t, int64(1), c.n.Load(), "%s OnOpen calls", name)
	}

	dp, dc := dps[0], dcs[0]
	errs := newCounter()
	dp.OnError(func(error) { errs.inc() })
	dc.OnError(func(error) { errs.inc() })
	got := collect(dc)
	max := send.GetDataChannelMaxMessageSize()
	big := bytes.Repeat([]byte{7}, max+1)
	require.ErrorIs(t, dp.Send(big), msc.ErrInvalidParameters)
	require.ErrorIs(t, dp.SendText(string(big)), msc.ErrInvalidParameters)
	require.NoError(t, dp.Send(big[:max]))
	require.NoError(t, dp.SendText("after"))
	msgs := got.wait(t, ctx, 2)
	require.Len(t, msgs[0].Data, max)
	require.Equal(t, "after", string(msgs[1].Data))
	require.Zero(t, errs.n.Load(), "OnError calls")
	require.Equal(t, webrtc.DataChannelStateOpen, dp.ReadyState())
	require.Equal(t, webrtc.DataChannelStateOpen, dc.ReadyState())

	consumerClosed := newCounter()
	consumerObserved := newCounter()
	dc.OnClose(consumerClosed.inc)
	dc.Observer().OnClose(consumerObserved.inc)
	producerClosed := newCounter()
	dp.OnClose(producerClosed.inc)
	require.NoError(t, alice.sig.CloseDataProducer(ctx, dp.ID()))
	n, err := bob.sig.WaitNotification(ctx, testbed.NotifyDataConsumerClosed, nil)
	require.NoError(t, err)
	var dcc testbed.DataConsumerClosed
	require.NoError(t, n.Decode(&dcc))
	require.Equal(t, dc.ID(), dcc.DataConsumerID)
	consumerClosed.wait(t, ctx, "data consumer OnClose")
	consumerObserved.wait(t, ctx, "data consumer observer OnClose")
	require.True(t, dc.Closed())
	require.Equal(t, webrtc.DataChannelStateClosed, dc.ReadyState())

	// The server resets the closed data producer's stream: the local one
	// closes too.
	producerClosed.wait(t, ctx, "data producer OnClose")
	require.True(t, dp.Closed())
	require.ErrorIs(t, dp.SendText("late"), msc.ErrInvalidState)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, int64(1), consumerClosed.n.Load())
	require.Equal(t, int64(1), consumerObserved.n.Load())
	require.Equal(t, int64(1), producerClosed.n.Load())
	require.Zero(t, errs.n.Load(), "OnError calls")

	// The other pair still works.
	got = collect(dcs[1])
	require.NoError(t, dps[1].SendText("still here"))
	require.Equal(t, "still here", string(got.wait(t, ctx, 1)[0].Data))
	closedLocally := newCounter()
	dps[1].OnClose(closedLocally.inc)
	dps[1].Close()
	closedLocally.wait(t, ctx, "data producer OnClose after Close")
	require.True(t, dps[1].Closed())

	// OnError: a message larger than pion can receive (65536 bytes, from
	// the server's own data producer) fails the data consumer's channel:
	// OnError with io.ErrShortBuffer, then OnClose.
	dpID, err := bob.sig.CreateDirectDataProducer(ctx, "direct", "")
	require.NoError(t, err)
	direct := bob.consumeData(ctx, recv, dpID)
	waitOpen(t, ctx, direct.ReadyState)
	var mu sync.Mutex
	var directErrs []error
	failed := newCounter()
	direct.OnError(func(err error) {
		mu.Lock()
		directErrs = append(directErrs, err)
		mu.Unlock()
		failed.inc()
	})
	directClosed := newCounter()
	direct.OnClose(directClosed.inc)
	got = collect(direct)
	require.NoError(t, bob.sig.SendDirectData(ctx, dpID, bytes.Repeat([]byte{1}, 65535), true))
	require.Len(t, got.wait(t, ctx, 1)[0].Data, 65535)
	require.NoError(t, bob.sig.SendDirectData(ctx, dpID, bytes.Repeat([]byte{1}, 65536), true))
	failed.wait(t, ctx, "OnError")
	directClosed.wait(t, ctx, "OnClose after the error")
	mu.Lock()
	require.Len(t, directErrs, 1)
	require.ErrorIs(t, directErrs[0], io.ErrShortBuffer)
	mu.Unlock()
	require.True(t, direct.Closed())
}

// TestAPIAppData: every object's AppData defaults to an empty writable
// map; SetAppData replaces it (nil gives an empty map again); AppData
// given in options is the object's, reaches the OnProduce and
// OnProduceData hooks, and through the server the other peer's
// newProducer and newDataProducer notifications.
func TestAPIAppData(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", true)
	recv := bob.transport("recv", true)
	track := playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")

	var hooked []msc.AppData
	send.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		hooked = append(hooked, pp.AppData)
		return alice.sig.Produce(ctx, testbed.ProduceOptions{TransportID: send.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters, AppData: pp.AppData})
	})
	send.OnProduceData(func(ctx context.Context, pp msc.ProduceDataParams) (string, error) {
		hooked = append(hooked, pp.AppData)
		sp := pp.SCTPStreamParameters
		return alice.sig.ProduceData(ctx, testbed.ProduceDataOptions{TransportID: send.ID(), SCTPStreamParameters: &sp, Label: pp.Label, AppData: pp.AppData})
	})
	plainProd, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
	require.NoError(t, err)
	plainDP, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "plain"})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, plainProd.ID())
	dcons := bob.consumeData(ctx, recv, plainDP.ID())
	require.Len(t, hooked, 2)
	for i, d := range hooked {
		require.NotNil(t, d, "hook %d", i)
		require.Empty(t, d, "hook %d", i)
	}

	objects := []struct {
		name string
		get  func() msc.AppData
		set  func(msc.AppData)
	}{
		{"transport", send.AppData, send.SetAppData},
		{"producer", plainProd.AppData, plainProd.SetAppData},
		{"consumer", cons.AppData, cons.SetAppData},
		{"data producer", plainDP.AppData, plainDP.SetAppData},
		{"data consumer", dcons.AppData, dcons.SetAppData},
	}
	for _, o := range objects {
		d := o.get()
		require.NotNil(t, d, o.name)
		require.Empty(t, d, o.name)
		d["written"] = o.name
		require.Equal(t, o.name, o.get()["written"], "%s: a write to the default map is kept", o.name)
		o.set(msc.AppData{"replaced": true})
		require.Equal(t, msc.AppData{"replaced": true}, o.get(), o.name)
		o.set(nil)
		require.NotNil(t, o.get(), o.name)
		require.Empty(t, o.get(), o.name)
	}

	pd := msc.AppData{"source": "mic"}
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: track, AppData: pd})
	require.NoError(t, err)
	dd := msc.AppData{"channel": "chat"}
	dp, err := send.ProduceData(ctx, msc.DataProducerOptions{Label: "chat", AppData: dd})
	require.NoError(t, err)
	require.Len(t, hooked, 4)
	require.Equal(t, pd, hooked[2])
	require.Equal(t, dd, hooked[3])
	prod.AppData()["extra"] = "x"
	require.Equal(t, "x", pd["extra"], "the producer keeps the given map")
	require.Equal(t, dd, dp.AppData())

	n, err := bob.sig.WaitNotification(ctx, testbed.NotifyNewProducer, func(n testbed.Notification) bool {
		var info testbed.ProducerInfo
		return n.Decode(&info) == nil && info.ProducerID == prod.ID()
	})
	require.NoError(t, err)
	var info testbed.ProducerInfo
	require.NoError(t, n.Decode(&info))
	require.Equal(t, "mic", info.AppData["source"])
	n, err = bob.sig.WaitNotification(ctx, testbed.NotifyNewDataProducer, func(n testbed.Notification) bool {
		var info testbed.DataProducerInfo
		return n.Decode(&info) == nil && info.DataProducerID == dp.ID()
	})
	require.NoError(t, err)
	var dinfo testbed.DataProducerInfo
	require.NoError(t, n.Decode(&dinfo))
	require.Equal(t, msc.AppData{"channel": "chat"}, dinfo.AppData)

	co := bob.serverConsume(ctx, recv, prod.ID())
	co.AppData = msc.AppData{"view": "grid"}
	c2, err := recv.Consume(ctx, co)
	require.NoError(t, err)
	require.Equal(t, msc.AppData{"view": "grid"}, c2.AppData())
	res, err := bob.sig.ConsumeData(ctx, recv.ID(), dp.ID())
	require.NoError(t, err)
	do := res.Options()
	do.AppData = msc.AppData{"panel": "side"}
	dc2, err := recv.ConsumeData(ctx, do)
	require.NoError(t, err)
	require.Equal(t, msc.AppData{"panel": "side"}, dc2.AppData())
	tr := bob.transportWith("recv", false, func(o *msc.TransportOptions) { o.AppData = msc.AppData{"role": "viewer"} })
	require.Equal(t, msc.AppData{"role": "viewer"}, tr.AppData())
}

// serverConsumerPackets reads the server consumer's sent packet count.
func serverConsumerPackets(t testing.TB, ctx context.Context, p *peer, id string) int64 {
	t.Helper()
	stats, err := p.sig.GetStats(ctx, testbed.TypeConsumer, id)
	require.NoError(t, err)
	for _, s := range stats {
		if s.Type() == "outbound-rtp" {
			return s.Int("packetCount")
		}
	}
	t.Fatalf("no outbound-rtp entry in %v", stats)
	return 0
}

// TestAPILocalPause: with the server still sending (its consumer is not
// paused and its packet count grows), Consumer.Pause lets no packet reach
// ReadRTP; Resume alone brings the stream back.
func TestAPILocalPause(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	_, bob, send, recv := newPair(t)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	requireFlow(t, cons, 30)

	for round := 0; round < 2; round++ {
		cons.Pause()
		require.True(t, cons.Paused())
		before := serverConsumerPackets(t, ctx, bob, cons.ID())
		noPackets(t, cons.Track(), 1500*time.Millisecond)
		after := serverConsumerPackets(t, ctx, bob, cons.ID())
		require.Greater(t, after, before+20, "the server kept sending while paused locally")
		var d struct {
			Paused bool `json:"paused"`
		}
		serverDump(t, ctx, bob, testbed.TypeConsumer, cons.ID(), &d)
		require.False(t, d.Paused)
		cons.Resume()
		require.False(t, cons.Paused())
		requireFlow(t, cons, 30)
	}
}
