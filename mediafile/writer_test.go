package mediafile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// needTool returns the path of a media tool, skipping the test when it is
// missing, except under CI, where a missing tool fails it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed (apt-get install ffmpeg): %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// probeStream is what ffprobe says about one stream.
type probeStream struct {
	CodecName string `json:"codec_name"`
	CodecType string `json:"codec_type"`
	Profile   string `json:"profile"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Duration  string `json:"duration"`
	Packets   string `json:"nb_read_packets"`
	Frames    string `json:"nb_read_frames"`
}

type probeResult struct {
	Streams []probeStream `json:"streams"`
	Format  struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// probe runs ffprobe on path, decoding every frame to count them.
func probe(t *testing.T, path string, input ...string) probeResult {
	t.Helper()
	bin := needTool(t, "ffprobe")
	args := append([]string{"-v", "error"}, input...)
	args = append(args, "-count_frames", "-count_packets", "-show_streams", "-show_format", "-of", "json", path)
	out, err := exec.Command(bin, args...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("ffprobe %s: %v: %s", path, err, ee.Stderr)
	}
	require.NoError(t, err)
	var r probeResult
	require.NoError(t, json.Unmarshal(out, &r), "%s", out)
	return r
}

// streamEnds returns, by stream index, where each stream's last packet
// ends as ffprobe reads the packets' times.
func streamEnds(t *testing.T, path string) map[int]time.Duration {
	t.Helper()
	out, err := exec.Command(needTool(t, "ffprobe"), "-v", "error", "-show_entries",
		"packet=stream_index,pts_time,duration_time", "-of", "json", path).Output()
	require.NoError(t, err)
	var r struct {
		Packets []struct {
			Stream   int    `json:"stream_index"`
			PTS      string `json:"pts_time"`
			Duration string `json:"duration_time"`
		} `json:"packets"`
	}
	require.NoError(t, json.Unmarshal(out, &r))
	ends := map[int]time.Duration{}
	for _, p := range r.Packets {
		end := seconds(t, p.PTS)
		if p.Duration != "" {
			end += seconds(t, p.Duration)
		}
		ends[p.Stream] = max(ends[p.Stream], end)
	}
	return ends
}

func seconds(t *testing.T, s string) time.Duration {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "duration %q", s)
	return time.Duration(f * float64(time.Second))
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "count %q", s)
	return n
}

func writeAll(t *testing.T, w mediafile.Writer, frames []mediafile.Frame) {
	t.Helper()
	for i, fr := range frames {
		require.NoError(t, w.WriteSample(fr.Sample()), "frame %d", i)
	}
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice")
	require.Error(t, w.WriteSample(frames[0].Sample()), "write after Close")
}

func TestWritersRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		ext   string
		open  func(path, mime string) (mediafile.Writer, error)
		codec string
		check func(t *testing.T, out []byte, frames int)
		skip  time.Duration // pre-skip, which ffprobe counts in the duration
	}{
		{name: "IVF VP8", src: "vp8-320x240.ivf", ext: ".ivf", codec: "vp8"},
		{name: "IVF VP9", src: "vp9-320x240.ivf", ext: ".ivf", codec: "vp9"},
		{name: "H264 Annex B", src: "h264-320x240.h264", ext: ".h264", codec: "h264"},
		{name: "Ogg Opus, one packet a page", src: "opus-48k-stereo.ogg", ext: ".ogg", codec: "opus",
			check: func(t *testing.T, out []byte, frames int) {
				assert.Equal(t, 2+frames, bytes.Count(out, []byte("OggS")), "two header pages, then a page a packet")
			}},
		{name: "Ogg Opus, several packets a page", src: "opus-48k-stereo.ogg", ext: ".ogg", codec: "opus",
			open: func(path, _ string) (mediafile.Writer, error) {
				return mediafile.NewOggWriter(path, mediafile.OggOptions{PageDuration: 200 * time.Millisecond, PreSkip: 312})
			},
			check: func(t *testing.T, out []byte, frames int) {
				assert.Equal(t, 2+(frames+9)/10, bytes.Count(out, []byte("OggS")), "two header pages, then 10 packets a page")
			},
			skip: 312 * time.Second / 48000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := mediafile.Open(media(tc.src))
			require.NoError(t, err)
			ext, err := mediafile.Extension(src.MimeType)
			require.NoError(t, err)
			require.Equal(t, tc.ext, ext)
			path := filepath.Join(t.TempDir(), "out"+ext)
			open := tc.open
			if open == nil {
				open = func(path, mime string) (mediafile.Writer, error) { return mediafile.NewWriterFor(mime, path) }
			}
			w, err := open(path, src.MimeType)
			require.NoError(t, err)
			writeAll(t, w, src.Frames)

			// Our own reader gets the same frames back.
			got, err := mediafile.Open(path)
			require.NoError(t, err)
			require.Equal(t, src.MimeType, got.MimeType)
			require.Equal(t, len(src.Frames), len(got.Frames))
			for i := range src.Frames {
				require.Equal(t, src.Frames[i].Data, got.Frames[i].Data, "frame %d", i)
				require.Equal(t, src.Frames[i].Duration, got.Frames[i].Duration, "frame %d", i)
				require.Equal(t, src.Frames[i].KeyFrame, got.Frames[i].KeyFrame, "frame %d", i)
			}
			out, err := os.ReadFile(path)
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, out, len(src.Frames))
			}

			// ffprobe decodes it whole.
			var input []string
			if tc.ext == ".h264" {
				input = []string{"-framerate", "30"}
			}
			p := probe(t, path, input...)
			require.Len(t, p.Streams, 1)
			s := p.Streams[0]
			assert.Equal(t, tc.codec, s.CodecName)
			assert.Equal(t, len(src.Frames), atoi(t, s.Packets), "packets")
			if tc.ext != ".ogg" {
				assert.Equal(t, len(src.Frames), atoi(t, s.Frames), "decoded frames")
				assert.Equal(t, 320, s.Width)
				assert.Equal(t, 240, s.Height)
			}
			if tc.ext != ".h264" { // raw H264 has no timing
				assert.InDelta(t, (src.Length() + tc.skip).Seconds(), seconds(t, p.Format.Duration).Seconds(), 0.001, "duration")
			}
		})
	}
}

// webmFile is a whole WebM file as ebml-go reads it.
type webmFile struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment webm.Segment    `ebml:"Segment"`
}

func TestWebMWriter(t *testing.T) {
	audio, err := mediafile.Open(media("opus-48k-stereo.ogg"))
	require.NoError(t, err)
	video, err := mediafile.Open(media("vp8-320x240.ivf"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "av.webm")
	w, err := mediafile.NewWebMWriter(path, mediafile.WebMOptions{AudioMimeType: webrtc.MimeTypeOpus, VideoMimeType: webrtc.MimeTypeVP8})
	require.NoError(t, err)

	// Interleave the tracks by time, as two live consumers would.
	var at, vt time.Duration
	ai, vi := 0, 0
	for ai < len(audio.Frames) || vi < len(video.Frames) {
		if vi < len(video.Frames) && (ai == len(audio.Frames) || vt <= at) {
			require.NoError(t, w.WriteVideo(video.Frames[vi].Sample()))
			vt += video.Frames[vi].Duration
			vi++
		} else {
			require.NoError(t, w.WriteAudio(audio.Frames[ai].Sample()))
			at += audio.Frames[ai].Duration
			ai++
		}
	}
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice")
	require.Error(t, w.WriteAudio(audio.Frames[0].Sample()), "write after Close")

	// The blocks read back with ebml-go: same bytes, key flags, times.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f webmFile
	require.NoError(t, ebml.Unmarshal(bytes.NewReader(b), &f))
	assert.Equal(t, "webm", f.Header.DocType)
	require.Len(t, f.Segment.Tracks.TrackEntry, 2)
	assert.Equal(t, "A_OPUS", f.Segment.Tracks.TrackEntry[0].CodecID)
	assert.Equal(t, "V_VP8", f.Segment.Tracks.TrackEntry[1].CodecID)
	assert.Equal(t, uint64(320), f.Segment.Tracks.TrackEntry[1].Video.PixelWidth)
	assert.Equal(t, uint64(240), f.Segment.Tracks.TrackEntry[1].Video.PixelHeight)
	assert.Equal(t, float64(max(audio.Length(), video.Length())/time.Millisecond), f.Segment.Info.Duration, "Info.Duration in ms")
	var gotAudio, gotVideo []mediafile.Frame
	var times [3][]int64
	for ci, c := range f.Segment.Cluster {
		for _, blk := range c.SimpleBlock {
			require.Len(t, blk.Data, 1)
			fr := mediafile.Frame{Data: blk.Data[0], KeyFrame: blk.Keyframe}
			times[blk.TrackNumber] = append(times[blk.TrackNumber], int64(c.Timecode)+int64(blk.Timecode))
			if blk.TrackNumber == 1 {
				gotAudio = append(gotAudio, fr)
			} else {
				gotVideo = append(gotVideo, fr)
				if blk.Keyframe {
					assert.Zero(t, blk.Timecode, "cluster %d: a video key frame starts a cluster", ci)
				}
			}
		}
	}
	require.Equal(t, len(audio.Frames), len(gotAudio))
	require.Equal(t, len(video.Frames), len(gotVideo))
	for i, fr := range audio.Frames {
		require.Equal(t, fr.Data, gotAudio[i].Data, "audio %d", i)
		require.True(t, gotAudio[i].KeyFrame, "audio %d", i)
		require.Equal(t, int64(i*20), times[1][i], "audio %d time", i)
	}
	for i, fr := range video.Frames {
		require.Equal(t, fr.Data, gotVideo[i].Data, "video %d", i)
		require.Equal(t, fr.KeyFrame, gotVideo[i].KeyFrame, "video %d", i)
		require.Equal(t, int64(time.Duration(i)*fr.Duration/time.Millisecond), times[2][i], "video %d time", i)
	}

	// ffprobe sees both streams, whole.
	p := probe(t, path)
	require.Len(t, p.Streams, 2)
	assert.Equal(t, "opus", p.Streams[0].CodecName)
	assert.Equal(t, "vp8", p.Streams[1].CodecName)
	assert.Equal(t, len(audio.Frames), atoi(t, p.Streams[0].Packets))
	assert.Equal(t, len(video.Frames), atoi(t, p.Streams[1].Frames), "decoded video frames")
	assert.Equal(t, 320, p.Streams[1].Width)
	assert.InDelta(t, max(audio.Length(), video.Length()).Seconds(), seconds(t, p.Format.Duration).Seconds(), 0.05)
	ends := streamEnds(t, path)
	assert.InDelta(t, audio.Length().Seconds(), ends[0].Seconds(), 0.05, "audio stream's end")
	assert.InDelta(t, video.Length().Seconds(), ends[1].Seconds(), 0.05, "video stream's end")
}

func TestWebMWriterStartsAtVideoKeyFrame(t *testing.T) {
	video, err := mediafile.Open(media("vp9-320x240.ivf"))
	require.NoError(t, err)
	audio, err := mediafile.Open(media("opus-48k-stereo.ogg"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "late.webm")
	w, err := mediafile.NewWebMWriter(path, mediafile.WebMOptions{AudioMimeType: "audio/OPUS", VideoMimeType: webrtc.MimeTypeVP9})
	require.NoError(t, err)
	// Audio and inter frames before the first key frame are skipped.
	require.NoError(t, w.WriteAudio(audio.Frames[0].Sample()))
	for _, fr := range video.Frames[1:30] {
		require.NoError(t, w.WriteVideo(fr.Sample()))
	}
	for _, fr := range video.Frames[30:] {
		require.NoError(t, w.WriteVideo(fr.Sample()))
	}
	for _, fr := range audio.Frames[:50] {
		require.NoError(t, w.WriteAudio(fr.Sample()))
	}
	require.NoError(t, w.Close())
	p := probe(t, path)
	require.Len(t, p.Streams, 2)
	assert.Equal(t, "vp9", p.Streams[1].CodecName)
	assert.Equal(t, 30, atoi(t, p.Streams[1].Frames))
	assert.Equal(t, 50, atoi(t, p.Streams[0].Packets))
	assert.Equal(t, 320, p.Streams[1].Width)
	assert.Equal(t, 240, p.Streams[1].Height)
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	sample := func(b []byte) *msc.Sample { return mediafile.Frame{Data: b, KeyFrame: true}.Sample() }

	_, err := mediafile.NewIVFWriter(p("a.ivf"), webrtc.MimeTypeOpus)
	assert.ErrorIs(t, err, mediafile.ErrFormat)
	_, err = mediafile.NewWriterFor("audio/PCMU", p("a.raw"))
	assert.ErrorIs(t, err, mediafile.ErrFormat)
	_, err = mediafile.NewOggWriter(p("a.ogg"), mediafile.OggOptions{Channels: 3})
	assert.ErrorIs(t, err, mediafile.ErrFormat)
	for _, o := range []mediafile.WebMOptions{{}, {VideoMimeType: webrtc.MimeTypeH264}, {AudioMimeType: webrtc.MimeTypePCMU}} {
		_, err = mediafile.NewWebMWriter(p("a.webm"), o)
		assert.ErrorIs(t, err, mediafile.ErrFormat, "%+v", o)
	}
	_, err = mediafile.NewOggWriter(filepath.Join(dir, "missing", "a.ogg"), mediafile.OggOptions{})
	assert.ErrorIs(t, err, os.ErrNotExist)

	ogg, err := mediafile.NewOggWriter(p("b.ogg"), mediafile.OggOptions{})
	require.NoError(t, err)
	assert.ErrorIs(t, ogg.WriteSample(sample(nil)), mediafile.ErrFormat, "empty packet")
	assert.ErrorIs(t, ogg.WriteSample(sample([]byte{0xfb})), mediafile.ErrFormat, "code 3 without a count")
	assert.ErrorIs(t, ogg.WriteSample(nil), mediafile.ErrFormat)
	require.NoError(t, ogg.Close())

	ivf, err := mediafile.NewIVFWriter(p("b.ivf"), webrtc.MimeTypeVP8)
	require.NoError(t, err)
	assert.ErrorIs(t, ivf.WriteSample(sample(nil)), mediafile.ErrFormat)
	require.NoError(t, ivf.Close())

	h264, err := mediafile.NewH264Writer(p("b.h264"))
	require.NoError(t, err)
	assert.ErrorIs(t, h264.WriteSample(sample([]byte{0x65, 1, 2})), mediafile.ErrFormat, "no start code")
	require.NoError(t, h264.Close())

	webmW, err := mediafile.NewWebMWriter(p("b.webm"), mediafile.WebMOptions{AudioMimeType: webrtc.MimeTypeOpus})
	require.NoError(t, err)
	assert.ErrorIs(t, webmW.WriteVideo(sample([]byte{1})), mediafile.ErrFormat, "no video track")
	assert.ErrorIs(t, webmW.WriteAudio(sample(nil)), mediafile.ErrFormat)
	require.NoError(t, webmW.Close())

	_, err = mediafile.Clip("nope.ivf")
	assert.ErrorIs(t, err, mediafile.ErrFormat)
	_, err = mediafile.Clip("../clips/" + mediafile.ClipVP8)
	assert.ErrorIs(t, err, mediafile.ErrFormat)

	err = mediafile.Record(context.Background(), nil, p("c.ogg"))
	assert.ErrorIs(t, err, mediafile.ErrFormat)
}

// A packet too long for one page (more than 255 lacing values) continues
// on the next pages, and reads back whole.
func TestOggPacketsAcrossPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.ogg")
	w, err := mediafile.NewOggWriter(path, mediafile.OggOptions{PageDuration: time.Second})
	require.NoError(t, err)
	rnd := rand.New(rand.NewSource(1))
	var want []mediafile.Frame
	for _, n := range []int{300, 255 * 255, 70000, 10, 255, 510, 1} {
		b := make([]byte, n)
		rnd.Read(b)
		b[0] = 31 << 3 // CELT 20 ms, one frame
		want = append(want, mediafile.Frame{Data: b, Duration: 20 * time.Millisecond, KeyFrame: true})
		require.NoError(t, w.WriteSample(want[len(want)-1].Sample()))
	}
	require.NoError(t, w.Close())
	got, err := mediafile.ReadOgg(path)
	require.NoError(t, err)
	require.Equal(t, want, got)
	out, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Greater(t, bytes.Count(out, []byte("OggS")), 3, "the audio spans several pages")
}

// Ogg Opus files as ffmpeg writes them: several packets a page, 60 ms and
// 10 ms packets, and the last page's granule position trimming the end.
func TestReadOggFromFFmpeg(t *testing.T) {
	ff := needTool(t, "ffmpeg")
	dir := t.TempDir()
	for _, tc := range []struct {
		frameMs  string
		duration string
		want     time.Duration
	}{
		{"20", "1.01", 20 * time.Millisecond},
		{"60", "0.75", 60 * time.Millisecond},
		{"10", "0.5", 10 * time.Millisecond},
	} {
		t.Run(tc.frameMs+"ms", func(t *testing.T) {
			path := filepath.Join(dir, tc.frameMs+".opus")
			out, err := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-y",
				"-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration="+tc.duration,
				"-c:a", "libopus", "-b:a", "24k", "-frame_duration", tc.frameMs, "-page_duration", "500000",
				"-bitexact", path).CombinedOutput()
			require.NoError(t, err, "%s", out)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := mediafile.Open(path)
			require.NoError(t, err)
			p := probe(t, path)
			require.Len(t, p.Streams, 1)
			assert.Equal(t, atoi(t, p.Streams[0].Packets), len(f.Frames), "packets")
			assert.Less(t, bytes.Count(b, []byte("OggS")), len(f.Frames), "several packets a page")
			for i, fr := range f.Frames {
				require.Equal(t, tc.want, fr.Duration, "packet %d", i)
			}
			// The packets carry the pre-skip and the trimmed end on top of
			// what ffprobe plays.
			preSkip, _ := oggGranules(t, path)
			played := seconds(t, p.Format.Duration)
			assert.GreaterOrEqual(t, f.Length(), played)
			assert.Less(t, f.Length()-played, time.Duration(preSkip)*time.Second/48000+tc.want+time.Millisecond)
			// The same packets round-trip through the writer.
			again := filepath.Join(dir, tc.frameMs+"-again.ogg")
			w, err := mediafile.NewOggWriter(again, mediafile.OggOptions{PageDuration: 100 * time.Millisecond})
			require.NoError(t, err)
			writeAll(t, w, f.Frames)
			g, err := mediafile.ReadOgg(again)
			require.NoError(t, err)
			require.Equal(t, f.Frames, g)
		})
	}
}

func TestClips(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mime   string
		frames int
		every  int // a key frame at least every so many frames
	}{
		{mediafile.ClipOpus, webrtc.MimeTypeOpus, 101, 1}, // 2 s and the encoder's delay
		{mediafile.ClipVP8, webrtc.MimeTypeVP8, 60, 30},
		{mediafile.ClipH264, webrtc.MimeTypeH264, 60, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, mediafile.Clips(), tc.name)
			f, err := mediafile.Clip(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.mime, f.MimeType)
			assert.Equal(t, "clip:"+tc.name, f.Path)
			require.Equal(t, tc.frames, len(f.Frames))
			assert.InDelta(t, 2.0, f.Length().Seconds(), 0.03)
			last := -tc.every
			for i, fr := range f.Frames {
				if fr.KeyFrame {
					last = i
				}
				require.Less(t, i-last, tc.every, "frame %d: key frames too far apart", i)
			}
			assert.True(t, f.Frames[0].KeyFrame)
			if tc.mime == webrtc.MimeTypeH264 {
				for i, fr := range f.Frames {
					types := nalTypes(fr.Data)
					if fr.KeyFrame {
						require.GreaterOrEqual(t, len(types), 3, "frame %d", i)
						assert.Equal(t, []byte{7, 8}, types[:2], "frame %d: SPS and PPS before the IDR", i)
						assert.Equal(t, []byte{0x67, 0x42, 0xe0, 0x1f}, fr.Data[4:8], "frame %d: constrained baseline 3.1", i)
					}
				}
			}
			if tc.mime == webrtc.MimeTypeVP8 {
				w, h, ok := mediafile.VideoSize(tc.mime, f.Frames[0].Data)
				require.True(t, ok)
				assert.Equal(t, [2]int{320, 240}, [2]int{w, h})
			}
			// A new File each call.
			f.Frames[0].Data[0] ^= 0xff
			g, err := mediafile.Clip(tc.name)
			require.NoError(t, err)
			assert.NotEqual(t, f.Frames[0].Data[0], g.Frames[0].Data[0])
		})
	}
}
