package mediafile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
)

// Writer writes one track's samples to a file: *OggWriter, *IVFWriter and
// *H264Writer are Writers.
type Writer interface {
	// WriteSample appends one whole frame.
	WriteSample(s *msc.Sample) error
	// Close finishes and closes the file; calling it again returns nil.
	Close() error
}

// Extension returns the file extension of the container that NewWriterFor
// uses for a codec: ".ogg" for Opus, ".ivf" for VP8, VP9 and AV1, ".h264"
// for H264. Other codecs fail with ErrFormat.
func Extension(mimeType string) (string, error) {
	switch strings.ToLower(mimeType) {
	case strings.ToLower(webrtc.MimeTypeOpus):
		return ".ogg", nil
	case strings.ToLower(webrtc.MimeTypeVP8), strings.ToLower(webrtc.MimeTypeVP9), strings.ToLower(webrtc.MimeTypeAV1):
		return ".ivf", nil
	case strings.ToLower(webrtc.MimeTypeH264):
		return ".h264", nil
	}
	return "", fmt.Errorf("%w: no container for codec %q", ErrFormat, mimeType)
}

// NewWriterFor creates path as the container for the codec mimeType (see
// Extension): an Ogg Opus, IVF or Annex B H264 writer with default options.
// path is used as given; Extension tells the usual one.
func NewWriterFor(mimeType, path string) (Writer, error) {
	ext, err := Extension(mimeType)
	if err != nil {
		return nil, err
	}
	switch ext {
	case ".ogg":
		return NewOggWriter(path, OggOptions{})
	case ".ivf":
		return NewIVFWriter(path, mimeType)
	default:
		return NewH264Writer(path)
	}
}

// consumerCodec is the consumer's codec, or an error.
func consumerCodec(c *msc.Consumer) (string, error) {
	if c == nil {
		return "", fmt.Errorf("%w: no consumer", ErrFormat)
	}
	codecs := c.RTPParameters().Codecs
	if len(codecs) == 0 {
		return "", fmt.Errorf("%w: consumer %s has no codec", ErrFormat, c.ID())
	}
	return codecs[0].MimeType, nil
}

// pump reads c's samples into write until ctx ends or the track ends, and
// writes the frames the reader still holds then, the last one included. A
// video consumer is asked for a key frame first, so the file starts soon.
func pump(ctx context.Context, c *msc.Consumer, write func(*msc.Sample) error) error {
	r, err := c.NewSampleReader(0)
	if err != nil {
		return err
	}
	if c.Kind() == msc.MediaKindVideo {
		_ = c.RequestKeyFrame() // the next key frame comes anyway, later
	}
	for {
		s, err := r.ReadSample(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				return err
			}
			for _, s := range r.Flush() {
				if err := write(s); err != nil {
					return err
				}
			}
			return nil
		}
		if err := write(s); err != nil {
			return err
		}
	}
}

// Record writes the consumer's media to path in the container for its
// codec (see NewWriterFor) until ctx ends or the consumer's track ends,
// then closes the file. It returns nil then, or the first read or write
// error. It takes over reading the consumer's track. Either way the file
// ends with the last frame received.
func Record(ctx context.Context, c *msc.Consumer, path string) error {
	mime, err := consumerCodec(c)
	if err != nil {
		return err
	}
	w, err := NewWriterFor(mime, path)
	if err != nil {
		return err
	}
	err = pump(ctx, c, w.WriteSample)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// RecordWebM writes an Opus consumer and a VP8 or VP9 consumer to one WebM
// file until ctx ends or both tracks end, then closes the file. Either
// consumer may be nil for a single-track file. It returns the first read or
// write error, or nil.
func RecordWebM(ctx context.Context, audio, video *msc.Consumer, path string) error {
	var opts WebMOptions
	var err error
	if audio != nil {
		if opts.AudioMimeType, err = consumerCodec(audio); err != nil {
			return err
		}
	}
	if video != nil {
		if opts.VideoMimeType, err = consumerCodec(video); err != nil {
			return err
		}
	}
	w, err := NewWebMWriter(path, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	run := func(i int, c *msc.Consumer, write func(*msc.Sample) error) {
		defer wg.Done()
		if errs[i] = pump(ctx, c, write); errs[i] != nil {
			cancel() // one track failed: stop the other
		}
	}
	if audio != nil {
		wg.Add(1)
		go run(0, audio, w.WriteAudio)
	}
	if video != nil {
		wg.Add(1)
		go run(1, video, w.WriteVideo)
	}
	wg.Wait()
	err = errors.Join(errs...)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
