// Package codecframe inspects encoded frames: whether a frame is a key frame
// and, for a video key frame, the picture size its header declares. Both the
// SDK's sample reader and the mediafile package use it.
package codecframe

import "strings"

// IsKeyFrame reports whether frame, one whole encoded frame of the codec
// mimeType, can be decoded on its own: a VP8 key frame, a VP9 key frame, an
// H264 access unit holding an IDR slice, an AV1 temporal unit whose frame
// is a key frame. Audio frames (Opus) are always key frames. An unknown
// codec or a frame too short to tell gives false.
func IsKeyFrame(mimeType string, frame []byte) bool {
	switch strings.ToLower(mimeType) {
	case "audio/opus", "audio/pcmu", "audio/pcma", "audio/g722":
		return len(frame) > 0
	case "video/vp8":
		_, _, ok := vp8KeyFrame(frame)
		return ok
	case "video/vp9":
		key, _, _ := vp9Header(frame)
		return key
	case "video/h264":
		return h264HasIDR(frame)
	case "video/av1":
		return av1KeyFrame(frame)
	}
	return false
}

// VideoSize returns the picture size that a video key frame's header
// declares (VP8, VP9, and AV1 from a sequence header in the frame). It
// returns ok false for a frame that is not such a key frame or for a codec
// whose frames carry no size in a header this package reads (H264).
func VideoSize(mimeType string, frame []byte) (width, height int, ok bool) {
	switch strings.ToLower(mimeType) {
	case "video/vp8":
		return vp8KeyFrame(frame)
	case "video/vp9":
		key, w, h := vp9Header(frame)
		return w, h, key && w > 0 && h > 0
	case "video/av1":
		return av1Size(frame)
	}
	return 0, 0, false
}

// vp8KeyFrame checks RFC 6386 section 9.1: a key frame has bit 0 of its
// frame tag clear, then the start code 9d 01 2a and 14-bit width and height.
func vp8KeyFrame(b []byte) (width, height int, ok bool) {
	if len(b) < 10 || b[0]&1 != 0 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return 0, 0, false
	}
	width = int(uint16(b[6])|uint16(b[7])<<8) & 0x3fff
	height = int(uint16(b[8])|uint16(b[9])<<8) & 0x3fff
	return width, height, true
}

// bitReader reads big-endian bit fields.
type bitReader struct {
	b   []byte
	pos int // in bits
	bad bool
}

func (r *bitReader) read(n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		if r.pos >= len(r.b)*8 {
			r.bad = true
			return 0
		}
		bit := r.b[r.pos/8] >> (7 - r.pos%8) & 1
		v = v<<1 | uint64(bit)
		r.pos++
	}
	return v
}

// vp9Header reads the start of a VP9 uncompressed header (VP9 bitstream
// specification, section 6.2): whether the frame is a key frame and, for
// one, its size. The profile decides which fields come first.
func vp9Header(b []byte) (key bool, width, height int) {
	r := &bitReader{b: b}
	if r.read(2) != 2 { // frame_marker
		return false, 0, 0
	}
	low := r.read(1)
	profile := r.read(1)<<1 | low
	if profile == 3 && r.read(1) != 0 { // reserved_zero
		return false, 0, 0
	}
	if r.read(1) == 1 { // show_existing_frame
		return false, 0, 0
	}
	if r.read(1) != 0 { // frame_type: 0 is KEY_FRAME
		return false, 0, 0
	}
	r.read(2) // show_frame, error_resilient_mode
	if r.read(24) != 0x498342 || r.bad {
		return false, 0, 0
	}
	// color_config
	if profile >= 2 {
		r.read(1) // ten_or_twelve_bit
	}
	const csRGB = 7
	if r.read(3) != csRGB {
		r.read(1) // color_range
		if profile == 1 || profile == 3 {
			r.read(3) // subsampling_x, subsampling_y, reserved_zero
		}
	} else if profile == 1 || profile == 3 {
		r.read(1) // reserved_zero
	}
	width = int(r.read(16)) + 1
	height = int(r.read(16)) + 1
	if r.bad {
		return true, 0, 0
	}
	return true, width, height
}

// h264HasIDR reports whether an Annex B access unit holds a coded slice of
// an IDR picture (NAL unit type 5).
func h264HasIDR(b []byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if b[i+3]&0x1f == 5 {
				return true
			}
			i += 2
		}
	}
	return false
}

