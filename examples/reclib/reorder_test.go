package reclib

import (
	"testing"

	"github.com/pion/rtp"
)

func seqs(ps []*rtp.Packet) []uint16 {
	out := make([]uint16, len(ps))
	for i, p := range ps {
		out[i] = p.SequenceNumber
	}
	return out
}

func TestReorder(t *testing.T) {
	cases := []struct {
		name string
		in   []uint16
		want []uint16
	}{
		{"in order", []uint16{1, 2, 3, 4, 5}, []uint16{1, 2, 3, 4, 5}},
		{"first two swapped", []uint16{2, 1, 3, 4}, []uint16{1, 2, 3, 4}},
		{"wrap-around", []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}},
		{"late dropped", []uint16{1, 2, 3, 4, 2, 5}, []uint16{1, 2, 3, 4, 5}},
		{"duplicate dropped", []uint16{1, 1, 2, 3, 3, 4}, []uint16{1, 2, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r reorder
			var got []*rtp.Packet
			for _, s := range tc.in {
				got = append(got, r.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}})...)
			}
			got = append(got, r.flush()...)
			if g := seqs(got); !equal(g, tc.want) {
				t.Fatalf("got %v, want %v", g, tc.want)
			}
		})
	}
}

func TestReorderSkipsLongGap(t *testing.T) {
	var r reorder
	var got []*rtp.Packet
	got = append(got, r.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 10}})...)
	for s := uint16(12); s < 12+maxDepth+startDepth; s++ { // 11 never comes
		got = append(got, r.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}})...)
	}
	if len(got) < maxDepth || got[0].SequenceNumber != 10 || got[1].SequenceNumber != 12 {
		t.Fatalf("gap not skipped: %v", seqs(got))
	}
}

func equal(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
