package mediafile_test

import (
	"bytes"
	"math/rand"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// TestIsKeyFrame checks the detection on every frame of the test media,
// which ffmpeg encoded with a key frame every 30 frames and no other.
func TestIsKeyFrame(t *testing.T) {
	for _, tc := range []struct {
		file string
		fps  int
		size [2]int // of the key frames' headers; zero where the codec has none
	}{
		{"vp8-320x240.ivf", 30, [2]int{320, 240}},
		{"vp8-160x120.ivf", 30, [2]int{160, 120}},
		{"vp8-80x60.ivf", 30, [2]int{80, 60}},
		{"vp9-320x240.ivf", 30, [2]int{320, 240}},
		{"h264-320x240.h264", 30, [2]int{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := mediafile.Open(media(tc.file))
			require.NoError(t, err)
			require.Equal(t, 60, len(f.Frames))
			for i, fr := range f.Frames {
				want := i%30 == 0
				require.Equal(t, want, mediafile.IsKeyFrame(f.MimeType, fr.Data), "frame %d", i)
				require.Equal(t, want, fr.KeyFrame, "frame %d: the reader's flag", i)
				w, h, ok := mediafile.VideoSize(f.MimeType, fr.Data)
				if want && tc.size != [2]int{} {
					require.True(t, ok, "frame %d", i)
					require.Equal(t, tc.size, [2]int{w, h}, "frame %d", i)
				} else {
					require.False(t, ok, "frame %d", i)
				}
			}
		})
	}
	t.Run("opus", func(t *testing.T) {
		f, err := mediafile.Open(media("opus-48k-stereo.ogg"))
		require.NoError(t, err)
		for i, fr := range f.Frames {
			require.True(t, mediafile.IsKeyFrame(webrtc.MimeTypeOpus, fr.Data), "packet %d", i)
			require.True(t, fr.KeyFrame, "packet %d", i)
		}
	})
	t.Run("H264 with 3-byte start codes", func(t *testing.T) {
		f, err := mediafile.Open(media("h264-320x240.h264"))
		require.NoError(t, err)
		short := bytes.ReplaceAll(f.Frames[0].Data, []byte{0, 0, 0, 1}, []byte{0, 0, 1})
		assert.True(t, mediafile.IsKeyFrame("video/H264", short))
		assert.False(t, mediafile.IsKeyFrame("video/H264", bytes.ReplaceAll(f.Frames[1].Data, []byte{0, 0, 0, 1}, []byte{0, 0, 1})))
	})
	t.Run("unknown codec", func(t *testing.T) {
		assert.False(t, mediafile.IsKeyFrame("video/H265", []byte{0, 0, 0, 1, 0x26, 1}))
	})
}

// TestIsKeyFrameAV1 encodes a few AV1 frames with ffmpeg, with a key frame
// every 5, and checks them, the IVF writer and ffprobe.
func TestIsKeyFrameAV1(t *testing.T) {
	ff := needTool(t, "ffmpeg")
	dir := t.TempDir()
	src := filepath.Join(dir, "av1.ivf")
	out, err := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc=size=96x64:rate=30:duration=0.4", "-pix_fmt", "yuv420p",
		"-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime", "-g", "5", "-keyint_min", "5",
		"-b:v", "50k", "-threads", "1", "-bitexact", src).CombinedOutput()
	if err != nil {
		t.Skipf("ffmpeg cannot encode AV1 here: %v: %s", err, out)
	}
	frames, fourcc, err := mediafile.ReadIVF(src)
	require.NoError(t, err)
	require.Equal(t, "AV01", fourcc)
	require.Equal(t, 12, len(frames))
	for i, fr := range frames {
		want := i%5 == 0
		require.Equal(t, want, mediafile.IsKeyFrame(webrtc.MimeTypeAV1, fr.Data), "frame %d", i)
		w, h, ok := mediafile.VideoSize(webrtc.MimeTypeAV1, fr.Data)
		require.Equal(t, want, ok, "frame %d", i)
		if ok {
			require.Equal(t, [2]int{96, 64}, [2]int{w, h}, "frame %d", i)
		}
	}
	// Written back (without its first, key, frame) it starts at the next
	// key frame, with the size in the header.
	path := filepath.Join(dir, "again.ivf")
	w, err := mediafile.NewIVFWriter(path, webrtc.MimeTypeAV1)
	require.NoError(t, err)
	writeAll(t, w, frames[1:])
	got, _, err := mediafile.ReadIVF(path)
	require.NoError(t, err)
	require.Equal(t, len(frames)-5, len(got))
	assert.Equal(t, frames[5:], got)
	fourcc, width, height, _, _ := ivfHeader(t, path)
	assert.Equal(t, "AV01", fourcc)
	assert.Equal(t, [2]int{96, 64}, [2]int{width, height})
	p := probe(t, path)
	require.Len(t, p.Streams, 1)
	assert.Equal(t, "av1", p.Streams[0].CodecName)
	assert.Equal(t, 7, atoi(t, p.Streams[0].Packets))
}

// Truncated and random frames never panic, whatever the codec.
func TestIsKeyFrameGarbage(t *testing.T) {
	var real [][]byte
	for _, name := range []string{"vp8-80x60.ivf", "vp9-320x240.ivf", "h264-320x240.h264"} {
		f, err := mediafile.Open(media(name))
		require.NoError(t, err)
		real = append(real, f.Frames[0].Data, f.Frames[1].Data)
	}
	rnd := rand.New(rand.NewSource(7))
	mimes := []string{"audio/opus", "video/VP8", "video/VP9", "video/H264", "video/AV1", "video/other", ""}
	for _, mime := range mimes {
		for _, r := range real {
			for n := 0; n <= len(r) && n < 64; n++ {
				mediafile.IsKeyFrame(mime, r[:n])
				mediafile.VideoSize(mime, r[:n])
			}
		}
		for i := 0; i < 2000; i++ {
			b := make([]byte, rnd.Intn(40))
			rnd.Read(b)
			mediafile.IsKeyFrame(mime, b)
			mediafile.VideoSize(mime, b)
		}
	}
	assert.False(t, mediafile.IsKeyFrame("audio/opus", nil))
	assert.False(t, mediafile.IsKeyFrame("video/VP8", nil))
}
