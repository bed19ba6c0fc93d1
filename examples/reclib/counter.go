package reclib

import (
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
)

// counter tallies what arrives on a consumer: packets, payload bytes,
// frames (RTP marker bit for video, one per packet for audio) and key
// frames.
type counter struct {
	mime      string
	video     bool
	packets   int64
	payload   int64
	frames    int64
	keyFrames int64
	frameKey  bool // the current video frame is a key frame
}

func newCounter(mime string) *counter {
	return &counter{mime: strings.ToLower(mime), video: strings.HasPrefix(strings.ToLower(mime), "video/")}
}

func (c *counter) add(p *rtp.Packet) {
	if len(p.Payload) == 0 {
		return // padding (bandwidth probation)
	}
	c.packets++
	c.payload += int64(len(p.Payload))
	if !c.video {
		c.frames++
		return
	}
	if isKeyFrameStart(c.mime, p.Payload) {
		c.frameKey = true
	}
	if p.Marker {
		c.frames++
		if c.frameKey {
			c.keyFrames++
		}
		c.frameKey = false
	}
}

// isKeyFrameStart reports whether the packet carries the start of a key
// frame (VP8, VP9) or an IDR slice (H264).
func isKeyFrameStart(mime string, payload []byte) bool {
	switch mime {
	case strings.ToLower(webrtc.MimeTypeVP8):
		var p codecs.VP8Packet
		b, err := p.Unmarshal(payload)
		return err == nil && p.S == 1 && p.PID == 0 && len(b) > 0 && b[0]&1 == 0
	case strings.ToLower(webrtc.MimeTypeVP9):
		var p codecs.VP9Packet
		b, err := p.Unmarshal(payload)
		if err != nil || !p.B {
			return false
		}
		key, _, _ := vp9FrameInfo(b)
		return key
	case strings.ToLower(webrtc.MimeTypeH264):
		return h264HasIDR(payload)
	}
	return false
}

// h264HasIDR looks for an IDR slice in a single NAL unit, STAP-A or the
// first fragment of an FU-A (RFC 6184).
func h264HasIDR(b []byte) bool {
	const idr, stapA, fuA = 5, 24, 28
	if len(b) < 1 {
		return false
	}
	switch t := b[0] & 0x1f; t {
	case idr:
		return true
	case stapA:
		for i := 1; i+2 < len(b); {
			n := int(b[i])<<8 | int(b[i+1])
			i += 2
			if n == 0 || i+n > len(b) {
				return false
			}
			if b[i]&0x1f == idr {
				return true
			}
			i += n
		}
	case fuA:
		return len(b) > 1 && b[1]&0x80 != 0 && b[1]&0x1f == idr
	}
	return false
}
