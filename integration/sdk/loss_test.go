package sdk

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// lossyRelay forwards UDP between a client and the server on loopback and
// drops every nth RTP packet of one payload type going one way: server to
// client, or client to server when upstream is set.
type lossyRelay struct {
	front, back *net.UDPConn
	server      *net.UDPAddr
	pt          atomic.Uint32
	every       int
	upstream    bool
	dropped     sync.Map // sequence number -> true
	drops       atomic.Int64
	// blocked drops every datagram both ways (a black hole).
	blocked atomic.Bool
	wg      sync.WaitGroup
}

func newLossyRelay(t testing.TB, server *net.UDPAddr, every int, upstream bool) *lossyRelay {
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	back, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	r := &lossyRelay{front: front, back: back, server: server, every: every, upstream: upstream}
	var client atomic.Pointer[net.UDPAddr]
	count := 0
	// drop says whether a datagram going the lossy way is dropped.
	drop := func(b []byte) bool {
		isRTP := len(b) >= 12 && b[0]>>6 == 2 && !(b[1] >= 192 && b[1] <= 223)
		if !isRTP || uint32(b[1]&0x7f) != r.pt.Load() {
			return false
		}
		count++
		if count%r.every != 0 {
			return false
		}
		r.dropped.Store(uint16(b[2])<<8|uint16(b[3]), true)
		r.drops.Add(1)
		return true
	}
	r.wg.Add(2)
	go func() { // client -> server
		defer r.wg.Done()
		buf := make([]byte, 2048)
		for {
			n, from, err := front.ReadFromUDP(buf)
			if err != nil {
				return
			}
			client.Store(from)
			if r.blocked.Load() || r.upstream && drop(buf[:n]) {
				continue
			}
			_, _ = back.WriteToUDP(buf[:n], server)
		}
	}()
	go func() { // server -> client
		defer r.wg.Done()
		buf := make([]byte, 2048)
		for {
			n, _, err := back.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if r.blocked.Load() || !r.upstream && drop(buf[:n]) {
				continue
			}
			if to := client.Load(); to != nil {
				_, _ = front.WriteToUDP(buf[:n], to)
			}
		}
	}()
	t.Cleanup(func() {
		_ = front.Close()
		_ = back.Close()
		r.wg.Wait()
	})
	return r
}

// transportViaRelay creates a transport whose only server candidate is a
// lossy relay in front of the server's UDP candidate: it drops 1 in every
// packets of the payload type set on the relay, on the media's way (to the
// client for "recv", to the server for "send").
func (p *peer) transportViaRelay(ctx context.Context, dir string, every int) (*msc.Transport, *lossyRelay) {
	t := p.t
	t.Helper()
	info, err := p.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: dir})
	require.NoError(t, err)
	var udp *msc.ICECandidate
	for i := range info.ICECandidates {
		if info.ICECandidates[i].Protocol == "udp" {
			udp = &info.ICECandidates[i]
		}
	}
	require.NotNil(t, udp)
	relay := newLossyRelay(t, &net.UDPAddr{IP: net.ParseIP(udp.Host()), Port: int(udp.Port)}, every, dir == "send")
	viaRelay := *udp
	viaRelay.Port = uint16(relay.front.LocalAddr().(*net.UDPAddr).Port)
	opts := msc.TransportOptions{
		ID: info.ID, ICEParameters: info.ICEParameters, ICECandidates: []msc.ICECandidate{viaRelay}, DTLSParameters: info.DTLSParameters,
	}
	var tr *msc.Transport
	if dir == "send" {
		tr, err = p.device.CreateSendTransport(opts)
	} else {
		tr, err = p.device.CreateRecvTransport(opts)
	}
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	tr.OnConnect(func(ctx context.Context, cp msc.ConnectParams) error {
		return p.sig.ConnectWebRTCTransport(ctx, tr.ID(), cp.DTLSParameters)
	})
	tr.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		return p.sig.Produce(ctx, testbed.ProduceOptions{TransportID: tr.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters, AppData: pp.AppData})
	})
	return tr, relay
}

