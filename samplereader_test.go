package mediasoupclient

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func TestNewSampleReaderCodecs(t *testing.T) {
	for _, tc := range []struct {
		mime string
		want error
	}{
		{"audio/opus", nil},
		{"video/VP8", nil},
		{"video/vp9", nil},
		{"video/H264", nil},
		{"video/AV1", ErrUnsupported},
		{"audio/PCMU", ErrUnsupported},
		{"", ErrInvalidState}, // no codec at all
	} {
		t.Run(tc.mime, func(t *testing.T) {
			c := &Consumer{}
			if tc.mime != "" {
				c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: tc.mime, ClockRate: 90000}}
			}
			r, err := c.NewSampleReader(0)
			if tc.want == nil {
				require.NoError(t, err)
				assert.NotNil(t, r)
				return
			}
			assert.True(t, errors.Is(err, tc.want), "got %v", err)
			assert.Nil(t, r)
		})
	}
}

func TestSampleReaderMarksKeyFrames(t *testing.T) {
	vp8Key := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	vp8Inter := []byte{0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	for _, tc := range []struct {
		mime string
		data []byte
		key  bool
	}{
		{"audio/opus", []byte{0xfc, 1, 2}, true},
		{"video/VP8", vp8Key, true},
		{"video/VP8", vp8Inter, false},
		{"video/H264", []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65, 0x88}, true},
		{"video/H264", []byte{0, 0, 0, 1, 0x41, 0x9a}, false},
		{"video/VP9", []byte{0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf0}, true},
		{"video/VP9", []byte{0x86, 0x00}, false},
	} {
		c := &Consumer{}
		c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: tc.mime, ClockRate: 90000}}
		r, err := c.NewSampleReader(0)
		require.NoError(t, err)
		s := r.sample(&media.Sample{Data: tc.data, Duration: time.Millisecond})
		assert.Equal(t, tc.key, s.KeyFrame, "%s % x", tc.mime, tc.data)
		assert.Equal(t, tc.data, s.Data)
		assert.Equal(t, time.Millisecond, s.Duration)
	}
}

// packetTrack is a track reader that hands out packets, then ends (or,
// with hold set, times out as a live track with nothing to read does).
type packetTrack struct {
	pkts    []*rtp.Packet
	started chan struct{}
	hold    bool
}

// timeoutError is what a read past its deadline returns.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func (p *packetTrack) Read(b []byte) (int, interceptor.Attributes, error) {
	if len(p.pkts) == 0 {
		if p.hold {
			time.Sleep(time.Millisecond)
			return 0, nil, timeoutError{}
		}
		return 0, nil, io.EOF
	}
	raw, err := p.pkts[0].Marshal()
	if err != nil {
		return 0, nil, err
	}
	p.pkts = p.pkts[1:]
	return copy(b, raw), nil, nil
}

func (p *packetTrack) SetReadDeadline(time.Time) error  { return nil }
func (p *packetTrack) Started() <-chan struct{}         { return p.started }
func (p *packetTrack) TrackRemote() *webrtc.TrackRemote { return nil }

func pkt(seq uint16, ts uint32, marker bool, payload ...byte) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker, PayloadType: 96, SSRC: 1}, Payload: payload}
}

// When the track ends, the frames still complete come out, the last one
// included, with the duration of the step before it; a last frame missing
// a packet does not.
func TestSampleReaderReleasesLastFrame(t *testing.T) {
	vp8Key := []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	vp8Cont := []byte{0x00, 0xaa, 0xbb}
	vp8Inter := []byte{0x10, 0x11, 0x02, 0x00}
	for _, tc := range []struct {
		name      string
		mime      string
		clock     uint32
		pkts      []*rtp.Packet
		frames    int
		lastDur   time.Duration
		lastBytes int
	}{
		{"opus", "audio/opus", 48000, []*rtp.Packet{
			pkt(65534, 0, false, 0xfc, 1), pkt(65535, 960, false, 0xfc, 2), pkt(0, 1920, false, 0xfc, 3, 4),
		}, 3, 20 * time.Millisecond, 3},
		{"vp8", "video/VP8", 90000, []*rtp.Packet{
			pkt(10, 3000, false, vp8Key...), pkt(11, 3000, true, vp8Cont...),
			pkt(12, 6000, false, vp8Inter...), pkt(13, 6000, true, vp8Cont...),
		}, 2, time.Second / 30, 3 + 2},
		{"vp8 reordered", "video/VP8", 90000, []*rtp.Packet{
			pkt(10, 3000, false, vp8Key...), pkt(11, 3000, true, vp8Cont...),
			pkt(13, 6000, true, vp8Cont...), pkt(12, 6000, false, vp8Inter...),
		}, 2, time.Second / 30, 3 + 2},
		{"vp8 last frame incomplete", "video/VP8", 90000, []*rtp.Packet{
			pkt(10, 3000, false, vp8Key...), pkt(11, 3000, true, vp8Cont...),
			pkt(12, 6000, false, vp8Inter...), pkt(14, 9000, true, vp8Cont...),
		}, 1, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := make(chan struct{})
			close(started)
			c := &Consumer{}
			c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: tc.mime, ClockRate: int(tc.clock)}}
			c.track = newRemoteTrack(&packetTrack{pkts: tc.pkts, started: started}, MediaKindVideo, c.rtp, "c", "s")
			r, err := c.NewSampleReader(0)
			require.NoError(t, err)
			var got []*Sample
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for {
				s, err := r.ReadSample(ctx)
				if err != nil {
					require.ErrorIs(t, err, io.EOF)
					break
				}
				got = append(got, s)
			}
			require.Len(t, got, tc.frames)
			if tc.lastDur != 0 {
				last := got[len(got)-1]
				assert.Equal(t, tc.lastDur, last.Duration)
				assert.Len(t, last.Data, tc.lastBytes)
			}
			_, err = r.ReadSample(ctx)
			require.ErrorIs(t, err, io.EOF, "the end stays")
		})
	}
}

// Flush hands out what the reader holds, the last frame included, while
// the track is still live; reads end after it.
func TestSampleReaderFlush(t *testing.T) {
	started := make(chan struct{})
	close(started)
	c := &Consumer{}
	c.rtp.Codecs = []params.RTPCodecParameters{{MimeType: "audio/opus", ClockRate: 48000}}
	c.track = newRemoteTrack(&packetTrack{
		pkts:    []*rtp.Packet{pkt(1, 0, false, 0xfc, 1), pkt(2, 960, false, 0xfc, 2), pkt(3, 1920, false, 0xfc, 3)},
		started: started, hold: true,
	}, MediaKindAudio, c.rtp, "c", "s")
	r, err := c.NewSampleReader(0)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var got []*Sample
	for {
		s, err := r.ReadSample(ctx)
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
			break
		}
		got = append(got, s)
	}
	require.Len(t, got, 2, "the third frame waits for a fourth")
	rest := r.Flush()
	require.Len(t, rest, 1)
	assert.Equal(t, []byte{0xfc, 3}, rest[0].Data)
	assert.Equal(t, 20*time.Millisecond, rest[0].Duration)
	assert.Empty(t, r.Flush(), "nothing twice")
	_, err = r.ReadSample(context.Background())
	require.ErrorIs(t, err, io.EOF)
}
