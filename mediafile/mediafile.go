// Package mediafile reads encoded media files (Ogg Opus, IVF VP8/VP9/AV1,
// Annex B H264) and plays them into pion tracks in real time, for bots,
// tests and benchmarks that publish files through a mediasoup server.
package mediafile

import (
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
	"github.com/pion/webrtc/v3/pkg/media/ivfreader"
	"github.com/pion/webrtc/v3/pkg/media/oggreader"
)

// ErrFormat is wrapped by every error about a file's contents or type: an
// unknown extension, an unsupported codec, a malformed or empty file.
// Errors opening the file itself are the os package's (errors.Is(err,
// fs.ErrNotExist) and so on).
var ErrFormat = errors.New("mediafile: unsupported or malformed media file")

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
}

// File is a media file loaded in memory.
type File struct {
	// Path it was read from.
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

// Open reads a file by its extension: .ogg (Opus), .ivf (VP8 or VP9),
// .h264 or .264 (Annex B H264, played at 30 fps).
func Open(path string) (*File, error) {
	f := &File{Path: path}
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ogg", ".opus":
		f.MimeType = webrtc.MimeTypeOpus
		f.Frames, err = ReadOgg(path)
	case ".ivf":
		var fourcc string
		f.Frames, fourcc, err = ReadIVF(path)
		switch fourcc {
		case "VP80":
			f.MimeType = webrtc.MimeTypeVP8
		case "VP90":
			f.MimeType = webrtc.MimeTypeVP9
		default:
			if err == nil {
				err = formatError(path, fmt.Sprintf("unsupported IVF codec %q (want VP80 or VP90)", fourcc), nil)
			}
		}
	case ".h264", ".264":
		f.MimeType = webrtc.MimeTypeH264
		f.Frames, err = ReadH264(path, 30)
	default:
		err = formatError(path, "unknown media file type (want .ogg, .opus, .ivf, .h264 or .264)", nil)
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

// ReadOgg returns the Opus packets of an Ogg file (one per page, as the
// project's test files are written), each lasting what its TOC byte says
// (RFC 6716 section 3.1), so that a loop keeps RTP timestamps steady even
// when the last page's granule trims the end.
func ReadOgg(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		return nil, formatError(path, "not an Ogg Opus file", err)
	}
	var out []Frame
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, formatError(path, "bad Ogg page", err)
		}
		if len(page) >= 8 && (string(page[:8]) == "OpusHead" || string(page[:8]) == "OpusTags") {
			continue
		}
		d, ok := opusDuration(page)
		if !ok {
			return nil, formatError(path, fmt.Sprintf("Opus packet %d has no valid TOC", len(out)), nil)
		}
		out = append(out, Frame{Data: page, Duration: d})
	}
	if len(out) == 0 {
		return nil, formatError(path, "no Opus packets", nil)
	}
	return out, nil
}

// opusDuration is the play time of one Opus packet from its TOC byte: the
// frame size of its configuration times its frame count.
func opusDuration(p []byte) (time.Duration, bool) {
	if len(p) == 0 {
		return 0, false
	}
	config := int(p[0] >> 3)
	var frame time.Duration
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [...]time.Duration{10, 20, 40, 60}[config%4] * time.Millisecond
	case config < 16: // hybrid: 10, 20 ms
		frame = [...]time.Duration{10, 20}[config%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [...]time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
	}
	var frames int
	switch p[0] & 3 {
	case 0:
		frames = 1
	case 1, 2:
		frames = 2
	default:
		if len(p) < 2 || p[1]&0x3f == 0 {
			return 0, false
		}
		frames = int(p[1] & 0x3f)
	}
	d := time.Duration(frames) * frame
	return d, d <= 120*time.Millisecond
}

// ReadIVF returns the frames of an IVF file (VP8, VP9, AV1) and its codec
// fourcc.
func ReadIVF(path string) ([]Frame, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, "", formatError(path, "not an IVF file", err)
	}
	d := time.Second / 30
	if hdr.TimebaseDenominator > 0 && hdr.TimebaseNumerator > 0 {
		d = time.Duration(hdr.TimebaseNumerator) * time.Second / time.Duration(hdr.TimebaseDenominator)
	}
	var out []Frame
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", formatError(path, "bad IVF frame", err)
		}
		out = append(out, Frame{Data: frame, Duration: d})
	}
	if len(out) == 0 {
		return nil, "", formatError(path, "no frames", nil)
	}
	return out, hdr.FourCC, nil
}

// ReadH264 returns the access units of an Annex B file at fps pictures per
// second. A picture may span several slices; parameter sets and SEI travel
// with the picture that follows them.
func ReadH264(path string, fps int) ([]Frame, error) {
	if fps <= 0 {
		return nil, fmt.Errorf("%w: %s: frame rate %d, want > 0", ErrFormat, path, fps)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := h264reader.NewReader(f)
	if err != nil {
		return nil, formatError(path, "not an Annex B H264 file", err)
	}
	d := time.Second / time.Duration(fps)
	var out []Frame
	var pending []byte
	haveSlice := false
	flush := func() {
		if haveSlice {
			out = append(out, Frame{Data: pending, Duration: d})
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
