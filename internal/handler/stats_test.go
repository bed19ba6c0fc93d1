package handler

import (
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// fakeClock is the interceptor's clock; readers set it to each packet's
// arrival time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// inPacket is a packet arriving at an offset from the stream's start.
type inPacket struct {
	raw []byte
	at  time.Duration
}

// rtpSource is an interceptor.RTPReader returning its packets, then io.EOF.
type rtpSource struct {
	clock *fakeClock
	start time.Time
	pkts  []inPacket
}

func (s *rtpSource) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	if len(s.pkts) == 0 {
		return 0, a, io.EOF
	}
	p := s.pkts[0]
	s.pkts = s.pkts[1:]
	s.clock.set(s.start.Add(p.at))
	return copy(b, p.raw), a, nil
}

func marshalRTP(t *testing.T, p *rtp.Packet) []byte {
	t.Helper()
	raw, err := p.Marshal()
	require.NoError(t, err)
	return raw
}

const testSSRC = 1111

// audio returns an Opus packet (48 kHz, 20 ms) of the test stream.
func audio(t *testing.T, seq uint16, ts uint32, at time.Duration) inPacket {
	return audioOf(t, testSSRC, seq, ts, at)
}

func audioOf(t *testing.T, ssrc uint32, seq uint16, ts uint32, at time.Duration) inPacket {
	return inPacket{raw: marshalRTP(t, &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc},
		Payload: make([]byte, 100),
	}), at: at}
}

