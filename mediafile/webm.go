package mediafile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/codecframe"
)

// WebMOptions says which tracks a WebMWriter holds: Opus audio, VP8 or VP9
// video, or both.
type WebMOptions struct {
	// AudioMimeType is webrtc.MimeTypeOpus, or empty for no audio track.
	AudioMimeType string
	// VideoMimeType is webrtc.MimeTypeVP8 or MimeTypeVP9, or empty for no
	// video track.
	VideoMimeType string
	// Channels of the audio track: 1 or 2 (0: 2).
	Channels int
}

// WebM timing: timecodes count milliseconds; a block's timecode is a
// signed 16-bit offset from its cluster's.
const (
	webmTimecodeScale   = uint64(time.Millisecond)
	webmMaxBlockOffset  = 30000 // ms, within int16 with room to spare
	webmAudioCluster    = 5000  // ms, cluster length without video
	webmOpusSeekPreRoll = 80 * time.Millisecond
	webmDurationMarker  = 1234.5 // placeholder Duration, found and rewritten on Close
)

// WebMWriter writes an Opus track and a VP8 or VP9 track into one WebM
// (Matroska) file, as SimpleBlocks with their key-frame flags. Each track's
// timeline starts at zero and advances by its samples' durations. With a
// video track, the file starts at the first video key frame (its header
// needs the picture size): samples of either track before it are skipped.
// Close writes the duration. Its methods are safe for concurrent use, so
// two goroutines can each write one track.
type WebMWriter struct {
	mu          sync.Mutex
	f           *os.File
	w           *bufio.Writer
	path        string
	opts        WebMOptions
	audioTrack  uint64 // track numbers, 0 for none
	videoTrack  uint64
	started     bool  // the header is written
	durationPos int64 // file offset of the Duration's float
	audioTime   time.Duration
	videoTime   time.Duration
	lastVideo   time.Duration
	clusterTime int64 // ms
	haveCluster bool
	end         int64 // ms: the latest block's end
	closed      bool
	err         error
}

// NewWebMWriter creates path for the tracks opts names.
func NewWebMWriter(path string, opts WebMOptions) (*WebMWriter, error) {
	w := &WebMWriter{path: path, opts: opts}
	if opts.AudioMimeType == "" && opts.VideoMimeType == "" {
		return nil, fmt.Errorf("%w: %s: WebM with no track", ErrFormat, path)
	}
	if opts.AudioMimeType != "" {
		if !strings.EqualFold(opts.AudioMimeType, webrtc.MimeTypeOpus) {
			return nil, fmt.Errorf("%w: %s: WebM audio is Opus, not %q", ErrFormat, path, opts.AudioMimeType)
		}
		w.audioTrack = 1
	}
	if opts.VideoMimeType != "" {
		if !strings.EqualFold(opts.VideoMimeType, webrtc.MimeTypeVP8) && !strings.EqualFold(opts.VideoMimeType, webrtc.MimeTypeVP9) {
			return nil, fmt.Errorf("%w: %s: WebM video is VP8 or VP9, not %q", ErrFormat, path, opts.VideoMimeType)
		}
		w.videoTrack = w.audioTrack + 1
	}
	if w.opts.Channels == 0 {
		w.opts.Channels = 2
	}
	if w.opts.Channels < 1 || w.opts.Channels > 2 {
		return nil, fmt.Errorf("%w: %s: %d channels (want 1 or 2)", ErrFormat, path, opts.Channels)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w.f, w.w = f, bufio.NewWriter(f)
	if w.videoTrack == 0 {
		if err := w.writeHeader(0, 0); err != nil {
			f.Close()
			return nil, err
		}
	}
	return w, nil
}

// webmHeader is the EBML header and the start of a Segment of unknown
// size: its Info and Tracks. Clusters follow it in the file.
type webmHeader struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment struct {
		Info   webm.Info   `ebml:"Info"`
		Tracks webm.Tracks `ebml:"Tracks"`
	} `ebml:"Segment,size=unknown"`
}

