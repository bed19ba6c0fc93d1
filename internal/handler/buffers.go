package handler

import (
	"io"

	"github.com/pion/transport/v2/packetio"
)

// Limits of the buffers pion keeps per incoming SRTP and SRTCP stream.
const (
	// rtpBufferLimit is pion's own default for RTP (1 MB).
	rtpBufferLimit = 1000 * 1000
	// rtcpBufferLimit holds a few compound packets. pion's default is
	// 100 KB per stream, and a consumer's RTCP stream (mediasoup's sender
	// reports) fills up when nobody reads it: about 85 KiB of dead RTCP
	// per active consumer after half a minute, for as long as it lives.
	rtcpBufferLimit = 8 * 1000
)

// BufferFactory is the SettingEngine.BufferFactory the SDK installs when
// the application sets none: pion's buffers, with the RTCP limit lowered.
func BufferFactory(t packetio.BufferPacketType, _ uint32) io.ReadWriteCloser {
	b := packetio.NewBuffer()
	if t == packetio.RTCPBufferPacket {
		b.SetLimitSize(rtcpBufferLimit)
	} else {
		b.SetLimitSize(rtpBufferLimit)
	}
	return b
}
