package handler

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
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
		name    string
		enabled func() bool
		drained bool
	}{
		{"send transport", func() bool { return true }, true},
		{"receive transport", func() bool { return false }, false},
		{"no predicate", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &RTCPDrain{Enabled: tc.enabled}
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
