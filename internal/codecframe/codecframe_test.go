package codecframe

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// bits packs big-endian bit fields: pairs of (value, width).
func bits(fields ...uint64) []byte {
	var out []byte
	n := 0
	for i := 0; i+1 < len(fields); i += 2 {
		v, w := fields[i], int(fields[i+1])
		for j := w - 1; j >= 0; j-- {
			if n%8 == 0 {
				out = append(out, 0)
			}
			out[len(out)-1] |= byte(v>>j&1) << (7 - n%8)
			n++
		}
	}
	return append(out, 0, 0, 0, 0)
}

// vp9KeyHeader is a VP9 key frame's uncompressed header for a profile.
func vp9KeyHeader(profile, colorSpace uint64, w, h uint64) []byte {
	f := []uint64{2, 2, profile & 1, 1, profile >> 1, 1}
	if profile == 3 {
		f = append(f, 0, 1)
	}
	f = append(f, 0, 1, 0, 1, 1, 1, 0, 1, 0x498342, 24) // show_existing, frame_type, show_frame, error_res, sync
	if profile >= 2 {
		f = append(f, 1, 1)
	}
	f = append(f, colorSpace, 3)
	if colorSpace != 7 {
		f = append(f, 0, 1)
		if profile == 1 || profile == 3 {
			f = append(f, 0, 1, 1, 1, 0, 1)
		}
	} else if profile == 1 || profile == 3 {
		f = append(f, 0, 1)
	}
	return bits(append(f, w-1, 16, h-1, 16)...)
}

func TestVP9Profiles(t *testing.T) {
	for profile := uint64(0); profile < 4; profile++ {
		for _, cs := range []uint64{1, 7} {
			b := vp9KeyHeader(profile, cs, 1280, 720)
			assert.True(t, IsKeyFrame("video/VP9", b), "profile %d color space %d", profile, cs)
			w, h, ok := VideoSize("video/vp9", b)
			assert.True(t, ok)
			assert.Equal(t, [2]int{1280, 720}, [2]int{w, h}, "profile %d color space %d", profile, cs)
		}
	}
	// An inter frame: frame_type 1.
	assert.False(t, IsKeyFrame("video/VP9", bits(2, 2, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1)))
	// show_existing_frame shows an older frame.
	assert.False(t, IsKeyFrame("video/VP9", bits(2, 2, 0, 1, 0, 1, 1, 1, 0, 3)))
	// Not a VP9 frame marker, or a key frame without its sync code.
	assert.False(t, IsKeyFrame("video/VP9", bits(1, 2, 0, 6)))
	assert.False(t, IsKeyFrame("video/VP9", bits(2, 2, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0x123456, 24)))
}

func TestVP8(t *testing.T) {
	key := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	assert.True(t, IsKeyFrame("video/VP8", key))
	w, h, ok := VideoSize("video/VP8", key)
	assert.True(t, ok)
	assert.Equal(t, [2]int{320, 240}, [2]int{w, h})
	inter := append([]byte{key[0] | 1}, key[1:]...)
	assert.False(t, IsKeyFrame("video/VP8", inter))
	assert.False(t, IsKeyFrame("video/VP8", key[:9]))
}

func TestH264(t *testing.T) {
	assert.True(t, IsKeyFrame("video/H264", []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}))
	assert.False(t, IsKeyFrame("video/H264", []byte{0, 0, 0, 1, 0x41, 0x9a}))
	assert.False(t, IsKeyFrame("video/H264", []byte{0x65, 0x88})) // no start code
	_, _, ok := VideoSize("video/H264", []byte{0, 0, 0, 1, 0x65, 0x88})
	assert.False(t, ok)
}

func TestAudio(t *testing.T) {
	assert.True(t, IsKeyFrame("audio/opus", []byte{0xfc}))
	assert.False(t, IsKeyFrame("audio/opus", nil))
}
