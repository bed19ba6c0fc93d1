package mediasoupclient

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/pion/webrtc/v3"
)

// pion v3's PeerConnection.GetStats has no RTP stream entries; the SDK
// records them with the handler's stats interceptor and adds them to the
// report as inbound-rtp and outbound-rtp entries keyed "inbound-rtp-<ssrc>"
// and "outbound-rtp-<ssrc>".

// GetStats returns the transport's stats: pion's report (ICE, DTLS,
// certificates, data channels) plus an inbound-rtp entry per consumer
// stream and an outbound-rtp entry per producer stream.
func (t *Transport) GetStats(ctx context.Context) (webrtc.StatsReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.Closed() {
		return nil, fmt.Errorf("transport closed: %w", ErrInvalidState)
	}
	report := t.h.Report()
	t.mu.Lock()
	producers, consumers := mapValues(t.producers), mapValues(t.consumers)
	t.mu.Unlock()
	for _, p := range producers {
		p.addStats(report)
	}
	for _, c := range consumers {
		c.addStats(report)
	}
	return report, nil
}

// transportStats keeps the report's transport-level entries (ICE, DTLS).
func (t *Transport) transportStats() webrtc.StatsReport {
	out := webrtc.StatsReport{}
	for id, s := range t.h.Report() {
		switch s.(type) {
		case webrtc.TransportStats, webrtc.ICECandidatePairStats, webrtc.ICECandidateStats, webrtc.CertificateStats:
			out[id] = s
		}
	}
	return out
}

func (c *Consumer) addStats(report webrtc.StatsReport) {
	getter := c.transport.h
	for _, e := range c.rtp.Encodings {
		if e.SSRC == 0 {
			continue
		}
		s := getter.Stats(e.SSRC)
		if s == nil {
			continue
		}
		in := s.InboundRTPStreamStats
		id := "inbound-rtp-" + strconv.FormatUint(uint64(e.SSRC), 10)
		entry := webrtc.InboundRTPStreamStats{
			Timestamp: statsTimestamp(time.Now()), Type: webrtc.StatsTypeInboundRTP, ID: id,
			SSRC: webrtc.SSRC(e.SSRC), Kind: string(c.kind), TrackID: c.id,
			PacketsReceived: uint32(in.PacketsReceived), PacketsLost: int32(in.PacketsLost), Jitter: in.Jitter,
			BytesReceived: in.BytesReceived, FIRCount: in.FIRCount, PLICount: in.PLICount, NACKCount: in.NACKCount,
		}
		if !in.LastPacketReceivedTimestamp.IsZero() {
			entry.LastPacketReceivedTimestamp = statsTimestamp(in.LastPacketReceivedTimestamp)
		}
		report[id] = entry
	}
}

func (p *Producer) addStats(report webrtc.StatsReport) {
	getter := p.transport.h
	for _, e := range p.rtp.Encodings {
		if e.SSRC == 0 {
			continue
		}
		s := getter.Stats(e.SSRC)
		if s == nil {
			continue
		}
		out := s.OutboundRTPStreamStats
		id := "outbound-rtp-" + strconv.FormatUint(uint64(e.SSRC), 10)
		report[id] = webrtc.OutboundRTPStreamStats{
			Timestamp: statsTimestamp(time.Now()), Type: webrtc.StatsTypeOutboundRTP, ID: id,
			SSRC: webrtc.SSRC(e.SSRC), Kind: string(p.kind), TrackID: p.id,
			PacketsSent: uint32(out.PacketsSent), BytesSent: out.BytesSent,
			FIRCount: out.FIRCount, PLICount: out.PLICount, NACKCount: out.NACKCount,
		}
	}
}

func statsTimestamp(t time.Time) webrtc.StatsTimestamp {
	return webrtc.StatsTimestamp(float64(t.UnixNano()) / float64(time.Millisecond))
}
