package handler

import (
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// StatsGetter returns the current stats of the stream with an SSRC, or nil
// when no such stream is bound.
type StatsGetter interface {
	Get(ssrc uint32) *stats.Stats
}

// StatsFactory is an interceptor.Factory recording per-stream RTP stats.
// Unlike pion's stats interceptor, a stream's state is dropped when pion
// unbinds it, and RTCP updates only the streams each packet names.
type StatsFactory struct {
	mu      sync.Mutex
	onNewPC func(id string, g StatsGetter)
}

// OnNewPeerConnection sets the function called, synchronously, with the
// getter of each new peer connection.
func (f *StatsFactory) OnNewPeerConnection(cb func(id string, g StatsGetter)) {
	f.mu.Lock()
	f.onNewPC = cb
	f.mu.Unlock()
}

// NewInterceptor implements interceptor.Factory.
func (f *StatsFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i := newStatsInterceptor(time.Now)
	f.mu.Lock()
	cb := f.onNewPC
	f.mu.Unlock()
	if cb != nil {
		cb(id, i)
	}
	return i, nil
}

// statsInterceptor keeps the state of every bound stream. One mutex guards
// the maps and all streams' counters: each update is a few additions.
type statsInterceptor struct {
	interceptor.NoOp
	now func() time.Time

	mu     sync.Mutex
	remote map[uint32]*remoteStats
	local  map[uint32]*localStats
	closed bool
}

// remoteStats is an incoming stream's state.
type remoteStats struct {
	clockRate float64

	started    bool
	baseSeq    uint16 // first sequence number
	maxSeq     uint16 // highest sequence number seen
	wraps      int64  // times the sequence number wrapped
	received   uint64
	bytes      uint64
	lastRTPTS  uint32
	lastArrive time.Time
	jitter     float64 // RFC 3550 interarrival jitter, in RTP timestamp units

	sent feedback // sent for this stream
}

// localStats is an outgoing stream's state.
type localStats struct {
	sent  uint64
	bytes uint64

	received feedback // received for this stream
}

// feedback counts the RTCP feedback packets naming one stream.
type feedback struct{ fir, pli, nack uint32 }

func newStatsInterceptor(now func() time.Time) *statsInterceptor {
	return &statsInterceptor{
		now:    now,
		remote: map[uint32]*remoteStats{},
		local:  map[uint32]*localStats{},
	}
}

// Get returns the stats of the stream with ssrc, nil if it is not bound.
func (i *statsInterceptor) Get(ssrc uint32) *stats.Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	r, rok := i.remote[ssrc]
	l, lok := i.local[ssrc]
	if !rok && !lok {
		return nil
	}
	s := &stats.Stats{}
	if rok {
		in := &s.InboundRTPStreamStats
		in.PacketsReceived = r.received
		in.BytesReceived = r.bytes
		if r.started {
			expected := r.wraps<<16 + int64(r.maxSeq) - int64(r.baseSeq) + 1
			in.PacketsLost = expected - int64(r.received)
		}
		if r.clockRate > 0 {
			in.Jitter = r.jitter / r.clockRate
		}
		in.LastPacketReceivedTimestamp = r.lastArrive
		in.FIRCount, in.PLICount, in.NACKCount = r.sent.fir, r.sent.pli, r.sent.nack
	}
	if lok {
		out := &s.OutboundRTPStreamStats
		out.PacketsSent = l.sent
		out.BytesSent = l.bytes
		out.FIRCount, out.PLICount, out.NACKCount = l.received.fir, l.received.pli, l.received.nack
	}
	return s
}

// Close drops every stream's state.
func (i *statsInterceptor) Close() error {
	i.mu.Lock()
	i.closed = true
	i.remote = map[uint32]*remoteStats{}
	i.local = map[uint32]*localStats{}
	i.mu.Unlock()
	return nil
}

// BindRemoteStream records the stream's incoming packets.
func (i *statsInterceptor) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	if info == nil {
		return reader
	}
	ssrc := info.SSRC
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return reader
	}
	r := i.remote[ssrc]
	if r == nil {
		r = &remoteStats{clockRate: float64(info.ClockRate)}
		i.remote[ssrc] = r
	}
	i.mu.Unlock()
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil || n <= 0 || n > len(b) {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		h, herr := a.GetRTPHeader(b[:n])
		if herr != nil || h.SSRC != ssrc {
			return n, a, nil
		}
		now := i.now()
		i.mu.Lock()
		r.record(h, n, now)
		i.mu.Unlock()
		return n, a, nil
	})
}