// writeHeader writes the file header, with the video track's picture size.
func (w *WebMWriter) writeHeader(width, height int) error {
	var h webmHeader
	h.Header = *webm.DefaultEBMLHeader
	h.Segment.Info = webm.Info{
		TimecodeScale: webmTimecodeScale,
		MuxingApp:     "mediasoup-client-go",
		WritingApp:    "mediasoup-client-go",
		Duration:      webmDurationMarker,
	}
	if w.audioTrack != 0 {
		head := make([]byte, opusHeadMinSize)
		copy(head, "OpusHead")
		head[8] = 1
		head[9] = byte(w.opts.Channels)
		binary.LittleEndian.PutUint32(head[12:], opusRate)
		h.Segment.Tracks.TrackEntry = append(h.Segment.Tracks.TrackEntry, webm.TrackEntry{
			Name:         "audio",
			TrackNumber:  w.audioTrack,
			TrackUID:     w.audioTrack,
			CodecID:      "A_OPUS",
			CodecPrivate: head,
			TrackType:    2,
			SeekPreRoll:  uint64(webmOpusSeekPreRoll),
			Audio:        &webm.Audio{SamplingFrequency: opusRate, Channels: uint64(w.opts.Channels)},
		})
	}
	if w.videoTrack != 0 {
		codec := "V_VP8"
		if strings.EqualFold(w.opts.VideoMimeType, webrtc.MimeTypeVP9) {
			codec = "V_VP9"
		}
		h.Segment.Tracks.TrackEntry = append(h.Segment.Tracks.TrackEntry, webm.TrackEntry{
			Name:        "video",
			TrackNumber: w.videoTrack,
			TrackUID:    w.videoTrack,
			CodecID:     codec,
			TrackType:   1,
			Video:       &webm.Video{PixelWidth: uint64(width), PixelHeight: uint64(height)},
		})
	}
	var buf bytes.Buffer
	if err := ebml.Marshal(&h, &buf); err != nil {
		return err
	}
	// The Duration element: ID 44 89, size 8, then the float.
	marker := []byte{0x44, 0x89, 0x88}
	marker = binary.BigEndian.AppendUint64(marker, math.Float64bits(webmDurationMarker))
	i := bytes.Index(buf.Bytes(), marker)
	if i < 0 {
		return fmt.Errorf("mediafile: %s: WebM header has no Duration to rewrite", w.path)
	}
	w.durationPos = int64(i + 3)
	if _, err := w.w.Write(buf.Bytes()); err != nil {
		return err
	}
	w.started = true
	return nil
}

// WriteAudio appends one Opus packet to the audio track. A sample without a
// duration lasts what its TOC byte says.
func (w *WebMWriter) WriteAudio(s *msc.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.check(s, w.audioTrack, "audio"); err != nil {
		return err
	}
	toc, ok := opusDuration(s.Data)
	if !ok {
		return fmt.Errorf("%w: %s: Opus packet of %d bytes has no valid TOC byte", ErrFormat, w.path, len(s.Data))
	}
	if !w.started {
		return nil
	}
	d := s.Duration
	if d <= 0 {
		d = toc
	}
	t := w.audioTime
	w.audioTime += d
	return w.writeBlock(w.audioTrack, t, d, true, s.Data)
}

// WriteVideo appends one VP8 or VP9 frame to the video track. Frames before
// the first key frame are skipped. A sample without a duration lasts as
// long as the one before it (1/30 s for the first).
func (w *WebMWriter) WriteVideo(s *msc.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.check(s, w.videoTrack, "video"); err != nil {
		return err
	}
	if !w.started {
		if !s.KeyFrame {
			return nil
		}
		width, height, _ := codecframe.VideoSize(w.opts.VideoMimeType, s.Data)
		if w.err = w.writeHeader(width, height); w.err != nil {
			return w.err
		}
	}
	d := s.Duration
	if d <= 0 {
		d = w.lastVideo
	}
	if d <= 0 {
		d = time.Second / 30
	}
	w.lastVideo = d
	t := w.videoTime
	w.videoTime += d
	return w.writeBlock(w.videoTrack, t, d, s.KeyFrame, s.Data)
}

// check refuses a write after Close or an error, to a track the file does
// not have, or of an empty frame.
func (w *WebMWriter) check(s *msc.Sample, track uint64, kind string) error {
	switch {
	case w.closed:
		return fmt.Errorf("mediafile: %s: write after Close", w.path)
	case w.err != nil:
		return w.err
	case track == 0:
		return fmt.Errorf("%w: %s: the WebM file has no %s track", ErrFormat, w.path, kind)
	case s == nil || len(s.Data) == 0:
		return fmt.Errorf("%w: %s: empty %s frame", ErrFormat, w.path, kind)
	}
	return nil
}

// writeBlock writes a SimpleBlock at time t, starting a cluster at each
// video key frame (or every few seconds of audio alone) and whenever the
// block's offset would not fit the cluster.
func (w *WebMWriter) writeBlock(track uint64, t, d time.Duration, key bool, data []byte) error {
	ms := int64(t / time.Millisecond)
	off := ms - w.clusterTime
	newCluster := !w.haveCluster || off > webmMaxBlockOffset || off < -webmMaxBlockOffset ||
		(track == w.videoTrack && key && off > 0) ||
		(w.videoTrack == 0 && off >= webmAudioCluster)
	if newCluster {
		cluster := struct {
			Cluster struct {
				Timecode uint64 `ebml:"Timecode"`
			} `ebml:"Cluster,size=unknown"`
		}{}
		cluster.Cluster.Timecode = uint64(ms)
		if w.err = ebml.Marshal(&cluster, w.w); w.err != nil {
			return w.err
		}
		w.clusterTime, w.haveCluster, off = ms, true, 0
	}
	block := struct {
		Block ebml.Block `ebml:"SimpleBlock"`
	}{ebml.Block{TrackNumber: track, Timecode: int16(off), Keyframe: key, Data: [][]byte{data}}}
	if w.err = ebml.Marshal(&block, w.w); w.err != nil {
		return w.err
	}
	w.end = max(w.end, int64((t+d)/time.Millisecond))
	return nil
}

// Close writes the duration and closes the file. Calling it again returns
// nil.
func (w *WebMWriter) Close() error {
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
	if err == nil && w.started {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(float64(w.end)))
		_, err = w.f.WriteAt(b[:], w.durationPos)
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