func TestStatsRemoteStream(t *testing.T) {
	defer goleak.VerifyNone(t)
	ms := time.Millisecond
	// A packet with a header extension and padding: counted whole.
	ext := rtp.Packet{
		Header: rtp.Header{
			Version: 2, PayloadType: 111, SequenceNumber: 7, Timestamp: 960, SSRC: testSSRC,
			Padding: true,
		},
		Payload:     make([]byte, 50),
		PaddingSize: 4,
	}
	require.NoError(t, ext.Header.SetExtension(1, []byte{1, 2}))
	extRaw := marshalRTP(t, &ext)
	other := marshalRTP(t, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 100, SSRC: 2222}, Payload: []byte{1}})

	for _, tc := range []struct {
		name     string
		pkts     func() []inPacket
		received uint64
		lost     int64
		jitter   float64 // seconds; negative: only checked to be positive
		last     time.Duration
	}{
		{"in order", func() []inPacket {
			return []inPacket{audio(t, 10, 0, 0), audio(t, 11, 960, 20*ms), audio(t, 12, 1920, 40*ms)}
		}, 3, 0, 0, 40 * ms},
		{"gap", func() []inPacket {
			return []inPacket{audio(t, 10, 0, 0), audio(t, 11, 960, 20*ms), audio(t, 14, 3840, 80*ms), audio(t, 15, 4800, 100*ms)}
		}, 4, 2, 0, 100 * ms},
		{"reorder", func() []inPacket {
			return []inPacket{audio(t, 10, 0, 0), audio(t, 12, 1920, 40*ms), audio(t, 11, 960, 41*ms), audio(t, 13, 2880, 60*ms)}
		}, 4, 0, -1, 60 * ms},
		{"sequence wrap with a gap", func() []inPacket {
			return []inPacket{audio(t, 65534, 0, 0), audio(t, 65535, 960, 20*ms), audio(t, 1, 2880, 60*ms), audio(t, 2, 3840, 80*ms)}
		}, 4, 1, 0, 80 * ms},
		{"reorder across the wrap", func() []inPacket {
			return []inPacket{audio(t, 65535, 0, 0), audio(t, 1, 1920, 40*ms), audio(t, 0, 960, 41*ms), audio(t, 2, 2880, 60*ms)}
		}, 4, 0, -1, 60 * ms},
		{"many wraps", func() []inPacket {
			var pkts []inPacket
			for i := 0; i < 3*65536+10; i += 1000 {
				pkts = append(pkts, audio(t, uint16(i), uint32(i)*960, time.Duration(i)*20*ms))
			}
			return pkts
		}, 197, 196 * 999, 0, 196000 * 20 * ms},
		{"duplicate counts as received", func() []inPacket {
			return []inPacket{audio(t, 10, 0, 0), audio(t, 11, 960, 20*ms), audio(t, 11, 960, 20*ms)}
		}, 3, -1, 0, 20 * ms},
		{"timestamp wrap", func() []inPacket {
			return []inPacket{audio(t, 10, 0xFFFFFFFF-959, 0), audio(t, 11, 0, 20*ms), audio(t, 12, 960, 40*ms)}
		}, 3, 0, 0, 40 * ms},
		{"jitter per RFC 3550", func() []inPacket {
			// D: 0, +480, -480 timestamp units: J = 30, then 30 + (480-30)/16.
			return []inPacket{audio(t, 10, 0, 0), audio(t, 11, 960, 20*ms), audio(t, 12, 1920, 50*ms), audio(t, 13, 2880, 60*ms)}
		}, 4, 0, 58.125 / 48000, 60 * ms},
		{"other SSRC and garbage ignored", func() []inPacket {
			return []inPacket{audio(t, 10, 0, 0), {raw: other, at: 5 * ms}, {raw: []byte{0x80, 1}, at: 6 * ms}, audio(t, 11, 960, 20*ms)}
		}, 2, 0, 0, 20 * ms},
		{"extension and padding", func() []inPacket {
			return []inPacket{{raw: extRaw, at: 3 * ms}}
		}, 1, 0, 0, 3 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{}
			i := newStatsInterceptor(clock.now)
			pkts := tc.pkts()
			var bytes uint64
			for _, p := range pkts {
				var h rtp.Header
				if _, err := h.Unmarshal(p.raw); err == nil && h.SSRC == testSSRC {
					bytes += uint64(len(p.raw))
				}
			}
			start := time.Unix(1700000000, 0)
			info := &interceptor.StreamInfo{SSRC: testSSRC, ClockRate: 48000}
			r := i.BindRemoteStream(info, &rtpSource{clock: clock, start: start, pkts: pkts})
			assert.NotNil(t, i.Get(testSSRC), "bound before any packet")
			buf := make([]byte, 1500)
			for {
				if _, _, err := r.Read(buf, nil); err != nil {
					require.ErrorIs(t, err, io.EOF)
					break
				}
			}
			s := i.Get(testSSRC)
			require.NotNil(t, s)
			in := s.InboundRTPStreamStats
			assert.Equal(t, tc.received, in.PacketsReceived, "packets")
			assert.Equal(t, bytes, in.BytesReceived, "bytes")
			assert.Equal(t, tc.lost, in.PacketsLost, "lost")
			if tc.jitter < 0 {
				assert.Positive(t, in.Jitter, "jitter")
			} else {
				assert.InDelta(t, tc.jitter, in.Jitter, 1e-9, "jitter")
			}
			assert.Equal(t, start.Add(tc.last), in.LastPacketReceivedTimestamp, "last packet")
			assert.Zero(t, s.OutboundRTPStreamStats, "no local stream with this SSRC")
			assert.Nil(t, i.Get(2222), "packets of an unbound SSRC leave no state")

			i.UnbindRemoteStream(info)
			assert.Nil(t, i.Get(testSSRC))
			require.NoError(t, i.Close())
		})
	}
}

// rtpSink is an interceptor.RTPWriter counting its writes.
type rtpSink struct{ writes int }

func (s *rtpSink) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	s.writes++
	return len(payload), nil
}

