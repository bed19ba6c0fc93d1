package mediafile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/codecframe"
)

// IVF layout: a 32-byte file header, then each frame after a 12-byte
// header (size, timestamp).
const (
	ivfHeaderLen      = 32
	ivfFrameHeaderLen = 12
	ivfTimebase       = 90000 // NewIVFWriter's timestamps: the RTP video clock
)

// ivfFourCC maps a codec to its IVF FourCC and back.
var ivfFourCC = map[string]string{
	strings.ToLower(webrtc.MimeTypeVP8): "VP80",
	strings.ToLower(webrtc.MimeTypeVP9): "VP90",
	strings.ToLower(webrtc.MimeTypeAV1): "AV01",
}

func ivfMimeType(fourcc string) string {
	switch fourcc {
	case "VP80":
		return webrtc.MimeTypeVP8
	case "VP90":
		return webrtc.MimeTypeVP9
	case "AV01":
		return webrtc.MimeTypeAV1
	}
	return ""
}

// ReadIVF returns the frames of an IVF file (VP8, VP9, AV1 or any other
// codec) and its codec FourCC. A frame lasts until the next frame's
// timestamp; the last one until the end the header declares (its length
// field, read as ffmpeg writes it: the stream's duration in timebase
// units), else as long as the frame before it. Zero-length frames are
// skipped.
func ReadIVF(path string) ([]Frame, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return readIVF(path, b)
}

func readIVF(path string, b []byte) ([]Frame, string, error) {
	if len(b) < ivfHeaderLen || string(b[:4]) != "DKIF" {
		return nil, "", formatError(path, "not an IVF file", nil)
	}
	hdrLen := int(binary.LittleEndian.Uint16(b[6:8]))
	fourcc := string(b[8:12])
	den := binary.LittleEndian.Uint32(b[16:20])
	num := binary.LittleEndian.Uint32(b[20:24])
	length := uint64(binary.LittleEndian.Uint32(b[24:28]))
	if hdrLen < ivfHeaderLen || hdrLen > len(b) {
		hdrLen = ivfHeaderLen
	}
	if den == 0 || num == 0 {
		den, num = 30, 1
	}
	ticks := func(t uint64) time.Duration {
		return time.Duration(math.Round(float64(t) * float64(num) * float64(time.Second) / float64(den)))
	}
	// A tick lasts one frame in files written at a constant frame rate;
	// otherwise fall back to 30 fps.
	fallback := ticks(1)
	if fallback <= 0 || fallback > time.Second {
		fallback = time.Second / 30
	}
	mime := ivfMimeType(fourcc)
	var out []Frame
	var pts []uint64
	for off := hdrLen; off < len(b); {
		if len(b)-off < ivfFrameHeaderLen {
			return nil, "", formatError(path, fmt.Sprintf("IVF frame header at byte %d cut short", off), nil)
		}
		size := int(binary.LittleEndian.Uint32(b[off : off+4]))
		ts := binary.LittleEndian.Uint64(b[off+4 : off+12])
		off += ivfFrameHeaderLen
		if size > len(b)-off {
			return nil, "", formatError(path, fmt.Sprintf("IVF frame %d of %d bytes cut short", len(out), size), nil)
		}
		data := b[off : off+size]
		off += size
		if size == 0 {
			continue
		}
		out = append(out, Frame{Data: data, KeyFrame: codecframe.IsKeyFrame(mime, data)})
		pts = append(pts, ts)
	}
	if len(out) == 0 {
		return nil, "", formatError(path, "no frames", nil)
	}
	for i := range out {
		var d time.Duration
		switch {
		case i+1 < len(out):
			if pts[i+1] > pts[i] {
				d = ticks(pts[i+1] - pts[i])
			}
		case length > pts[i]:
			d = ticks(length - pts[i])
		case i > 0:
			d = out[i-1].Duration
		}
		if d <= 0 || d > 10*time.Second {
			d = fallback
		}
		out[i].Duration = d
	}
	return out, fourcc, nil
}

