// Package mediafile reads and writes encoded media files for bots, tests,
// recorders and benchmarks that publish to or record from a mediasoup
// server.
//
// Reading: Open loads a file by its extension (.ogg or .opus: Ogg Opus;
// .ivf: VP8 or VP9; .h264 or .264: Annex B H264 at 30 fps) as whole frames
// that Play writes into a pion track in real time. ReadOgg, ReadIVF and
// ReadH264 read one format: ReadOgg splits pages by their lacing values
// (several packets to a page, or one packet across pages), ReadIVF also
// returns the frames of AV1 and other codecs with the file's FourCC. Clip
// gives short test clips built into the package (ClipOpus, ClipVP8,
// ClipH264; Clips lists them), so a bot needs neither a file nor an
// encoder; testbed/clips.sh made them with ffmpeg.
//
// Writing: NewOggWriter (Opus), NewIVFWriter (VP8, VP9, AV1), NewH264Writer
// (Annex B) and NewWebMWriter (Opus with VP8 or VP9 in one file) write the
// samples of mediasoupclient.SampleReader (Consumer.NewSampleReader);
// NewWriterFor picks the container for a codec (Extension names it),
// Record saves a consumer's media until its context ends and RecordWebM an
// audio and a video consumer to one WebM file.
//
// Every error about a file's contents wraps ErrFormat.
package mediafile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/pion/webrtc/v3/pkg/media/h264reader"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/codecframe"
)

// ErrFormat is wrapped by every error about a file's contents or type: an
// unknown extension, an unsupported codec, a malformed or empty file, a
// frame a writer cannot store. Errors opening the file itself are the os
// package's (errors.Is(err, fs.ErrNotExist) and so on).
var ErrFormat = errors.New("mediafile: unsupported or malformed media")

// formatError is an error about path's contents that wraps ErrFormat and,
// when there is one, the reader's error.
func formatError(path, what string, cause error) error {
	if cause != nil {
		return fmt.Errorf("%w: %s: %s: %w", ErrFormat, path, what, cause)
	}
	return fmt.Errorf("%w: %s: %s", ErrFormat, path, what)
}

// Frame is one encoded frame and how long it lasts.
type Frame struct {
	Data     []byte
	Duration time.Duration
	// KeyFrame is set for a frame that decodes on its own (see IsKeyFrame).
	KeyFrame bool
}

// Sample returns the frame as a sample for the writers.
func (f Frame) Sample() *msc.Sample {
	return &msc.Sample{Sample: media.Sample{Data: f.Data, Duration: f.Duration}, KeyFrame: f.KeyFrame}
}

// IsKeyFrame reports whether frame, one whole encoded frame of the codec
// mimeType, decodes on its own: a VP8 or VP9 key frame, an H264 access
// unit with an IDR slice, an AV1 temporal unit of a key frame. Every Opus
// packet is one. Unknown codecs and frames too short to tell give false.
func IsKeyFrame(mimeType string, frame []byte) bool {
	return codecframe.IsKeyFrame(mimeType, frame)
}

// VideoSize returns the picture size in the header of a VP8, VP9 or AV1
// key frame; ok is false for any other frame.
func VideoSize(mimeType string, keyFrame []byte) (width, height int, ok bool) {
	return codecframe.VideoSize(mimeType, keyFrame)
}

// File is a media file loaded in memory.
type File struct {
	// Path it was read from ("clip:" and the name for a built-in clip).
	Path string
	// MimeType of its codec (webrtc.MimeTypeOpus, MimeTypeVP8...).
	MimeType string
	// Frames in file order.
	Frames []Frame
}

// Kind is "audio" or "video".
func (f *File) Kind() string {
	if strings.HasPrefix(f.MimeType, "audio/") {
		return "audio"
	}
	return "video"
}

// Length is the play time of one pass over the file.
func (f *File) Length() time.Duration {
	var d time.Duration
	for _, fr := range f.Frames {
		d += fr.Duration
	}
	return d
}

// Open reads a file by its extension: .ogg or .opus (Ogg Opus), .ivf (VP8
// or VP9), .h264 or .264 (Annex B H264, played at 30 fps).
func Open(path string) (*File, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".ogg", ".opus", ".ivf", ".h264", ".264":
	default:
		return nil, formatError(path, "unknown media file type (want .ogg, .opus, .ivf, .h264 or .264)", nil)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, ext, b)
}