// record counts one packet of n bytes (header and payload, as pion's
// recorder counts them) that arrived at now.
func (r *remoteStats) record(h *rtp.Header, n int, now time.Time) {
	r.received++
	r.bytes += uint64(n)
	seq, first := h.SequenceNumber, !r.started
	if first {
		r.started = true
		r.baseSeq, r.maxSeq = seq, seq
	} else if d := seq - r.maxSeq; d != 0 && d < 0x8000 {
		// Ahead of the highest (modulo 2^16): a wrap if it is numerically
		// smaller. Anything else is late (reordered or repeated).
		if seq < r.maxSeq {
			r.wraps++
		}
		r.maxSeq = seq
	}
	if r.clockRate > 0 && !first {
		// RFC 3550 6.4.1: D = (arrival difference) - (timestamp difference),
		// both in RTP timestamp units; the signed timestamp difference is
		// correct across 32-bit wraps.
		d := now.Sub(r.lastArrive).Seconds()*r.clockRate - float64(int32(h.Timestamp-r.lastRTPTS))
		if d < 0 {
			d = -d
		}
		r.jitter += (d - r.jitter) / 16
	}
	r.lastArrive, r.lastRTPTS = now, h.Timestamp
}

// UnbindRemoteStream drops the stream's state.
func (i *statsInterceptor) UnbindRemoteStream(info *interceptor.StreamInfo) {
	if info == nil {
		return
	}
	i.mu.Lock()
	delete(i.remote, info.SSRC)
	i.mu.Unlock()
}

// BindLocalStream records the stream's outgoing packets.
func (i *statsInterceptor) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	if info == nil {
		return writer
	}
	ssrc := info.SSRC
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return writer
	}
	l := i.local[ssrc]
	if l == nil {
		l = &localStats{}
		i.local[ssrc] = l
	}
	i.mu.Unlock()
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h != nil && h.SSRC == ssrc {
			size := uint64(h.MarshalSize() + len(payload))
			i.mu.Lock()
			l.sent++
			l.bytes += size
			i.mu.Unlock()
		}
		return writer.Write(h, payload, a)
	})
}

// UnbindLocalStream drops the stream's state.
func (i *statsInterceptor) UnbindLocalStream(info *interceptor.StreamInfo) {
	if info == nil {
		return
	}
	i.mu.Lock()
	delete(i.local, info.SSRC)
	i.mu.Unlock()
}

// BindRTCPReader counts the key frame requests and NACKs received for
// local streams.
func (i *statsInterceptor) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil || n <= 0 || n > len(b) {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		pkts, perr := a.GetRTCPPackets(b[:n])
		if perr != nil {
			return n, a, nil
		}
		i.mu.Lock()
		countFeedback(pkts, func(ssrc uint32) *feedback {
			if l := i.local[ssrc]; l != nil {
				return &l.received
			}
			return nil
		})
		i.mu.Unlock()
		return n, a, nil
	})
}

// BindRTCPWriter counts the key frame requests and NACKs sent for remote
// streams.
func (i *statsInterceptor) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		i.mu.Lock()
		countFeedback(pkts, func(ssrc uint32) *feedback {
			if r := i.remote[ssrc]; r != nil {
				return &r.sent
			}
			return nil
		})
		i.mu.Unlock()
		return writer.Write(pkts, a)
	})
}

// countFeedback counts each FIR, PLI and NACK packet once for each media
// SSRC it names, in the counts that find returns for that SSRC (nil: a
// stream not bound).
func countFeedback(pkts []rtcp.Packet, find func(ssrc uint32) *feedback) {
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication:
			if f := find(p.MediaSSRC); f != nil {
				f.pli++
			}
		case *rtcp.TransportLayerNack:
			if f := find(p.MediaSSRC); f != nil {
				f.nack++
			}
		case *rtcp.FullIntraRequest:
			for j, e := range p.FIR {
				if f := find(e.SSRC); f != nil && !firNamedBefore(p.FIR[:j], e.SSRC) {
					f.fir++
				}
			}
		}
	}
}

// firNamedBefore reports whether one of entries names ssrc, so that a FIR
// packet counts once per stream.
func firNamedBefore(entries []rtcp.FIREntry, ssrc uint32) bool {
	for _, e := range entries {
		if e.SSRC == ssrc {
			return true
		}
	}
	return false
}
