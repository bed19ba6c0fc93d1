package ortcrecv

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/pion/ice/v2"
	"github.com/pion/srtp/v2"
	"github.com/pion/webrtc/v3"
)

// pion v3.3.6's ORTC objects keep two things unexported that a receive
// transport needs, and this file reaches them by reflection. Both accesses
// check the field's name and type and fail with an error (never a panic)
// should another pion version lay its structs out differently.
//
//   - DTLSTransport's SRTP and SRTCP sessions. Only a PeerConnection accepts
//     the streams of SSRCs nobody opened (undeclaredMediaProcessor); in ORTC
//     mode nothing does, and the session's read loop hands each new SSRC to
//     AcceptStream over an unbuffered channel: the first packet of an unknown
//     SSRC (mediasoup's probator, a consumer already stopped locally, a
//     sender report naming one) blocks every stream of the transport for
//     good, and DTLSTransport.Stop then waits for that loop forever.
//   - ICEGatherer's ICE agent: pion keeps ICETransport.restart unexported
//     ("ORTC has users create a whole new ICETransport"), but a new
//     ICETransport needs a new DTLSTransport, that is a second DTLS handshake
//     on a mediasoup transport already connected, and new receivers for every
//     consumer. The agent's own Restart keeps the ICE connection object, so
//     DTLS, SRTP and every receiver carry on over the new candidate pair.

var atomicValueType = reflect.TypeOf((*atomic.Value)(nil)).Elem()

// fieldAddr returns the address of the unexported field name of *obj when it
// has type want.
func fieldAddr(obj any, name string, want reflect.Type) (unsafe.Pointer, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%T is not a pointer to a struct", obj)
	}
	f := v.Elem().FieldByName(name)
	if !f.IsValid() {
		return nil, fmt.Errorf("%T has no field %s", obj, name)
	}
	if f.Type() != want {
		return nil, fmt.Errorf("%T.%s is a %s, not a %s", obj, name, f.Type(), want)
	}
	return unsafe.Pointer(f.UnsafeAddr()), nil
}

// srtpSessions returns a connected DTLS transport's SRTP and SRTCP sessions.
func srtpSessions(d *webrtc.DTLSTransport) (*srtp.SessionSRTP, *srtp.SessionSRTCP, error) {
	pa, err := fieldAddr(d, "srtpSession", atomicValueType)
	if err != nil {
		return nil, nil, err
	}
	pb, err := fieldAddr(d, "srtcpSession", atomicValueType)
	if err != nil {
		return nil, nil, err
	}
	rtpSession, ok := (*atomic.Value)(pa).Load().(*srtp.SessionSRTP)
	if !ok {
		return nil, nil, errors.New("DTLS transport has no SRTP session")
	}
	rtcpSession, ok := (*atomic.Value)(pb).Load().(*srtp.SessionSRTCP)
	if !ok {
		return nil, nil, errors.New("DTLS transport has no SRTCP session")
	}
	return rtpSession, rtcpSession, nil
}

// iceAgent returns the gatherer's ICE agent. The caller must make sure the
// agent was created (Gather ran) before, under a lock it holds now.
func iceAgent(g *webrtc.ICEGatherer) (*ice.Agent, error) {
	p, err := fieldAddr(g, "agent", reflect.TypeOf((*ice.Agent)(nil)))
	if err != nil {
		return nil, err
	}
	a := *(**ice.Agent)(p)
	if a == nil {
		return nil, errors.New("ICE gatherer has no agent")
	}
	return a, nil
}
