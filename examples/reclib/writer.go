package reclib

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/pion/webrtc/v3/pkg/media/h264writer"
	"github.com/pion/webrtc/v3/pkg/media/ivfwriter"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// rtpWriter writes a consumer's RTP packets into a media file.
type rtpWriter interface {
	WriteRTP(*rtp.Packet) error
	Close() error
}

// fileExt returns the file extension for a codec, or "" when the recorder
// cannot write it.
func fileExt(mime string) string {
	switch strings.ToLower(mime) {
	case strings.ToLower(webrtc.MimeTypeOpus):
		return ".ogg"
	case strings.ToLower(webrtc.MimeTypeVP8), strings.ToLower(webrtc.MimeTypeVP9):
		return ".ivf"
	case strings.ToLower(webrtc.MimeTypeH264):
		return ".h264"
	}
	return ""
}

// oggRTPWriter writes each Opus RTP payload (one Opus packet) as a sample
// of mediafile's Ogg writer, timed by its TOC byte.
type oggRTPWriter struct{ w *mediafile.OggWriter }

func (o oggRTPWriter) WriteRTP(p *rtp.Packet) error {
	d, ok := mediafile.OpusPacketDuration(p.Payload)
	if !ok {
		return fmt.Errorf("unreadable Opus packet: %w", mediafile.ErrFormat)
	}
	return o.w.WriteSample(&msc.Sample{Sample: media.Sample{Data: p.Payload, Duration: d}, KeyFrame: true})
}

func (o oggRTPWriter) Close() error { return o.w.Close() }

// newWriter opens path for the codec: Opus into Ogg (mediafile's writer),
// VP8 into IVF (pion's ivfwriter), H264 into Annex B (pion's h264writer),
// VP9 into IVF (vp9IVFWriter: pion v3's ivfwriter has no VP9). channels
// is the Opus channel count.
func newWriter(path, mime string, clockRate uint32, channels uint16) (rtpWriter, error) {
	switch strings.ToLower(mime) {
	case strings.ToLower(webrtc.MimeTypeOpus):
		if channels == 0 {
			channels = 2
		}
		w, err := mediafile.NewOggWriter(path, mediafile.OggOptions{Channels: int(channels)})
		if err != nil {
			return nil, err
		}
		return oggRTPWriter{w}, nil
	case strings.ToLower(webrtc.MimeTypeVP8):
		w, err := ivfwriter.New(path, ivfwriter.WithCodec(webrtc.MimeTypeVP8))
		if err != nil {
			return nil, err
		}
		return &vp8IVFWriter{IVFWriter: w, path: path}, nil
	case strings.ToLower(webrtc.MimeTypeH264):
		return h264writer.New(path)
	case strings.ToLower(webrtc.MimeTypeVP9):
		return newVP9IVFWriter(path)
	}
	return nil, fmt.Errorf("no file format for %s", mime)
}

// vp8IVFWriter is pion's ivfwriter, whose header always says 640x480:
// Close writes the size of the first key frame into the header instead.
type vp8IVFWriter struct {
	*ivfwriter.IVFWriter
	path          string
	width, height uint16
}

func (w *vp8IVFWriter) WriteRTP(p *rtp.Packet) error {
	if w.width == 0 {
		var vp8 codecs.VP8Packet
		if b, err := vp8.Unmarshal(p.Payload); err == nil && vp8.S == 1 && vp8.PID == 0 {
			if width, height, ok := vp8KeyFrameSize(b); ok {
				w.width, w.height = width, height
			}
		}
	}
	return w.IVFWriter.WriteRTP(p)
}