// av1OBUs calls f with the type and payload of each OBU of a temporal unit
// in the low overhead bitstream format (AV1 specification, section 5.3),
// until f returns false. It returns false for a malformed unit.
func av1OBUs(b []byte, f func(typ byte, payload []byte) bool) bool {
	for len(b) > 0 {
		h := b[0]
		if h&0x80 != 0 {
			return false // obu_forbidden_bit
		}
		typ := h >> 3 & 0x0f
		n := 1
		if h&0x04 != 0 { // obu_extension_flag
			n++
		}
		if len(b) < n {
			return false
		}
		size := len(b) - n
		if h&0x02 != 0 { // obu_has_size_field: leb128
			var v uint64
			i := 0
			for ; i < 8; i++ {
				if n+i >= len(b) {
					return false
				}
				v |= uint64(b[n+i]&0x7f) << (7 * i)
				if b[n+i]&0x80 == 0 {
					break
				}
			}
			if i == 8 {
				return false
			}
			n += i + 1
			if v > uint64(len(b)-n) {
				return false
			}
			size = int(v)
		}
		if !f(typ, b[n:n+size]) {
			return true
		}
		b = b[n+size:]
	}
	return true
}

const (
	av1SequenceHeader = 1
	av1FrameHeader    = 3
	av1Frame          = 6
)

// av1SeqHeader reads an AV1 sequence header OBU (AV1 specification,
// section 5.5) up to the maximum frame size.
func av1SeqHeader(p []byte) (reducedStill bool, width, height int, ok bool) {
	r := &bitReader{b: p}
	r.read(3) // seq_profile
	r.read(1) // still_picture
	reducedStill = r.read(1) == 1
	if reducedStill {
		r.read(5) // seq_level_idx[0]
	} else {
		decoderModel := false
		var bufferDelayLen int
		if r.read(1) == 1 { // timing_info_present_flag
			r.read(32)          // num_units_in_display_tick
			r.read(32)          // time_scale
			if r.read(1) == 1 { // equal_picture_interval
				// num_ticks_per_picture_minus_1: uvlc
				zeros := 0
				for r.read(1) == 0 && !r.bad && zeros < 32 {
					zeros++
				}
				r.read(zeros)
			}
			if r.read(1) == 1 { // decoder_model_info_present_flag
				decoderModel = true
				bufferDelayLen = int(r.read(5)) + 1
				r.read(32) // num_units_in_decoding_tick
				r.read(5)  // buffer_removal_time_length_minus_1
				r.read(5)  // frame_presentation_time_length_minus_1
			}
		}
		initialDelay := r.read(1) == 1
		points := int(r.read(5)) + 1
		for i := 0; i < points && !r.bad; i++ {
			r.read(12) // operating_point_idc
			if r.read(5) > 7 {
				r.read(1) // seq_tier
			}
			if decoderModel && r.read(1) == 1 {
				r.read(2*bufferDelayLen + 1)
			}
			if initialDelay && r.read(1) == 1 {
				r.read(4)
			}
		}
	}
	wBits := int(r.read(4)) + 1
	hBits := int(r.read(4)) + 1
	width = int(r.read(wBits)) + 1
	height = int(r.read(hBits)) + 1
	if r.bad {
		return reducedStill, 0, 0, false
	}
	return reducedStill, width, height, true
}

// av1KeyFrame reports whether the first frame header of a temporal unit
// says KEY_FRAME.
func av1KeyFrame(b []byte) bool {
	key, reducedStill, seen := false, false, false
	ok := av1OBUs(b, func(typ byte, p []byte) bool {
		switch typ {
		case av1SequenceHeader:
			reducedStill, _, _, _ = av1SeqHeader(p)
		case av1FrameHeader, av1Frame:
			seen = true
			if reducedStill {
				key = true
				return false
			}
			r := &bitReader{b: p}
			showExisting := r.read(1) == 1
			frameType := r.read(2)
			key = !r.bad && !showExisting && frameType == 0
			return false
		}
		return true
	})
	return ok && seen && key
}

// av1Size returns the maximum frame size of the sequence header in a key
// frame's temporal unit.
func av1Size(b []byte) (width, height int, ok bool) {
	if !av1KeyFrame(b) {
		return 0, 0, false
	}
	av1OBUs(b, func(typ byte, p []byte) bool {
		if typ == av1SequenceHeader {
			_, width, height, ok = av1SeqHeader(p)
			return false
		}
		return true
	})
	return width, height, ok
}
