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
				err = fmt.Errorf("%s: unsupported IVF codec %q", path, fourcc)
			}
		}
	case ".h264", ".264":
		f.MimeType = webrtc.MimeTypeH264
		f.Frames, err = ReadH264(path, 30)
	default:
		err = fmt.Errorf("%s: unknown media file type (want .ogg, .ivf or .h264)", path)
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
// project's test files are written), 20 ms each unless the granule says
// otherwise.
func ReadOgg(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Frame
	var last uint64
	for {
		page, hdr, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(page) >= 8 && (string(page[:8]) == "OpusHead" || string(page[:8]) == "OpusTags") {
			continue
		}
		d := 20 * time.Millisecond
		if hdr.GranulePosition > last && last != 0 {
			d = time.Duration(hdr.GranulePosition-last) * time.Second / 48000
		}
		last = hdr.GranulePosition
		out = append(out, Frame{Data: page, Duration: d})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no Opus packets", path)
	}
	return out, nil
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
		return nil, "", fmt.Errorf("%s: %w", path, err)
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
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, Frame{Data: frame, Duration: d})
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("%s: no frames", path)
	}
	return out, hdr.FourCC, nil
}

// ReadH264 returns the access units of an Annex B file at fps pictures per
// second. A picture may span several slices; parameter sets and SEI travel
// with the picture that follows them.
func ReadH264(path string, fps int) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := h264reader.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
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
			return nil, fmt.Errorf("%s: %w", path, err)
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
		return nil, fmt.Errorf("%s: no pictures", path)
	}
	return out, nil
}

// Play writes frames to the track in real time until ctx ends, looping
// when loop is set. It returns nil when ctx ends or the frames run out.
func Play(ctx context.Context, track *webrtc.TrackLocalStaticSample, frames []Frame, loop bool) error {
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