func (w *vp8IVFWriter) Close() error {
	if err := w.IVFWriter.Close(); err != nil {
		return err
	}
	if w.width == 0 {
		return nil
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	var size [4]byte
	binary.LittleEndian.PutUint16(size[0:], w.width)
	binary.LittleEndian.PutUint16(size[2:], w.height)
	_, err = f.WriteAt(size[:], 12)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// vp8KeyFrameSize reads a VP8 key frame's size from the start of its
// bitstream (RFC 6386, 9.1).
func vp8KeyFrameSize(b []byte) (width, height uint16, ok bool) {
	if len(b) < 10 || b[0]&1 != 0 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint16(b[6:]) & 0x3fff, binary.LittleEndian.Uint16(b[8:]) & 0x3fff, true
}

// vp9IVFWriter assembles VP9 frames from RTP (one spatial layer) and
// writes them into an IVF file, starting at the first key frame. PTS are
// in RTP clock ticks (the header's time base is 1/90000).
type vp9IVFWriter struct {
	f             *os.File
	frame         []byte
	inFrame       bool
	started       bool
	count         uint32
	firstTS       uint32
	width, height uint16
}

func newVP9IVFWriter(path string) (*vp9IVFWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &vp9IVFWriter{f: f}
	if _, err := f.Write(ivfHeader("VP90", 0, 0, 90000, 1, 0)); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// ivfHeader is the 32-byte IVF file header.
func ivfHeader(fourcc string, width, height uint16, rate, scale, frames uint32) []byte {
	h := make([]byte, 32)
	copy(h[0:], "DKIF")
	binary.LittleEndian.PutUint16(h[4:], 0)
	binary.LittleEndian.PutUint16(h[6:], 32)
	copy(h[8:], fourcc)
	binary.LittleEndian.PutUint16(h[12:], width)
	binary.LittleEndian.PutUint16(h[14:], height)
	binary.LittleEndian.PutUint32(h[16:], rate)
	binary.LittleEndian.PutUint32(h[20:], scale)
	binary.LittleEndian.PutUint32(h[24:], frames)
	return h
}

func (w *vp9IVFWriter) WriteRTP(p *rtp.Packet) error {
	if w.f == nil {
		return os.ErrClosed
	}
	if len(p.Payload) == 0 {
		return nil
	}
	var vp9 codecs.VP9Packet
	b, err := vp9.Unmarshal(p.Payload)
	if err != nil {
		return err
	}
	if vp9.B {
		key, width, height := vp9FrameInfo(b)
		if !w.started && !key {
			return nil
		}
		if key && w.width == 0 {
			w.width, w.height = width, height
		}
		if !w.started {
			w.started, w.firstTS = true, p.Timestamp
		}
		w.frame, w.inFrame = w.frame[:0], true
	}
	if !w.inFrame {
		return nil
	}
	w.frame = append(w.frame, b...)
	if !p.Marker {
		return nil
	}
	w.inFrame = false
	hdr := make([]byte, 12)
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(w.frame)))
	binary.LittleEndian.PutUint64(hdr[4:], uint64(p.Timestamp-w.firstTS))
	if _, err := w.f.Write(hdr); err != nil {
		return err
	}
	if _, err := w.f.Write(w.frame); err != nil {
		return err
	}
	w.count++
	return nil
}

func (w *vp9IVFWriter) Close() error {
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	_, err := f.WriteAt(ivfHeader("VP90", w.width, w.height, 90000, 1, w.count), 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// vp9FrameInfo reads a VP9 frame's uncompressed header: whether it is a
// key frame and, if so, its size.
func vp9FrameInfo(b []byte) (key bool, width, height uint16) {
	r := bitReader{b: b}
	if r.bits(2) != 2 { // frame_marker
		return false, 0, 0
	}
	profile := r.bits(1) | r.bits(1)<<1
	if profile == 3 {
		r.bits(1)
	}
	if r.bits(1) == 1 { // show_existing_frame
		return false, 0, 0
	}
	if r.bits(1) != 0 { // frame_type: 0 is a key frame
		return false, 0, 0
	}
	r.bits(2)                   // show_frame, error_resilient_mode
	if r.bits(24) != 0x498342 { // frame_sync_code
		return true, 0, 0
	}
	if profile >= 2 {
		r.bits(1) // ten_or_twelve_bit
	}
	if r.bits(3) != 7 { // color_space != CS_RGB
		r.bits(1) // color_range
		if profile == 1 || profile == 3 {
			r.bits(3)
		}
	} else if profile == 1 || profile == 3 {
		r.bits(1)
	}
	w, h := r.bits(16)+1, r.bits(16)+1
	if r.err {
		return true, 0, 0
	}
	return true, uint16(w), uint16(h)
}

type bitReader struct {
	b   []byte
	pos int
	err bool
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		if r.pos/8 >= len(r.b) {
			r.err = true
			return 0
		}
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}