func TestStatsLocalStream(t *testing.T) {
	defer goleak.VerifyNone(t)
	withExt := rtp.Header{Version: 2, SequenceNumber: 3, SSRC: testSSRC}
	require.NoError(t, withExt.SetExtension(3, []byte{1, 2, 3}))
	plain := &rtp.Header{Version: 2, SequenceNumber: 1, SSRC: testSSRC}

	for _, tc := range []struct {
		name    string
		headers []*rtp.Header
		payload int
		sent    uint64
		bytes   uint64
	}{
		{"plain", []*rtp.Header{plain, plain}, 100, 2, 2 * (12 + 100)},
		{"header extension", []*rtp.Header{&withExt}, 10, 1, uint64(withExt.MarshalSize() + 10)},
		{"other SSRC and nil header not counted", []*rtp.Header{plain, {Version: 2, SSRC: 9}, nil}, 5, 1, 12 + 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := newStatsInterceptor(time.Now)
			info := &interceptor.StreamInfo{SSRC: testSSRC, ClockRate: 90000}
			sink := &rtpSink{}
			w := i.BindLocalStream(info, sink)
			for _, h := range tc.headers {
				_, err := w.Write(h, make([]byte, tc.payload), nil)
				require.NoError(t, err)
			}
			assert.Equal(t, len(tc.headers), sink.writes, "every packet passed on")
			s := i.Get(testSSRC)
			require.NotNil(t, s)
			assert.Equal(t, tc.sent, s.OutboundRTPStreamStats.PacketsSent)
			assert.Equal(t, tc.bytes, s.OutboundRTPStreamStats.BytesSent)
			assert.Zero(t, s.InboundRTPStreamStats, "no remote stream with this SSRC")
			i.UnbindLocalStream(info)
			assert.Nil(t, i.Get(testSSRC))
			require.NoError(t, i.Close())
		})
	}
}

// rtcpSource is an interceptor.RTCPReader returning one buffer, then io.EOF.
type rtcpSource struct{ raw []byte }

func (s *rtcpSource) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	if s.raw == nil {
		return 0, a, io.EOF
	}
	n := copy(b, s.raw)
	s.raw = nil
	return n, a, nil
}

// rtcpSink is an interceptor.RTCPWriter counting the packets written.
type rtcpSink struct{ pkts atomic.Int64 }

func (s *rtcpSink) Write(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
	s.pkts.Add(int64(len(pkts)))
	return 0, nil
}

