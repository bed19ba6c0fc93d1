package ortcrecv

import (
	"sync"

	"github.com/pion/webrtc/v3"
)

// stateTracker combines the ICE and DTLS states into a PeerConnection
// state and reports each change, in order, from one goroutine at a time
// (started when there is something to report, ended when there is not).
type stateTracker struct {
	mu      sync.Mutex
	ice     webrtc.ICETransportState
	dtls    webrtc.DTLSTransportState
	failed  bool
	closed  bool
	state   webrtc.PeerConnectionState
	handler func(webrtc.PeerConnectionState)
	queue   []webrtc.PeerConnectionState
	running bool
	// calling is set while a handler runs; idle signals the end of a
	// dispatch.
	calling bool
	idle    *sync.Cond
}

func (s *stateTracker) init() {
	s.ice = webrtc.ICETransportStateNew
	s.dtls = webrtc.DTLSTransportStateNew
	s.state = webrtc.PeerConnectionStateNew
	s.idle = sync.NewCond(&s.mu)
}

func (s *stateTracker) onChange(f func(webrtc.PeerConnectionState)) {
	s.mu.Lock()
	s.handler = f
	s.mu.Unlock()
}

func (s *stateTracker) current() webrtc.PeerConnectionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *stateTracker) setICE(v webrtc.ICETransportState) {
	s.mu.Lock()
	s.ice = v
	s.updateLocked()
	s.mu.Unlock()
}

func (s *stateTracker) setDTLS(v webrtc.DTLSTransportState) {
	s.mu.Lock()
	s.dtls = v
	s.updateLocked()
	s.mu.Unlock()
}

// fail marks the transport failed (its connection ended with an error).
func (s *stateTracker) fail() {
	s.mu.Lock()
	s.failed = true
	s.updateLocked()
	s.mu.Unlock()
}

// close reports the closed state (later changes are ignored) and waits
// until the handler got it, unless a handler is running (it may be the
// caller).
func (s *stateTracker) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.updateLocked()
	for s.running && !s.calling {
		s.idle.Wait()
	}
}

func (s *stateTracker) combined() webrtc.PeerConnectionState {
	switch {
	case s.closed:
		return webrtc.PeerConnectionStateClosed
	case s.failed || s.ice == webrtc.ICETransportStateFailed || s.dtls == webrtc.DTLSTransportStateFailed:
		return webrtc.PeerConnectionStateFailed
	case s.ice == webrtc.ICETransportStateDisconnected:
		return webrtc.PeerConnectionStateDisconnected
	case (s.ice == webrtc.ICETransportStateConnected || s.ice == webrtc.ICETransportStateCompleted) &&
		s.dtls == webrtc.DTLSTransportStateConnected:
		return webrtc.PeerConnectionStateConnected
	case s.ice == webrtc.ICETransportStateNew && s.dtls == webrtc.DTLSTransportStateNew:
		return webrtc.PeerConnectionStateNew
	case s.ice == webrtc.ICETransportStateClosed || s.dtls == webrtc.DTLSTransportStateClosed:
		// Stopping: closed is reported by close.
		return s.state
	}
	return webrtc.PeerConnectionStateConnecting
}

func (s *stateTracker) updateLocked() {
	if s.state == webrtc.PeerConnectionStateClosed {
		return
	}
	n := s.combined()
	if n == s.state {
		return
	}
	s.state = n
	s.queue = append(s.queue, n)
	if !s.running {
		s.running = true
		go s.dispatch()
	}
}

func (s *stateTracker) dispatch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 {
		v := s.queue[0]
		s.queue = s.queue[1:]
		f := s.handler
		s.calling = true
		s.mu.Unlock()
		if f != nil {
			f(v)
		}
		s.mu.Lock()
		s.calling = false
	}
	s.running = false
	s.idle.Broadcast()
}
