package ortcrecv

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Receiver is one consumer's RTP receiver. It is readable as soon as
// Receive returns: reads wait until the transport's DTLS connects and the
// receiver starts, read deadlines work at any time, and reads end with
// io.EOF once the receiver or its transport stops.
type Receiver struct {
	t       *Transport
	kind    params.MediaKind
	ssrc    uint32
	rtxSSRC uint32
	codec   webrtc.RTPCodecParameters
	info    *interceptor.StreamInfo
	pion    *webrtc.RTPReceiver
	rtpIn   interceptor.RTPReader
	rtcpIn  interceptor.RTCPReader

	// started is closed once pion's receiver started; done once the
	// receiver stopped (endErr says why).
	started chan struct{}
	done    chan struct{}
	once    sync.Once

	deadline handler.Deadline

	mu     sync.Mutex
	track  *webrtc.TrackRemote
	endErr error
}

// Receive adds a consumer: kind and the RTP parameters the server gave
// (its first encoding's SSRC and RTX SSRC, its first codec or the one the
// encoding names). It never blocks: before DTLS connects the receiver waits
// and starts when it does. The cost is the same however many receivers
// the transport has.
func (t *Transport) Receive(kind params.MediaKind, p params.RTPParameters) (*Receiver, error) {
	if kind != params.MediaKindAudio && kind != params.MediaKindVideo {
		return nil, fmt.Errorf("kind %q: %w", kind, params.ErrInvalidParameters)
	}
	if len(p.Encodings) == 0 || p.Encodings[0].SSRC == 0 || len(p.Codecs) == 0 {
		return nil, fmt.Errorf("RTP parameters need an encoding with an SSRC and a codec: %w", params.ErrInvalidParameters)
	}
	enc := p.Encodings[0]
	codec := p.Codecs[0]
	if enc.CodecPayloadType != nil {
		found := false
		for _, c := range p.Codecs {
			if c.PayloadType == *enc.CodecPayloadType {
				codec, found = c, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("encoding names payload type %d, not in the codecs: %w", *enc.CodecPayloadType, params.ErrInvalidParameters)
		}
	}
	r := &Receiver{
		t: t, kind: kind, ssrc: enc.SSRC, codec: handler.PionCodec(codec),
		started: make(chan struct{}), done: make(chan struct{}),
	}
	if enc.RTX != nil {
		r.rtxSSRC = enc.RTX.SSRC
	}
	if r.rtxSSRC == r.ssrc {
		return nil, fmt.Errorf("RTX SSRC equals the media SSRC: %w", params.ErrInvalidParameters)
	}
	pr, err := t.api.NewRTPReceiver(pionKind(kind), t.dtls)
	if err != nil {
		return nil, err
	}
	r.pion = pr
	r.info = streamInfo("", r.ssrc, codec, p.HeaderExtensions)

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("transport closed: %w", params.ErrInvalidState)
	}
	if t.declared[r.ssrc] != nil || (r.rtxSSRC != 0 && t.declared[r.rtxSSRC] != nil) {
		return nil, fmt.Errorf("SSRC %d already received: %w", r.ssrc, params.ErrInvalidParameters)
	}
	r.rtpIn = t.chain.BindRemoteStream(r.info, interceptor.RTPReaderFunc(r.readPion))
	r.rtcpIn = t.chain.BindRTCPReader(interceptor.RTCPReaderFunc(r.readPionRTCP))
	t.declareLocked(r)
	if t.srtpReady {
		t.startLocked(r)
	} else {
		t.pending[r] = struct{}{}
	}
	return r, nil
}

// startLocked starts pion's receiver: it opens the SRTP and SRTCP streams
// of the SSRC and the RTX SSRC, which must not block (DTLS is connected).
func (t *Transport) startLocked(r *Receiver) {
	enc := webrtc.RTPDecodingParameters{RTPCodingParameters: webrtc.RTPCodingParameters{
		SSRC: webrtc.SSRC(r.ssrc), PayloadType: r.codec.PayloadType,
		RTX: webrtc.RTPRtxParameters{SSRC: webrtc.SSRC(r.rtxSSRC)},
	}}
	if err := r.pion.Receive(webrtc.RTPReceiveParameters{Encodings: []webrtc.RTPDecodingParameters{enc}}); err != nil {
		t.undeclareLocked(r)
		_ = r.pion.Stop()
		t.chain.UnbindRemoteStream(r.info)
		r.end(fmt.Errorf("start receiver of SSRC %d: %w", r.ssrc, err))
		return
	}
	t.live[r] = struct{}{}
	r.mu.Lock()
	r.track = r.pion.Track()
	if dl := r.deadline.Get(); r.track != nil && !dl.IsZero() {
		_ = r.track.SetReadDeadline(dl)
	}
	r.mu.Unlock()
	close(r.started)
}

