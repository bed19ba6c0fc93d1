package browser

import (
	"encoding/binary"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// vp8Frame is one reassembled VP8 frame.
type vp8Frame struct {
	key           bool
	width, height int
	size          int
}

// vp8Assembler reassembles VP8 frames from packets in order (the marker
// bit ends a frame) and parses key frame headers (RFC 6386 section 9.1).
type vp8Assembler struct {
	buf     []byte
	started bool
}

// push adds a packet and returns the frame it completes, if any.
func (a *vp8Assembler) push(p *rtp.Packet) (vp8Frame, bool) {
	var d codecs.VP8Packet
	payload, err := d.Unmarshal(p.Payload)
	if err != nil {
		a.started = false
		return vp8Frame{}, false
	}
	if d.S == 1 && d.PID == 0 {
		a.buf = a.buf[:0]
		a.started = true
	}
	if !a.started {
		return vp8Frame{}, false
	}
	a.buf = append(a.buf, payload...)
	if !p.Marker {
		return vp8Frame{}, false
	}
	a.started = false
	f := vp8Frame{size: len(a.buf)}
	b := a.buf
	if len(b) >= 10 && b[0]&1 == 0 && b[3] == 0x9d && b[4] == 0x01 && b[5] == 0x2a {
		f.key = true
		f.width = int(binary.LittleEndian.Uint16(b[6:8]) & 0x3fff)
		f.height = int(binary.LittleEndian.Uint16(b[8:10]) & 0x3fff)
	}
	return f, true
}
