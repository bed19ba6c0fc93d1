package ortcrecv

import (
	"io"
	"time"

	"github.com/pion/srtp/v2"
)

// strayLinger is how long the stream of an undeclared SSRC stays open:
// packets that beat their consumer's Receive wait in it for the receiver,
// which takes the stream over; otherwise it is closed (and pion drops what
// it held).
const strayLinger = 500 * time.Millisecond

// strayKey names a stray stream: its SSRC, RTP or RTCP.
type strayKey struct {
	ssrc uint32
	rtcp bool
}

// stray is an open stream of an undeclared SSRC.
type stray struct {
	stream io.Closer
	timer  *time.Timer
}

// acceptRTP takes the SRTP streams pion opens for SSRCs it did not know:
// a receiver's own stream when its first packet beat its start, the
// probator's stream (drained for as long as the transport lives), and
// strays. It ends when the session closes.
func (t *Transport) acceptRTP(s *srtp.SessionSRTP) {
	defer t.wg.Done()
	for {
		rs, ssrc, err := s.AcceptStream()
		if err != nil {
			return
		}
		t.mu.Lock()
		switch {
		case t.closed:
			_ = rs.Close()
		case t.declared[ssrc] != nil:
			// The receiver opened this very stream.
		case ssrc == probatorSSRC && t.probator == nil:
			t.probator = rs
			t.wg.Add(1)
			go t.drain(rs)
		default:
			t.addStrayLocked(strayKey{ssrc: ssrc}, rs)
		}
		t.mu.Unlock()
	}
}

// acceptRTCP is acceptRTP for SRTCP: a compound packet opens a stream for
// every SSRC it names.
func (t *Transport) acceptRTCP(s *srtp.SessionSRTCP) {
	defer t.wg.Done()
	for {
		rs, ssrc, err := s.AcceptStream()
		if err != nil {
			return
		}
		t.mu.Lock()
		switch {
		case t.closed:
			_ = rs.Close()
		case t.declared[ssrc] != nil:
		default:
			t.addStrayLocked(strayKey{ssrc: ssrc, rtcp: true}, rs)
		}
		t.mu.Unlock()
	}
}

// drain reads and drops the probation packets until the stream closes.
func (t *Transport) drain(rs *srtp.ReadStreamSRTP) {
	defer t.wg.Done()
	// As large as the session's own read buffer: a shorter one fails.
	buf := make([]byte, 8192)
	for {
		if _, err := rs.Read(buf); err != nil {
			return
		}
	}
}

func (t *Transport) addStrayLocked(k strayKey, stream io.Closer) {
	if old := t.strays[k]; old != nil {
		old.timer.Stop()
		_ = old.stream.Close()
	}
	s := &stray{stream: stream}
	s.timer = time.AfterFunc(strayLinger, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.strays[k] == s {
			delete(t.strays, k)
			// Closed under the lock: a Receive of the SSRC cannot pick the
			// stream up meanwhile.
			_ = stream.Close()
		}
	})
	t.strays[k] = s
}

// declareLocked registers the receiver's SSRCs and hands it the streams
// that already arrived for them: pion's OpenReadStream returns an open
// stream of the SSRC as it is.
func (t *Transport) declareLocked(r *Receiver) {
	for _, ssrc := range []uint32{r.ssrc, r.rtxSSRC} {
		if ssrc == 0 {
			continue
		}
		t.declared[ssrc] = r
		for _, k := range []strayKey{{ssrc: ssrc}, {ssrc: ssrc, rtcp: true}} {
			if s := t.strays[k]; s != nil {
				s.timer.Stop()
				delete(t.strays, k)
			}
		}
	}
}

func (t *Transport) undeclareLocked(r *Receiver) {
	for _, ssrc := range []uint32{r.ssrc, r.rtxSSRC} {
		if ssrc != 0 && t.declared[ssrc] == r {
			delete(t.declared, ssrc)
		}
	}
}
