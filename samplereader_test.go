package mediasoupclient

import (
	"github.com/soupkit/mediasoup-client-go/internal/params"

	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewSampleReaderCodecs(t *testing.T) {
	for _, tc := range []struct {
		mime string
		want error
	}{
		{"audio/opus", nil},
		{"video/VP8", nil},
		{"video/vp9", nil},
		{"video/H264", nil},
		{"video/AV1", ErrUnsupported},
		{"audio/PCMU", ErrUnsupported},
		{"", ErrInvalidState}, // no codec at all
	} {
		t.Run(tc.mime, func(t *testing.T) {
			c := &Consumer{}
			if tc.mime != "" {
				c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: tc.mime, ClockRate: 90000}}
			}
			r, err := c.NewSampleReader(0)
			if tc.want == nil {
				require.NoError(t, err)
				assert.NotNil(t, r)
				return
			}
			assert.True(t, errors.Is(err, tc.want), "got %v", err)
			assert.Nil(t, r)
		})
	}
}

func TestSampleReaderMarksKeyFrames(t *testing.T) {
	vp8Key := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	vp8Inter := []byte{0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	for _, tc := range []struct {
		mime string
		data []byte
		key  bool
	}{
		{"audio/opus", []byte{0xfc, 1, 2}, true},
		{"video/VP8", vp8Key, true},
		{"video/VP8", vp8Inter, false},
		{"video/H264", []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65, 0x88}, true},
		{"video/H264", []byte{0, 0, 0, 1, 0x41, 0x9a}, false},
		{"video/VP9", []byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf0}, true},
		{"video/VP9", []byte{0x86, 0x00}, false},
	} {
		c := &Consumer{}
		c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: tc.mime, ClockRate: 90000}}
		r, err := c.NewSampleReader(0)
		require.NoError(t, err)
		s := r.sample(&media.Sample{Data: tc.data, Duration: time.Millisecond})
		assert.Equal(t, tc.key, s.KeyFrame, "%s % x", tc.mime, tc.data)
		assert.Equal(t, tc.data, s.Data)
		assert.Equal(t, time.Millisecond, s.Duration)
	}
}