// StopReceiving stops a receiver: pion closes its streams, its RTX
// goroutine ends, the interceptors forget it, and its reads end with
// io.EOF. Stopping a stopped receiver does nothing.
func (t *Transport) StopReceiving(r *Receiver) error {
	if r == nil || r.t != t {
		return fmt.Errorf("receiver of another transport: %w", params.ErrInvalidParameters)
	}
	t.mu.Lock()
	_, live := t.live[r]
	_, pending := t.pending[r]
	if !live && !pending {
		t.mu.Unlock()
		return nil
	}
	delete(t.live, r)
	delete(t.pending, r)
	t.undeclareLocked(r)
	t.mu.Unlock()
	return r.stop(live)
}

// stop ends the receiver; live tells whether pion's receiver started.
func (r *Receiver) stop(live bool) error {
	var err error
	if live {
		err = r.pion.Stop()
	}
	r.t.chain.UnbindRemoteStream(r.info)
	r.end(io.EOF)
	return err
}

func (r *Receiver) end(err error) {
	r.once.Do(func() {
		r.mu.Lock()
		r.endErr = err
		r.mu.Unlock()
		close(r.done)
	})
}

func (r *Receiver) endError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.endErr
}

// Kind returns the receiver's media kind.
func (r *Receiver) Kind() params.MediaKind { return r.kind }

// SSRC returns the media SSRC.
func (r *Receiver) SSRC() uint32 { return r.ssrc }

// RTXSSRC returns the RTX SSRC, 0 when none.
func (r *Receiver) RTXSSRC() uint32 { return r.rtxSSRC }

// Codec returns the media codec, from the RTP parameters.
func (r *Receiver) Codec() webrtc.RTPCodecParameters { return r.codec }

// RTPReceiver returns pion's receiver.
func (r *Receiver) RTPReceiver() *webrtc.RTPReceiver { return r.pion }

// Started is closed once the receiver started (DTLS connected).
func (r *Receiver) Started() <-chan struct{} { return r.started }

// Done is closed once the receiver stopped.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// TrackRemote returns pion's track, nil until the receiver started.
// Reading it directly bypasses the transport's interceptors (no NACKs,
// receiver reports, congestion feedback or stats): read the Receiver.
func (r *Receiver) TrackRemote() *webrtc.TrackRemote {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.track
}

// Read reads one RTP packet into b, through the interceptors; RTX packets
// come out repaired (original SSRC, sequence number and payload type). It
// blocks until a packet arrives, the read deadline passes (an error whose
// Timeout() is true) or the receiver stops (io.EOF).
func (r *Receiver) Read(b []byte) (int, interceptor.Attributes, error) {
	if err := r.waitStarted(); err != nil {
		return 0, nil, err
	}
	n, a, err := r.rtpIn.Read(b, interceptor.Attributes{})
	if err != nil {
		select {
		case <-r.done:
			return 0, nil, r.endError()
		default:
		}
		return 0, nil, err
	}
	return n, a, nil
}

// ReadRTP reads and parses one RTP packet.
func (r *Receiver) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	b := make([]byte, 1500)
	n, a, err := r.Read(b)
	if err != nil {
		return nil, nil, err
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(b[:n]); err != nil {
		return nil, nil, err
	}
	return p, a, nil
}

// ReadRTCP reads the RTCP the server sends about this stream (sender
// reports), through the interceptors: the receiver reports then carry
// their last-SR fields. It ends with io.EOF once the receiver stops.
func (r *Receiver) ReadRTCP() ([]rtcp.Packet, error) {
	if err := r.waitStarted(); err != nil {
		return nil, err
	}
	b := make([]byte, 1500)
	n, _, err := r.rtcpIn.Read(b, interceptor.Attributes{})
	if err != nil {
		select {
		case <-r.done:
			return nil, r.endError()
		default:
		}
		return nil, err
	}
	return rtcp.Unmarshal(b[:n])
}

// SetReadDeadline sets the deadline of pending and later reads; the zero
// time means none.
func (r *Receiver) SetReadDeadline(d time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deadline.Set(d)
	if r.track != nil {
		return r.track.SetReadDeadline(d)
	}
	return nil
}

// RequestKeyFrame sends the server a picture loss indication for this
// stream. It fails before DTLS connects.
func (r *Receiver) RequestKeyFrame() error {
	return r.t.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: r.ssrc}})
}

// waitStarted blocks until the receiver started, the deadline passes or
// the receiver stops.
func (r *Receiver) waitStarted() error {
	if err := r.deadline.Wait(r.started, r.done); err != nil {
		return err
	}
	select {
	case <-r.done:
		return r.endError()
	default:
		return nil
	}
}

// readPion is the bottom of the interceptor chain: pion's track, which
// interleaves the repaired RTX packets.
func (r *Receiver) readPion(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	r.mu.Lock()
	tr := r.track
	r.mu.Unlock()
	if tr == nil {
		return 0, nil, errors.New("receiver not started")
	}
	n, pa, err := tr.Read(b)
	if err != nil {
		return 0, nil, err
	}
	if a == nil {
		a = pa
	}
	return n, a, nil
}

func (r *Receiver) readPionRTCP(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	n, _, err := r.pion.Read(b)
	return n, a, err
}