// TestLossRecovery: a relay drops 1 in 15 video packets on their way to the
// consumer; pion NACKs them, the server retransmits over RTX, and the
// consumer's stream ends up with no gap.
func TestLossRecovery(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send := alice.transport("send", false)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)

	recv, relay := bob.transportViaRelay(ctx, "recv", 15)
	opts := bob.serverConsume(ctx, recv, prod.ID())
	require.NotNil(t, opts.RTPParameters.Encodings[0].RTX, "consumer negotiated RTX")
	relay.pt.Store(uint32(opts.RTPParameters.Codecs[0].PayloadType))
	cons, err := recv.Consume(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, bob.sig.ResumeConsumer(ctx, cons.ID()))

	pkts := readPackets(t, cons.Track(), 400, 30*time.Second)
	require.Greater(t, relay.drops.Load(), int64(10), "relay dropped packets")
	seen := map[uint16]bool{}
	for _, p := range pkts {
		require.Equal(t, opts.RTPParameters.Encodings[0].SSRC, p.SSRC)
		seen[p.SequenceNumber] = true
	}
	// Every sequence number from the first to well before the last arrived
	// (the tail may still be waiting for its retransmission).
	first, last := pkts[0].SequenceNumber, pkts[len(pkts)-1].SequenceNumber
	if pkts[1].SequenceNumber < first {
		first = pkts[1].SequenceNumber
	}
	recovered := 0
	for s := first; s != last-30; s++ {
		require.True(t, seen[s], "sequence number %d never arrived", s)
		if _, ok := relay.dropped.Load(s); ok {
			recovered++
		}
	}
	require.Greater(t, recovered, 5, "dropped packets that came back over RTX")
	stats, err := bob.sig.GetStats(ctx, testbed.ObjectType("consumer"), cons.ID())
	require.NoError(t, err)
	var retransmitted int64
	for _, s := range stats {
		retransmitted += s.Int("packetsRetransmitted")
	}
	require.Positive(t, retransmitted, "server retransmitted packets")
	t.Logf("dropped %d, recovered %d in range, server retransmitted %d", relay.drops.Load(), recovered, retransmitted)
}

// TestSendLossRecovery: a relay drops 1 in 15 of a Go producer's video
// packets on their way to the server; the server NACKs them, the producer
// resends them (pion v3 resends on the media SSRC), and a consumer on a
// clean path gets the stream without a gap.
func TestSendLossRecovery(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	send, relay := alice.transportViaRelay(ctx, "send", 15)
	prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
	require.NoError(t, err)
	relay.pt.Store(uint32(prod.RTPParameters().Codecs[0].PayloadType))

	recv := bob.transport("recv", false)
	cons := bob.consume(ctx, recv, prod.ID())
	pkts := readPackets(t, cons.Track(), 400, 30*time.Second)
	require.Greater(t, relay.drops.Load(), int64(10), "relay dropped packets")

	seen := map[uint16]bool{}
	for _, p := range pkts {
		seen[p.SequenceNumber] = true
	}
	first, last := pkts[0].SequenceNumber, pkts[len(pkts)-1].SequenceNumber
	if pkts[1].SequenceNumber < first {
		first = pkts[1].SequenceNumber
	}
	for s := first; s != last-30; s++ {
		require.True(t, seen[s], "sequence number %d never reached the consumer", s)
	}
	stats, err := alice.sig.GetStats(ctx, testbed.ObjectType("producer"), prod.ID())
	require.NoError(t, err)
	var nacks, repaired int64
	for _, s := range stats {
		nacks += s.Int("nackCount")
		repaired += s.Int("packetsRepaired")
	}
	require.Positive(t, nacks, "server NACKed the lost packets")
	require.Greater(t, repaired, int64(5), "server got the lost packets again")
	t.Logf("dropped %d, server sent %d NACKs, %d packets repaired", relay.drops.Load(), nacks, repaired)
}

// TestSendLossRecoverySimulcast: the same with a three-layer simulcast
// producer: every layer's lost packets are NACKed and sent again.
func TestSendLossRecoverySimulcast(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	room := newRoom(t)
	alice := newPeer(t, room)
	send, relay := alice.transportViaRelay(ctx, "send", 15)
	prod := produceSimulcast(ctx, t, send)
	relay.pt.Store(uint32(prod.RTPParameters().Codecs[0].PayloadType))
	layers := map[uint32]bool{}
	for _, e := range prod.RTPParameters().Encodings {
		layers[e.SSRC] = true
	}
	require.Len(t, layers, 3)

	// Every layer's stream on the server reports repaired packets.
	repaired := map[uint32]int64{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		stats, err := alice.sig.GetStats(ctx, testbed.ObjectType("producer"), prod.ID())
		require.NoError(t, err)
		done := 0
		for _, s := range stats {
			ssrc := uint32(s.Int("ssrc"))
			if layers[ssrc] {
				repaired[ssrc] = s.Int("packetsRepaired")
				if repaired[ssrc] > 2 {
					done++
				}
			}
		}
		if done == len(layers) {
			break
		}
		require.True(t, time.Now().Before(deadline), "repaired packets per layer after 30 s: %v (relay dropped %d)", repaired, relay.drops.Load())
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("dropped %d, repaired per layer SSRC: %v", relay.drops.Load(), repaired)
}
