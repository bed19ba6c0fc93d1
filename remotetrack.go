package mediasoupclient

import (
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
)

// RemoteTrack is a consumer's received media, read as RTP. It is usable as
// soon as Consume returns, before the transport has connected: reads block
// until media arrives, read deadlines work at any time, and reads end with
// io.EOF once the consumer or its transport closes. It has the reading
// methods of pion's *webrtc.TrackRemote, which TrackRemote returns.
//
// While the consumer is paused locally (Consumer.Pause), packets that
// still arrive are dropped: nothing reaches the readers.
type RemoteTrack struct {
	pion     *webrtc.TrackRemote
	codec    webrtc.RTPCodecParameters
	kind     webrtc.RTPCodecType
	ssrc     webrtc.SSRC
	id       string
	streamID string
	started  <-chan struct{}
	paused   atomic.Bool

	mu        sync.Mutex
	deadline  time.Time
	dlChanged chan struct{}
	// applied: the receiver started and the deadline is pion's now.
	applied bool
	done    chan struct{}
	endErr  error
}

func newRemoteTrack(pion *webrtc.TrackRemote, started <-chan struct{}, kind MediaKind, rtpParams RTPParameters, id, streamID string) *RemoteTrack {
	t := &RemoteTrack{
		pion: pion, started: started, id: id, streamID: streamID,
		kind: webrtc.RTPCodecTypeVideo, dlChanged: make(chan struct{}), done: make(chan struct{}),
	}
	if kind == MediaKindAudio {
		t.kind = webrtc.RTPCodecTypeAudio
	}
	if len(rtpParams.Encodings) > 0 {
		t.ssrc = webrtc.SSRC(rtpParams.Encodings[0].SSRC)
	}
	if len(rtpParams.Codecs) > 0 {
		c := rtpParams.Codecs[0]
		t.codec = webrtc.RTPCodecParameters{
			PayloadType: webrtc.PayloadType(c.PayloadType),
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: c.MimeType, ClockRate: uint32(c.ClockRate), SDPFmtpLine: fmtpLine(c.Parameters),
			},
		}
		if c.Channels != nil {
			t.codec.Channels = uint16(*c.Channels)
		}
		for _, fb := range c.RTCPFeedback {
			t.codec.RTCPFeedback = append(t.codec.RTCPFeedback, webrtc.RTCPFeedback{Type: fb.Type, Parameter: fb.Parameter})
		}
	}
	return t
}

func fmtpLine(p CodecParameters) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		v, _ := p.String(k)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// TrackRemote returns pion's track underneath. Before the transport has
// connected pion v3 panics on its SetReadDeadline and its reads never
// return if the consumer closes: read through the RemoteTrack instead.
func (t *RemoteTrack) TrackRemote() *webrtc.TrackRemote { return t.pion }

// ID returns the track id (the consumer's ID).
func (t *RemoteTrack) ID() string { return t.id }

// StreamID returns the msid stream id the track belongs to.
func (t *RemoteTrack) StreamID() string { return t.streamID }

// Kind returns the track's kind.
func (t *RemoteTrack) Kind() webrtc.RTPCodecType { return t.kind }

// SSRC returns the consumer's media SSRC.
func (t *RemoteTrack) SSRC() webrtc.SSRC { return t.ssrc }

// PayloadType returns the consumer's media payload type.
func (t *RemoteTrack) PayloadType() webrtc.PayloadType { return t.codec.PayloadType }

// Codec returns the consumer's media codec, known from its RTP parameters
// before any packet arrives.
func (t *RemoteTrack) Codec() webrtc.RTPCodecParameters { return t.codec }

// Read reads one RTP packet into b. It blocks until a packet arrives, the
// read deadline passes (an error whose Timeout() is true), or the track
// ends (io.EOF when the consumer or transport closed).
func (t *RemoteTrack) Read(b []byte) (int, interceptor.Attributes, error) {
	for {
		if err := t.waitStarted(); err != nil {
			return 0, nil, err
		}
		n, a, err := t.pion.Read(b)
		if err != nil {
			select {
			case <-t.done:
				return 0, nil, t.end()
			default:
			}
			return n, a, err
		}
		if t.paused.Load() {
			continue
		}
		return n, a, nil
	}
}

// ReadRTP reads and parses one RTP packet.
func (t *RemoteTrack) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	b := make([]byte, 1500)
	n, a, err := t.Read(b)
	if err != nil {
		return nil, nil, err
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(b[:n]); err != nil {
		return nil, nil, err
	}
	return p, a, nil
}

// SetReadDeadline sets the deadline of pending and future reads; the zero
// time means none. It works before the transport has connected.
func (t *RemoteTrack) SetReadDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deadline = d
	close(t.dlChanged)
	t.dlChanged = make(chan struct{})
	if t.applied {
		return handler.SetTrackReadDeadline(t.pion, d)
	}
	return nil
}

// waitStarted blocks until pion started the receiver, the deadline passes
// or the track ends.
func (t *RemoteTrack) waitStarted() error {
	t.mu.Lock()
	applied, done := t.applied, t.done
	t.mu.Unlock()
	select {
	case <-done:
		return t.end()
	default:
	}
	if applied {
		return nil
	}
	for {
		t.mu.Lock()
		dl, changed := t.deadline, t.dlChanged
		t.mu.Unlock()
		var timer *time.Timer
		var expired <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return deadlineError{}
			}
			timer = time.NewTimer(d)
			expired = timer.C
		}
		select {
		case <-t.started:
			if timer != nil {
				timer.Stop()
			}
			t.mu.Lock()
			defer t.mu.Unlock()
			if !t.applied {
				if err := handler.SetTrackReadDeadline(t.pion, t.deadline); err != nil {
					return err
				}
				t.applied = true
			}
			return nil
		case <-done:
			if timer != nil {
				timer.Stop()
			}
			return t.end()
		case <-changed:
			if timer != nil {
				timer.Stop()
			}
		case <-expired:
			return deadlineError{}
		}
	}
}

// close ends the track: pending and later reads return err (io.EOF when
// nil).
func (t *RemoteTrack) close(err error) {
	if err == nil {
		err = io.EOF
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.done:
		return
	default:
	}
	t.endErr = err
	close(t.done)
	if t.applied {
		// Wake a reader blocked inside pion; it sees done and returns.
		_ = handler.SetTrackReadDeadline(t.pion, time.Unix(1, 0))
	}
}

func (t *RemoteTrack) end() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.endErr
}

// isStarted reports whether pion started the track's receiver.
func (t *RemoteTrack) isStarted() bool {
	select {
	case <-t.started:
		return true
	default:
		return false
	}
}

// deadlineError is returned by reads whose deadline passed before the
// receiver started; like pion's, it is a net.Error with Timeout() true.
type deadlineError struct{}

func (deadlineError) Error() string   { return "read deadline exceeded" }
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }
func (deadlineError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}
