package handler

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingReader returns n packets, then io.EOF as a closed stream does.
type countingReader struct {
	n     int64
	reads atomic.Int64
	done  chan struct{}
}

func (r *countingReader) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	if r.reads.Add(1) > r.n {
		close(r.done)
		return 0, a, io.EOF
	}
	return copy(b, []byte{0x80, 0xc9, 0, 1}), a, nil
}

func TestRTCPDrain(t *testing.T) {
	for _, tc := range []struct {
		name     string
		forNewPC func() *PCHooks
		drained  bool
	}{
		{"send transport", func() *PCHooks { return &PCHooks{Drain: true} }, true},
		{"receive transport", func() *PCHooks { return &PCHooks{OnRemoteStream: func(uint32) bool { return true }} }, false},
		{"no hooks", func() *PCHooks { return nil }, false},
		{"no predicate", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &RTCPDrain{ForNewPC: tc.forNewPC}
			i, err := f.NewInterceptor("pc")
			require.NoError(t, err)
			src := &countingReader{n: 5, done: make(chan struct{})}
			out := i.BindRTCPReader(src)
			require.Same(t, interceptor.RTCPReader(src), out, "the reader chain is passed on unchanged")
			if !tc.drained {
				time.Sleep(20 * time.Millisecond)
				assert.Zero(t, src.reads.Load(), "nothing reads a receive transport's RTCP")
				return
			}
			select {
			case <-src.done:
			case <-time.After(5 * time.Second):
				t.Fatal("the drain did not read the stream to its end")
			}
			assert.Equal(t, int64(6), src.reads.Load(), "every packet read, then the closing error")
		})
	}
}

// packetsReader returns the given datagrams, then io.EOF.
type packetsReader struct {
	pkts [][]byte
	done chan struct{}
}

func (r *packetsReader) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	if len(r.pkts) == 0 {
		close(r.done)
		return 0, a, io.EOF
	}
	n := copy(b, r.pkts[0])
	r.pkts = r.pkts[1:]
	return n, a, nil
}

func TestRTCPDrainKeyFrameRequests(t *testing.T) {
	compound, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 1},
		&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 0x1111},
		&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 0x1111, Nacks: []rtcp.NackPair{{PacketID: 7}}},
	})
	require.NoError(t, err)
	fir, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.FullIntraRequest{SenderSSRC: 1, FIR: []rtcp.FIREntry{{SSRC: 0x2222, SequenceNumber: 1}, {SSRC: 0x3333, SequenceNumber: 1}}},
	})
	require.NoError(t, err)
	var got []uint32
	f := &RTCPDrain{ForNewPC: func() *PCHooks {
		return &PCHooks{Drain: true, OnKeyFrame: func(ssrc uint32) { got = append(got, ssrc) }}
	}}
	i, err := f.NewInterceptor("pc")
	require.NoError(t, err)
	src := &packetsReader{pkts: [][]byte{compound, {0xff, 0x00}, fir}, done: make(chan struct{})}
	i.BindRTCPReader(src)
	select {
	case <-src.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the drain did not read the stream to its end")
	}
	// The reader closes done from the drain's goroutine after the last
	// packet was handled, so got is complete here.
	assert.Equal(t, []uint32{0x1111, 0x2222, 0x3333}, got, "PLI and FIR media SSRCs, in order; a malformed packet is skipped")
}

// TestRemoteStreamRefused: a stream the hook refuses reads io.EOF at once;
// an accepted one reads through.
func TestRemoteStreamRefused(t *testing.T) {
	for _, accept := range []bool{true, false} {
		var got []uint32
		f := &RTCPDrain{ForNewPC: func() *PCHooks {
			return &PCHooks{OnRemoteStream: func(ssrc uint32) bool { got = append(got, ssrc); return accept }}
		}}
		i, err := f.NewInterceptor("pc")
		require.NoError(t, err)
		src := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			return copy(b, []byte{1, 2, 3}), a, nil
		})
		r := i.BindRemoteStream(&interceptor.StreamInfo{SSRC: 42}, src)
		n, _, err := r.Read(make([]byte, 10), nil)
		require.Equal(t, []uint32{42}, got)
		if accept {
			require.NoError(t, err)
			require.Equal(t, 3, n)
		} else {
			require.ErrorIs(t, err, io.EOF)
		}
	}
}
