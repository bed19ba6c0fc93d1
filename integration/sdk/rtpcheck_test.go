package sdk

import (
	"encoding/binary"
	"sort"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// readPackets reads n packets from the track or fails after timeout.
func readPackets(t testing.TB, track *msc.RemoteTrack, n int, timeout time.Duration) []*rtp.Packet {
	t.Helper()
	deadline := time.Now().Add(timeout)
	require.NoError(t, track.SetReadDeadline(deadline))
	defer track.SetReadDeadline(time.Time{}) //nolint:errcheck
	out := make([]*rtp.Packet, 0, n)
	for len(out) < n {
		p, _, err := track.ReadRTP()
		require.NoError(t, err, "read RTP after %d of %d packets", len(out), n)
		out = append(out, p)
	}
	return out
}

// requireStream checks payload type, SSRC and sequence continuity. pion v3
// peeks each track's first packet on its own goroutine (to fire OnTrack), so
// a reader racing it may see one early packet displaced: one inversion is
// allowed, no missing or duplicate packet.
func requireStream(t testing.TB, pkts []*rtp.Packet, pt uint8, ssrc uint32) {
	t.Helper()
	require.NotEmpty(t, pkts)
	inversions := 0
	seqs := make([]int, len(pkts))
	for i, p := range pkts {
		require.Equal(t, pt, p.PayloadType, "packet %d payload type", i)
		require.Equal(t, ssrc, p.SSRC, "packet %d SSRC", i)
		seqs[i] = int(p.SequenceNumber-pkts[0].SequenceNumber+0x8000) - 0x8000
		if i > 0 && seqs[i] < seqs[i-1] {
			inversions++
		}
	}
	require.LessOrEqual(t, inversions, 1, "packets out of order: %v", seqs)
	sort.Ints(seqs)
	for i := 1; i < len(seqs); i++ {
		require.Equal(t, seqs[i-1]+1, seqs[i], "sequence gap at packet %d: %v", i, seqs)
	}
}

// vp8Frame is one reassembled VP8 frame.
type vp8Frame struct {
	key           bool
	width, height int
	size          int
}

// vp8Frames reassembles VP8 frames from packets (marker bit ends a frame)
// and parses key frame headers (RFC 6386 section 9.1).
func vp8Frames(t testing.TB, pkts []*rtp.Packet) []vp8Frame {
	t.Helper()
	var out []vp8Frame
	var buf []byte
	started := false
	for _, p := range pkts {
		var d codecs.VP8Packet
		payload, err := d.Unmarshal(p.Payload)
		require.NoError(t, err)
		if d.S == 1 && d.PID == 0 {
			buf = buf[:0]
			started = true
		}
		if !started {
			continue
		}
		buf = append(buf, payload...)
		if p.Marker {
			f := vp8Frame{size: len(buf)}
			if len(buf) >= 10 && buf[0]&1 == 0 {
				require.Equal(t, []byte{0x9d, 0x01, 0x2a}, buf[3:6], "key frame start code")
				f.key = true
				f.width = int(binary.LittleEndian.Uint16(buf[6:8]) & 0x3fff)
				f.height = int(binary.LittleEndian.Uint16(buf[8:10]) & 0x3fff)
			}
			out = append(out, f)
			started = false
		}
	}
	return out
}

// h264NALTypes lists the NAL unit types carried by the packets
// (single NAL, STAP-A and the start of FU-A).
func h264NALTypes(t testing.TB, pkts []*rtp.Packet) map[byte]int {
	t.Helper()
	seen := map[byte]int{}
	for _, p := range pkts {
		if len(p.Payload) < 2 {
			continue
		}
		switch typ := p.Payload[0] & 0x1f; {
		case typ >= 1 && typ <= 23:
			seen[typ]++
		case typ == 24:
			b := p.Payload[1:]
			for len(b) > 2 {
				n := int(binary.BigEndian.Uint16(b))
				if n == 0 || len(b) < 2+n {
					break
				}
				seen[b[2]&0x1f]++
				b = b[2+n:]
			}
		case typ == 28:
			if p.Payload[1]&0x80 != 0 {
				seen[p.Payload[1]&0x1f]++
			}
		}
	}
	return seen
}

// vp9KeyFrames counts VP9 key frame starts (not inter-predicted, begin of
// frame) and checks the payload descriptors parse.
func vp9KeyFrames(t testing.TB, pkts []*rtp.Packet) int {
	t.Helper()
	keys := 0
	for _, p := range pkts {
		var d codecs.VP9Packet
		_, err := d.Unmarshal(p.Payload)
		require.NoError(t, err)
		if d.B && !d.P {
			keys++
		}
	}
	return keys
}