// IVFWriter writes VP8, VP9 or AV1 frames to an IVF file. Timestamps count
// 1/90000 s (the RTP video clock). Close rewrites the header with the
// picture size of the first key frame and, in the field after the
// timebase, the stream's length in timebase units: ffmpeg writes and reads
// that field so, and ffprobe then reports the right duration (a frame
// count there would read as a few milliseconds). Its methods are safe for
// concurrent use.
type IVFWriter struct {
	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	path     string
	mimeType string
	fourcc   string
	width    int
	height   int
	elapsed  time.Duration // of the frames written
	lastDur  time.Duration
	started  bool // a key frame was written
	closed   bool
	err      error
}

// NewIVFWriter creates path for frames of the codec mimeType (VP8, VP9 or
// AV1) and writes a provisional header.
func NewIVFWriter(path, mimeType string) (*IVFWriter, error) {
	fourcc, ok := ivfFourCC[strings.ToLower(mimeType)]
	if !ok {
		return nil, fmt.Errorf("%w: %s: IVF holds VP8, VP9 or AV1, not %q", ErrFormat, path, mimeType)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &IVFWriter{f: f, w: bufio.NewWriter(f), path: path, mimeType: mimeType, fourcc: fourcc}
	if _, err := w.w.Write(w.header()); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// header is the file header as it stands.
func (w *IVFWriter) header() []byte {
	h := make([]byte, ivfHeaderLen)
	copy(h, "DKIF")
	binary.LittleEndian.PutUint16(h[4:], 0) // version
	binary.LittleEndian.PutUint16(h[6:], ivfHeaderLen)
	copy(h[8:], w.fourcc)
	binary.LittleEndian.PutUint16(h[12:], uint16(w.width))
	binary.LittleEndian.PutUint16(h[14:], uint16(w.height))
	binary.LittleEndian.PutUint32(h[16:], ivfTimebase) // denominator
	binary.LittleEndian.PutUint32(h[20:], 1)           // numerator
	binary.LittleEndian.PutUint32(h[24:], uint32(min(toTicks(w.elapsed), math.MaxUint32)))
	return h
}

// toTicks converts a time to the writer's 90 kHz units, rounded.
func toTicks(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return uint64((d*ivfTimebase + time.Second/2) / time.Second)
}

// WriteSample appends one frame. Frames before the first key frame are
// skipped, as nothing could decode them. A sample without a duration
// lasts as long as the one before it (1/30 s for the first). An empty
// frame fails with ErrFormat.
func (w *IVFWriter) WriteSample(s *msc.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("mediafile: %s: write after Close", w.path)
	}
	if w.err != nil {
		return w.err
	}
	if s == nil || len(s.Data) == 0 {
		return fmt.Errorf("%w: %s: empty frame", ErrFormat, w.path)
	}
	if !w.started {
		if !s.KeyFrame {
			return nil
		}
		w.started = true
		if width, height, ok := codecframe.VideoSize(w.mimeType, s.Data); ok {
			w.width, w.height = width, height
		}
	}
	d := s.Duration
	if d <= 0 {
		d = w.lastDur
	}
	if d <= 0 {
		d = time.Second / 30
	}
	var fh [ivfFrameHeaderLen]byte
	binary.LittleEndian.PutUint32(fh[0:], uint32(len(s.Data)))
	binary.LittleEndian.PutUint64(fh[4:], toTicks(w.elapsed))
	if _, err := w.w.Write(fh[:]); err != nil {
		w.err = err
		return err
	}
	if _, err := w.w.Write(s.Data); err != nil {
		w.err = err
		return err
	}
	w.elapsed += d
	w.lastDur = d
	return nil
}

// Close writes the final header and closes the file. Calling it again
// returns nil.
func (w *IVFWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.err
	if err == nil {
		err = w.w.Flush()
	}
	if err == nil {
		_, err = w.f.WriteAt(w.header(), 0)
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
