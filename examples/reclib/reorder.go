package reclib

import "github.com/pion/rtp"

// reorder puts RTP packets back in sequence-number order before they reach
// a file writer, which expects them in order (pion v3 may hand a track's
// first two packets swapped, and UDP may reorder too). It waits for
// startDepth packets before emitting the first, then emits in order,
// skipping a gap once more than maxDepth packets wait behind it. Packets
// older than the last one emitted are dropped.
type reorder struct {
	buf     []*rtp.Packet
	next    uint16
	started bool
}

const (
	startDepth = 3
	maxDepth   = 32
)

// seqBefore reports whether sequence number a comes before b (RFC 3550
// wrap-around).
func seqBefore(a, b uint16) bool { return int16(a-b) < 0 }

// push adds a packet and returns those now ready, in order.
func (r *reorder) push(p *rtp.Packet) []*rtp.Packet {
	if r.started && seqBefore(p.SequenceNumber, r.next) {
		return nil // late or duplicate
	}
	for _, q := range r.buf {
		if q.SequenceNumber == p.SequenceNumber {
			return nil
		}
	}
	r.buf = append(r.buf, p)
	if !r.started {
		if len(r.buf) < startDepth {
			return nil
		}
		r.started, r.next = true, r.lowest()
	}
	out := r.drain()
	for len(r.buf) > maxDepth {
		r.next = r.lowest()
		out = append(out, r.drain()...)
	}
	return out
}

// flush returns every packet still waiting, in order.
func (r *reorder) flush() []*rtp.Packet {
	var out []*rtp.Packet
	for len(r.buf) > 0 {
		r.started, r.next = true, r.lowest()
		out = append(out, r.drain()...)
	}
	return out
}

// drain emits the packets that continue the sequence from next.
func (r *reorder) drain() []*rtp.Packet {
	var out []*rtp.Packet
	for {
		i := r.find(r.next)
		if i < 0 {
			return out
		}
		out = append(out, r.buf[i])
		r.buf = append(r.buf[:i], r.buf[i+1:]...)
		r.next++
	}
}

func (r *reorder) find(seq uint16) int {
	for i, q := range r.buf {
		if q.SequenceNumber == seq {
			return i
		}
	}
	return -1
}

func (r *reorder) lowest() uint16 {
	low := r.buf[0].SequenceNumber
	for _, q := range r.buf[1:] {
		if seqBefore(q.SequenceNumber, low) {
			low = q.SequenceNumber
		}
	}
	return low
}
