package mediasoupclient

import (
	"errors"
	"testing"

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
				c.rtp.Codecs = []RTPCodecParameters{{MimeType: tc.mime, ClockRate: 90000}}
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