// parse reads a file's bytes by its extension.
func parse(path, ext string, b []byte) (*File, error) {
	f := &File{Path: path}
	var err error
	switch ext {
	case ".ogg", ".opus":
		f.MimeType = webrtc.MimeTypeOpus
		f.Frames, err = readOgg(path, b)
	case ".ivf":
		var fourcc string
		f.Frames, fourcc, err = readIVF(path, b)
		if err == nil {
			switch fourcc {
			case "VP80":
				f.MimeType = webrtc.MimeTypeVP8
			case "VP90":
				f.MimeType = webrtc.MimeTypeVP9
			default:
				err = formatError(path, fmt.Sprintf("unsupported IVF codec %q (want VP80 or VP90)", fourcc), nil)
			}
		}
	case ".h264", ".264":
		f.MimeType = webrtc.MimeTypeH264
		f.Frames, err = readH264(path, b, 30)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// NewTrack returns a sample track for the file's codec.
func (f *File) NewTrack(id, streamID string) (*webrtc.TrackLocalStaticSample, error) {
	return webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: f.MimeType}, id, streamID)
}

// Play writes the frames to the track in real time, looping, until ctx
// ends.
func (f *File) Play(ctx context.Context, track *webrtc.TrackLocalStaticSample) error {
	return Play(ctx, track, f.Frames, true)
}

// ReadH264 returns the access units of an Annex B file at fps pictures per
// second, each with 4-byte start codes. A picture may span several slices;
// parameter sets and SEI travel with the picture that follows them.
func ReadH264(path string, fps int) ([]Frame, error) {
	if fps <= 0 {
		return nil, fmt.Errorf("%w: %s: frame rate %d, want > 0", ErrFormat, path, fps)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readH264(path, b, fps)
}

func readH264(path string, b []byte, fps int) ([]Frame, error) {
	if fps <= 0 {
		return nil, fmt.Errorf("%w: %s: frame rate %d, want > 0", ErrFormat, path, fps)
	}
	r, err := h264reader.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, formatError(path, "not an Annex B H264 file", err)
	}
	d := time.Second / time.Duration(fps)
	var out []Frame
	var pending []byte
	haveSlice := false
	flush := func() {
		if haveSlice {
			out = append(out, Frame{Data: pending, Duration: d, KeyFrame: codecframe.IsKeyFrame(webrtc.MimeTypeH264, pending)})
			pending, haveSlice = nil, false
		}
	}
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, formatError(path, "bad NAL unit", err)
		}
		isSlice := nal.UnitType == h264reader.NalUnitTypeCodedSliceIdr || nal.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr
		// A slice with first_mb_in_slice 0 (its first ue(v) bit set), or a
		// non-slice unit after slices, starts the next picture.
		if (isSlice && len(nal.Data) > 1 && nal.Data[1]&0x80 != 0) || !isSlice {
			flush()
		}
		pending = append(pending, 0, 0, 0, 1)
		pending = append(pending, nal.Data...)
		if isSlice {
			haveSlice = true
		}
	}
	flush()
	if len(out) == 0 {
		return nil, formatError(path, "no pictures", nil)
	}
	return out, nil
}

// Play writes frames to the track in real time until ctx ends, looping
// when loop is set. It returns nil when ctx ends or the frames run out, and
// an error wrapping ErrFormat for no frames or a frame without a duration
// (which would make a loop spin).
func Play(ctx context.Context, track *webrtc.TrackLocalStaticSample, frames []Frame, loop bool) error {
	if len(frames) == 0 {
		return fmt.Errorf("%w: no frames to play", ErrFormat)
	}
	for i, fr := range frames {
		if fr.Duration <= 0 {
			return fmt.Errorf("%w: frame %d has duration %s", ErrFormat, i, fr.Duration)
		}
	}
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		for _, fr := range frames {
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
			}
			if err := track.WriteSample(media.Sample{Data: fr.Data, Duration: fr.Duration}); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				return err
			}
			next = next.Add(fr.Duration)
			timer.Reset(time.Until(next))
		}
		if !loop {
			return nil
		}
	}
}