func TestStatsRTCP(t *testing.T) {
	defer goleak.VerifyNone(t)
	const (
		localA, localB   = 10, 11
		remoteR, remoteS = 20, 21
		unbound          = 99
		sender           = 1 // the RTCP packets' sender SSRC
	)
	type counts struct{ fir, pli, nack uint32 }
	pli := func(ssrc uint32) rtcp.Packet { return &rtcp.PictureLossIndication{SenderSSRC: sender, MediaSSRC: ssrc} }
	nack := func(ssrc uint32) rtcp.Packet {
		return &rtcp.TransportLayerNack{SenderSSRC: sender, MediaSSRC: ssrc, Nacks: []rtcp.NackPair{{PacketID: 5}}}
	}
	fir := func(ssrcs ...uint32) rtcp.Packet {
		p := &rtcp.FullIntraRequest{SenderSSRC: sender}
		for k, s := range ssrcs {
			p.FIR = append(p.FIR, rtcp.FIREntry{SSRC: s, SequenceNumber: uint8(k)})
		}
		return p
	}
	rr := &rtcp.ReceiverReport{SSRC: sender, Reports: []rtcp.ReceptionReport{{SSRC: localA}}}

	for _, tc := range []struct {
		name string
		pkts []rtcp.Packet
		// received by local streams (through the RTCP reader) and sent for
		// remote streams (through the RTCP writer), by SSRC.
		local, remote map[uint32]counts
	}{
		{"PLI", []rtcp.Packet{pli(localA), pli(remoteR)},
			map[uint32]counts{localA: {pli: 1}}, map[uint32]counts{remoteR: {pli: 1}}},
		{"FIR naming a stream twice counts once", []rtcp.Packet{fir(localA, localA, localB), fir(remoteR, remoteS, remoteS)},
			map[uint32]counts{localA: {fir: 1}, localB: {fir: 1}}, map[uint32]counts{remoteR: {fir: 1}, remoteS: {fir: 1}}},
		{"NACK and PLI in one compound", []rtcp.Packet{rr, nack(localB), pli(localB), nack(remoteS), nack(remoteS)},
			map[uint32]counts{localB: {pli: 1, nack: 1}}, map[uint32]counts{remoteS: {nack: 2}}},
		{"unbound SSRCs", []rtcp.Packet{rr, pli(unbound), nack(unbound), fir(unbound)}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := newStatsInterceptor(time.Now)
			for _, s := range []uint32{localA, localB} {
				i.BindLocalStream(&interceptor.StreamInfo{SSRC: s}, &rtpSink{})
			}
			for _, s := range []uint32{remoteR, remoteS} {
				i.BindRemoteStream(&interceptor.StreamInfo{SSRC: s, ClockRate: 90000}, &rtpSource{})
			}
			raw, err := rtcp.Marshal(tc.pkts)
			require.NoError(t, err)

			attrs := interceptor.Attributes{}
			n, got, err := i.BindRTCPReader(&rtcpSource{raw: raw}).Read(make([]byte, 1500), attrs)
			require.NoError(t, err)
			assert.Equal(t, len(raw), n)
			cached, err := got.GetRTCPPackets(nil)
			require.NoError(t, err, "the parse is left in the attributes")
			assert.Len(t, cached, len(tc.pkts))

			sink := &rtcpSink{}
			_, err = i.BindRTCPWriter(sink).Write(tc.pkts, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(len(tc.pkts)), sink.pkts.Load(), "RTCP passed on")

			for _, s := range []uint32{localA, localB} {
				out := i.Get(s).OutboundRTPStreamStats
				assert.Equal(t, tc.local[s], counts{out.FIRCount, out.PLICount, out.NACKCount}, "received for local %d", s)
			}
			for _, s := range []uint32{remoteR, remoteS} {
				in := i.Get(s).InboundRTPStreamStats
				assert.Equal(t, tc.remote[s], counts{in.FIRCount, in.PLICount, in.NACKCount}, "sent for remote %d", s)
			}
			assert.Nil(t, i.Get(unbound), "RTCP creates no state")
			require.NoError(t, i.Close())
			assert.Nil(t, i.Get(localA), "Close frees every stream")
		})
	}
}

// badRTCPReader returns what a broken reader could: a length beyond the
// buffer, garbage, an error.
type badRTCPReader struct{ step int }

func (r *badRTCPReader) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	r.step++
	switch r.step {
	case 1:
		return len(b) + 10, a, nil
	case 2:
		return copy(b, []byte{0x80, 0xc8, 0, 9}), nil, nil
	case 3:
		return -1, a, nil
	default:
		return 0, a, io.ErrClosedPipe
	}
}

func TestStatsBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	i := newStatsInterceptor(time.Now)
	r := i.BindRTCPReader(&badRTCPReader{})
	buf := make([]byte, 100)
	for k := 0; k < 3; k++ {
		_, _, err := r.Read(buf, nil)
		require.NoError(t, err)
	}
	_, _, err := r.Read(buf, nil)
	require.ErrorIs(t, err, io.ErrClosedPipe, "the reader's error passed on")

	assert.NotPanics(t, func() {
		i.BindRemoteStream(nil, &rtpSource{})
		i.BindLocalStream(nil, &rtpSink{})
		i.UnbindRemoteStream(nil)
		i.UnbindLocalStream(nil)
		_, err := i.BindRTCPWriter(&rtcpSink{}).Write([]rtcp.Packet{nil, &rtcp.FullIntraRequest{}}, nil)
		assert.NoError(t, err)
	})
	require.NoError(t, i.Close())
	i.BindRemoteStream(&interceptor.StreamInfo{SSRC: 5}, &rtpSource{})
	assert.Nil(t, i.Get(5), "nothing is kept after Close")
}

