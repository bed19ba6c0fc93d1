package mediasoupclient

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
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
	r        handler.TrackReader
	codec    webrtc.RTPCodecParameters
	kind     webrtc.RTPCodecType
	ssrc     webrtc.SSRC
	id       string
	streamID string
	paused   atomic.Bool

	mu     sync.Mutex
	done   chan struct{}
	endErr error
}

func newRemoteTrack(r handler.TrackReader, kind MediaKind, rtpParams params.RTPParameters, id, streamID string) *RemoteTrack {
	t := &RemoteTrack{
		r: r, id: id, streamID: streamID,
		kind: webrtc.RTPCodecTypeVideo, done: make(chan struct{}),
	}
	if kind == MediaKindAudio {
		t.kind = webrtc.RTPCodecTypeAudio
	}
	if len(rtpParams.Encodings) > 0 {
		t.ssrc = webrtc.SSRC(rtpParams.Encodings[0].SSRC)
	}
	if len(rtpParams.Codecs) > 0 {
		t.codec = handler.PionCodec(rtpParams.Codecs[0])
	}
	return t
}

// TrackRemote returns pion's track underneath (nil with the ORTC handler
// until the receiver started). Read through the RemoteTrack instead: before
// the transport has connected pion v3 panics on the TrackRemote's
// SetReadDeadline and its reads never return if the consumer closes, and
// with the ORTC handler reading it directly bypasses the interceptors
// (NACKs, receiver reports, stats).
func (t *RemoteTrack) TrackRemote() *webrtc.TrackRemote { return t.r.TrackRemote() }

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
		select {
		case <-t.done:
			return 0, nil, t.end()
		default:
		}
		n, a, err := t.r.Read(b)
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
	select {
	case <-t.done:
		return nil
	default:
	}
	return t.r.SetReadDeadline(d)
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
	// Wake a pending read; it sees done and returns.
	_ = t.r.SetReadDeadline(time.Unix(1, 0))
}

func (t *RemoteTrack) end() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.endErr
}

// isStarted reports whether the track's receiver has started.
func (t *RemoteTrack) isStarted() bool {
	select {
	case <-t.r.Started():
		return true
	default:
		return false
	}
}
