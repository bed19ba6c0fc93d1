package sdk

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// newPeerOn is newPeer on another server, with an optional setting engine.
func newPeerOn(t testing.TB, srv *testbed.Server, room string, se *webrtc.SettingEngine) *peer {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	sig, err := srv.Dial(ctx, room)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sig.Close() })
	caps, err := sig.GetRouterRTPCapabilities(ctx)
	require.NoError(t, err)
	if se == nil {
		se = loopbackOnly()
	}
	dev, err := msc.NewDevice(testDeviceOptions(se))
	require.NoError(t, err)
	require.NoError(t, dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: caps}))
	return &peer{t: t, sig: sig, device: dev, caps: caps}
}

// TestWorkerKilled: the mediasoup worker dies mid-session. The client's
// transports fail and say so, a pending read ends, calls return, Close
// leaves no goroutine behind, and a new Device works against a new server.
func TestWorkerKilled(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	g0 := settledGoroutines()
	srv, err := testbed.Start(ctx, testbed.Options{})
	require.NoError(t, err)
	defer func() { _ = srv.Close() }()
	room := newRoom(t)
	se := loopbackOnly()
	se.SetICETimeouts(time.Second, 2*time.Second, 200*time.Millisecond)
	alice, bob := newPeerOn(t, srv, room, se), newPeerOn(t, srv, room, se)
	send, recv := alice.transport("send", false), bob.transport("recv", false)
	sendStates, recvStates := watchStates(send), watchStates(recv)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	cons := bob.consume(ctx, recv, prod.ID())
	readPackets(t, cons.Track(), 10, 10*time.Second)
	trackEnded := make(chan struct{})
	cons.OnTrackEnded(func() { close(trackEnded) })

	require.NoError(t, syscall.Kill(srv.WorkerPID, syscall.SIGKILL))
	killed := time.Now()
	failedAt := recvStates.waitFor(t, ctx, webrtc.PeerConnectionStateFailed)
	sendStates.waitFor(t, ctx, webrtc.PeerConnectionStateFailed)
	t.Logf("worker killed: receive transport failed after %v", failedAt.Sub(killed).Round(time.Millisecond))
	select {
	case <-trackEnded:
	case <-time.After(5 * time.Second):
		t.Fatal("OnTrackEnded did not fire")
	}
	// Calls return promptly, with or without an error.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	_, _ = recv.GetStats(cctx)
	_, _ = cons.GetStats(cctx)
	_, _ = send.Produce(cctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.Less(t, time.Since(start), 6*time.Second)
	// What was buffered drains, then reads end at their deadline: no media.
	require.NoError(t, cons.Track().SetReadDeadline(time.Now().Add(2*time.Second)))
	for err == nil {
		_, _, err = cons.Track().ReadRTP()
	}
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)

	send.Close()
	recv.Close()
	require.Equal(t, webrtc.PeerConnectionStateClosed, recv.ConnectionState())
	// The test server exits when its worker dies.
	select {
	case <-srv.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("the server outlived its worker")
	}

	// A fresh device on a fresh server works.
	srv2, err := testbed.Start(ctx, testbed.Options{})
	require.NoError(t, err)
	carol, dave := newPeerOn(t, srv2, room, nil), newPeerOn(t, srv2, room, nil)
	s2, r2 := carol.transport("send", false), dave.transport("recv", false)
	p2, err := s2.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	c2 := dave.consume(ctx, r2, p2.ID())
	readPackets(t, c2.Track(), 10, 10*time.Second)
	s2.Close()
	r2.Close()
	require.NoError(t, srv2.Close())
	for _, p := range []*peer{alice, bob, carol, dave} {
		_ = p.sig.Close()
	}
	g1 := settledGoroutines()
	t.Logf("goroutines before %d, after %d", g0, g1)
	require.LessOrEqual(t, g1, g0+5, "goroutines back to the start")
}