func TestStatsUnbindFreesState(t *testing.T) {
	defer goleak.VerifyNone(t)
	clock := &fakeClock{}
	i := newStatsInterceptor(clock.now)
	rtcpW := i.BindRTCPWriter(&rtcpSink{})
	buf := make([]byte, 1500)
	for k := uint32(0); k < 10000; k++ {
		remote := &interceptor.StreamInfo{SSRC: 2 * k, ClockRate: 48000}
		local := &interceptor.StreamInfo{SSRC: 2*k + 1, ClockRate: 48000}
		src := &rtpSource{clock: clock, pkts: []inPacket{audioOf(t, remote.SSRC, 1, 0, 0)}}
		_, _, err := i.BindRemoteStream(remote, src).Read(buf, nil)
		require.NoError(t, err)
		_, err = i.BindLocalStream(local, &rtpSink{}).Write(&rtp.Header{Version: 2, SSRC: local.SSRC}, nil, nil)
		require.NoError(t, err)
		_, err = rtcpW.Write([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: remote.SSRC}}, nil)
		require.NoError(t, err)
		require.Equal(t, uint64(1), i.Get(remote.SSRC).InboundRTPStreamStats.PacketsReceived)
		require.Equal(t, uint32(1), i.Get(remote.SSRC).InboundRTPStreamStats.PLICount)
		require.Equal(t, uint64(1), i.Get(local.SSRC).OutboundRTPStreamStats.PacketsSent)
		i.UnbindRemoteStream(remote)
		i.UnbindLocalStream(local)
		require.Nil(t, i.Get(remote.SSRC))
		require.Nil(t, i.Get(local.SSRC))
	}
	i.mu.Lock()
	assert.Empty(t, i.remote)
	assert.Empty(t, i.local)
	i.mu.Unlock()
	require.NoError(t, i.Close())
}

func TestStatsFactory(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := &StatsFactory{}
	_, err := f.NewInterceptor("before")
	require.NoError(t, err, "no callback set")
	var ids []string
	var getters []StatsGetter
	f.OnNewPeerConnection(func(id string, g StatsGetter) {
		ids, getters = append(ids, id), append(getters, g)
	})
	a, err := f.NewInterceptor("a")
	require.NoError(t, err)
	b, err := f.NewInterceptor("b")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ids)
	require.Len(t, getters, 2)
	assert.Same(t, a.(*statsInterceptor), getters[0].(*statsInterceptor))
	assert.Same(t, b.(*statsInterceptor), getters[1].(*statsInterceptor))

	// Each peer connection has its own streams.
	a.BindLocalStream(&interceptor.StreamInfo{SSRC: 1}, &rtpSink{})
	assert.NotNil(t, getters[0].Get(1))
	assert.Nil(t, getters[1].Get(1))
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
}

// TestStatsConcurrent runs streams, RTCP, reads and unbinds at once (for
// the race detector).
func TestStatsConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	i := newStatsInterceptor(time.Now)
	w := i.BindRTCPWriter(&rtcpSink{})
	var wg sync.WaitGroup
	for g := uint32(0); g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for k := uint32(0); k < 200; k++ {
				ssrc := g*1000 + k
				info := &interceptor.StreamInfo{SSRC: ssrc, ClockRate: 90000}
				raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: ssrc, SequenceNumber: uint16(k)}}).Marshal()
				r := i.BindRemoteStream(info, &rtpSource{clock: &fakeClock{}, pkts: []inPacket{{raw: raw}, {raw: raw}}})
				_, _, _ = r.Read(buf, nil)
				_, _ = w.Write([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}, nil)
				_, _, _ = r.Read(buf, nil)
				_ = i.Get(ssrc)
				i.UnbindRemoteStream(info)
			}
		}()
	}
	wg.Wait()
	i.mu.Lock()
	assert.Empty(t, i.remote)
	i.mu.Unlock()
	require.NoError(t, i.Close())
}
