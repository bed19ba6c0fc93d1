package handler

import (
	"errors"
	"testing"

	"github.com/pion/transport/v2/packetio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferFactoryLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		typ   packetio.BufferPacketType
		limit int
	}{
		{"RTCP", packetio.RTCPBufferPacket, rtcpBufferLimit},
		{"RTP", packetio.RTPBufferPacket, rtpBufferLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := BufferFactory(tc.typ, 1234)
			defer b.Close()
			pkt := make([]byte, 1000)
			written := 0
			for written <= tc.limit+len(pkt) {
				if _, err := b.Write(pkt); err != nil {
					require.True(t, errors.Is(err, packetio.ErrFull), "unexpected error %v", err)
					break
				}
				written += len(pkt)
			}
			assert.LessOrEqual(t, written, tc.limit, "an unread stream holds at most the limit")
			assert.Greater(t, written, tc.limit-3*len(pkt), "and about that much (pion counts a length prefix per packet)")
			// What was kept is still readable.
			n, err := b.Read(make([]byte, 1500))
			require.NoError(t, err)
			assert.Equal(t, len(pkt), n)
		})
	}
}