// TestBlackHoleThenRestartICE: every datagram between the receive
// transport and the server is dropped until the transport fails; then the
// path comes back and RestartICE (with the server's new ICE parameters)
// brings the media back. The gap and the recovery time are logged.
func TestBlackHoleThenRestartICE(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	se := loopbackOnly()
	se.SetICETimeouts(time.Second, 2*time.Second, 200*time.Millisecond)
	alice, bob := newPeer(t, room), newPeerOn(t, server, room, se)
	send := alice.transport("send", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)

	// Nothing is dropped until the relay is blocked.
	recv, gate := bob.transportViaRelay(ctx, "recv", 1)
	states := watchStates(recv)
	cons := bob.consume(ctx, recv, prod.ID())
	readPackets(t, cons.Track(), 10, 10*time.Second)

	var last atomic.Int64
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	var gap time.Duration
	var gapMu sync.Mutex
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = cons.Track().SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _, err := cons.Track().ReadRTP()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return
			}
			now := time.Now().UnixNano()
			if prev := last.Swap(now); prev != 0 {
				gapMu.Lock()
				if d := time.Duration(now - prev); d > gap {
					gap = d
				}
				gapMu.Unlock()
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	gate.blocked.Store(true)
	blockedAt := time.Now()
	failedAt := states.waitFor(t, ctx, webrtc.PeerConnectionStateFailed)
	t.Logf("black hole: failed after %v", failedAt.Sub(blockedAt).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond) // beyond the failed state
	gate.blocked.Store(false)
	ice, err := bob.sig.RestartICE(ctx, recv.ID())
	require.NoError(t, err)
	restartAt := time.Now()
	require.NoError(t, recv.RestartICE(ctx, ice))
	before := last.Load()
	deadline := time.Now().Add(15 * time.Second)
	for last.Load() == before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.NotEqual(t, before, last.Load(), "media came back after RestartICE")
	back := time.Unix(0, last.Load())
	close(stop)
	readers.Wait()
	gapMu.Lock()
	defer gapMu.Unlock()
	t.Logf("RestartICE to first packet: %v; longest media gap %v (black hole held %v)",
		back.Sub(restartAt).Round(time.Millisecond), gap.Round(time.Millisecond), restartAt.Sub(blockedAt).Round(time.Millisecond))
	require.Less(t, back.Sub(restartAt), 5*time.Second)
}

// TestWrongFingerprint: a transport given a DTLS fingerprint that is not
// the server's fails fast, Consume does not wait for it, and a read
// pending on the consumer ends with the failure.
func TestWrongFingerprint(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")})
	require.NoError(t, err)
	info, err := bob.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	require.NoError(t, err)
	dtls := info.DTLSParameters
	dtls.Fingerprints = append([]msc.DTLSFingerprint(nil), dtls.Fingerprints...)
	for i := range dtls.Fingerprints {
		v := []byte(dtls.Fingerprints[i].Value)
		if v[0] == 'A' {
			v[0] = 'B'
		} else {
			v[0] = 'A'
		}
		dtls.Fingerprints[i].Value = string(v)
	}
	recv, err := bob.device.CreateRecvTransport(msc.TransportOptions{ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: info.ICECandidates, DTLSParameters: dtls})
	require.NoError(t, err)
	t.Cleanup(recv.Close)
	recv.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return bob.sig.ConnectWebRTCTransport(ctx, recv.ID(), p.DTLSParameters)
	})
	states := watchStates(recv)
	start := time.Now()
	c, err := recv.Consume(ctx, bob.serverConsume(ctx, recv, prod.ID()))
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second)
	read := make(chan error, 1)
	go func() { _, _, err := c.Track().ReadRTP(); read <- err }()
	failedAt := states.waitFor(t, ctx, webrtc.PeerConnectionStateFailed)
	t.Logf("wrong fingerprint: failed %v after Consume", failedAt.Sub(start).Round(time.Millisecond))
	require.Less(t, failedAt.Sub(start), 5*time.Second, "fails fast")
	select {
	case err := <-read:
		require.ErrorIs(t, err, msc.ErrInvalidState)
	case <-time.After(2 * time.Second):
		t.Fatal("pending read outlived the failure")
	}
}
