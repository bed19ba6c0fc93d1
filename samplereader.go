package mediasoupclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/pion/webrtc/v3/pkg/media/samplebuilder"

	"github.com/soupkit/mediasoup-client-go/internal/codecframe"
)

// Sample is one whole frame of a consumer's media.
type Sample struct {
	media.Sample
	// KeyFrame is set when the frame decodes on its own: a VP8 or VP9 key
	// frame, an H264 access unit with an IDR slice; every Opus packet.
	KeyFrame bool
}

// SampleReader reads a consumer's media as whole frames: its RTP packets put
// back in order, reassembled and depacketized for the consumer's codec
// (Opus packets, VP8 and VP9 frames, H264 access units in Annex B). It
// takes over reading the consumer's track: do not read the track too.
type SampleReader struct {
	c        *Consumer
	sb       *samplebuilder.SampleBuilder
	mimeType string

	// The newest packet so far (by sequence number), the timestamp step
	// between its frame and the one before, and why the track ended: at
	// the end, a packet past the newest one releases the last frame.
	haveSeq bool
	maxSeq  uint16
	maxTS   uint32
	step    uint32
	endErr  error
}

// defaultMaxLate is how many packets a SampleReader waits for a missing
// one before it gives up on the frame: about a second of 1 Mbit/s video.
const defaultMaxLate = 128

// pollInterval bounds each blocking read, so that ReadSample notices its
// context ending while no packet arrives.
const pollInterval = 100 * time.Millisecond

// NewSampleReader returns a reader of the consumer's frames. maxLate is how
// many packets it waits for a missing packet before dropping the frame
// that needs it (0: 128). Codecs other than Opus, VP8, VP9 and H264 fail
// with ErrUnsupported.
func (c *Consumer) NewSampleReader(maxLate uint16) (*SampleReader, error) {
	if len(c.rtp.Codecs) == 0 {
		return nil, fmt.Errorf("sample reader: consumer has no codec: %w", ErrInvalidState)
	}
	codec := c.rtp.Codecs[0]
	var d rtp.Depacketizer
	switch strings.ToLower(codec.MimeType) {
	case "audio/opus":
		d = &codecs.OpusPacket{}
	case "video/vp8":
		d = &codecs.VP8Packet{}
	case "video/vp9":
		d = &codecs.VP9Packet{}
	case "video/h264":
		d = &codecs.H264Packet{}
	default:
		return nil, fmt.Errorf("sample reader: no depacketizer for %s: %w", codec.MimeType, ErrUnsupported)
	}
	if maxLate == 0 {
		maxLate = defaultMaxLate
	}
	return &SampleReader{c: c, sb: samplebuilder.New(maxLate, d, uint32(codec.ClockRate)), mimeType: codec.MimeType}, nil
}

// ReadSample returns the next frame, waiting for it until ctx ends. A frame
// is complete when the next one starts, so a frame comes out one frame
// later than its last packet. Once the consumer's track ends it returns
// the frames still complete (the last one included), then the track's
// error (io.EOF).
func (r *SampleReader) ReadSample(ctx context.Context) (*Sample, error) {
	track := r.c.Track()
	for {
		if s := r.sb.Pop(); s != nil {
			return r.sample(s), nil
		}
		if r.endErr != nil {
			return nil, r.endErr
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		deadline := time.Now().Add(pollInterval)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		if err := track.SetReadDeadline(deadline); err != nil {
			return nil, err
		}
		pkt, _, err := track.ReadRTP()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			r.endErr = err
			r.releaseLast()
			continue
		}
		r.note(pkt)
		r.sb.Push(pkt)
	}
}

// Flush ends the reader and returns the frames it still holds that are
// complete, the last one included, as if the track had ended: for a
// recording stopped while media still flows. Later reads return io.EOF.
// Call it when no ReadSample is running.
func (r *SampleReader) Flush() []*Sample {
	if r.endErr == nil {
		r.endErr = io.EOF
		r.releaseLast()
	}
	var out []*Sample
	for s := r.sb.Pop(); s != nil; s = r.sb.Pop() {
		out = append(out, r.sample(s))
	}
	return out
}

// note keeps the newest packet's sequence number and timestamp, and the
// timestamp step of the last two frames.
func (r *SampleReader) note(p *rtp.Packet) {
	if r.haveSeq && int16(p.SequenceNumber-r.maxSeq) <= 0 {
		return
	}
	if d := p.Timestamp - r.maxTS; r.haveSeq && d != 0 && d < 1<<31 {
		r.step = d
	}
	r.haveSeq, r.maxSeq, r.maxTS = true, p.SequenceNumber, p.Timestamp
}

// releaseLast pushes an empty packet one past the newest, a frame step
// later: the sample builder then knows the last frame has ended (its
// duration is the step), and drops the empty packet itself, which starts
// no frame. A last frame missing packets stays unreleased.
func (r *SampleReader) releaseLast() {
	if !r.haveSeq {
		return
	}
	step := r.step
	if step == 0 {
		step = 1
	}
	r.sb.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: r.maxSeq + 1, Timestamp: r.maxTS + step}})
}

// sample marks whether a frame of the reader's codec is a key frame.
func (r *SampleReader) sample(s *media.Sample) *Sample {
	return &Sample{Sample: *s, KeyFrame: codecframe.IsKeyFrame(r.mimeType, s.Data)}
}
