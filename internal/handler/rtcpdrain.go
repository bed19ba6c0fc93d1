package handler

import (
	"io"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// RTCPDrain is an interceptor factory registered last in the chain. On
// send transports it keeps every sender's incoming RTCP flowing through
// the interceptors before it: pion processes RTCP
// (NACKs for the NACK responder, reports) only when something reads it,
// and nothing else reads a producer's RTCP. Register it last, so that it
// reads what all other interceptors have seen.
//
// Senders bind their RTCP reader per encoding when they are created, so
// this covers every simulcast layer without RTPSender.ReadSimulcast, which
// in pion v3.3.6 reads the encoding's track without the sender's lock while
// Stop clears it under the lock.
//
// Receivers bind RTCP readers too; ForNewPC, asked once per new peer
// connection, keeps receive transports out of the drain (their RTCP stays
// for whoever reads RTPReceiver, and no goroutine is added per consumer).
// On receive transports it reports instead each remote stream pion binds:
// that is the moment a receiver starts, which pion does not announce.
type RTCPDrain struct {
	// ForNewPC returns the hooks of the peer connection being created
	// (nil: none).
	ForNewPC func() *PCHooks
}

// PCHooks are what one peer connection's interceptor reports to.
type PCHooks struct {
	// Drain reads every sender's RTCP (send transports).
	Drain bool
	// OnKeyFrame is called with the media SSRC of each key frame request
	// (PLI or FIR) the senders receive.
	OnKeyFrame func(ssrc uint32)
	// OnRemoteStream is called with the SSRC of each remote stream pion
	// binds while starting a receiver, before the receiver's reads work:
	// it must not call into the receiver. When it returns false the
	// stream's reads end at once with io.EOF: pion can still start a
	// receiver after its peer connection closed (a start it had queued),
	// and nothing would ever end the reader goroutines of such a stream.
	OnRemoteStream func(ssrc uint32) bool
}

// NewInterceptor implements interceptor.Factory.
func (f *RTCPDrain) NewInterceptor(string) (interceptor.Interceptor, error) {
	if f.ForNewPC == nil {
		return &interceptor.NoOp{}, nil
	}
	hooks := f.ForNewPC()
	if hooks == nil || (!hooks.Drain && hooks.OnRemoteStream == nil) {
		return &interceptor.NoOp{}, nil
	}
	return &rtcpDrain{hooks: hooks, onKeyFrame: hooks.OnKeyFrame}, nil
}

type rtcpDrain struct {
	interceptor.NoOp
	hooks      *PCHooks
	onKeyFrame func(ssrc uint32)
}

// BindRemoteStream reports the stream to OnRemoteStream.
func (d *rtcpDrain) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if f := d.hooks.OnRemoteStream; f != nil && info != nil && !f(info.SSRC) {
		return interceptor.RTPReaderFunc(func([]byte, interceptor.Attributes) (int, interceptor.Attributes, error) {
			return 0, nil, io.EOF
		})
	}
	return r
}

// BindRTCPReader starts a reader that runs until the stream closes (the
// sender stopped: its producer or transport closed).
func (d *rtcpDrain) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	if !d.hooks.Drain {
		return r
	}
	go func() {
		// Larger than any RTCP compound packet pion accepts (its receive
		// MTU), so a read never fails for a short buffer.
		buf := make([]byte, 1500)
		for {
			n, attr, err := r.Read(buf, interceptor.Attributes{})
			if err != nil {
				return
			}
			if d.onKeyFrame != nil {
				d.keyFrames(buf[:n], attr)
			}
		}
	}()
	return r
}

// keyFrames reports the key frame requests of one compound packet (parsed
// once for the whole chain through the attributes).
func (d *rtcpDrain) keyFrames(raw []byte, attr interceptor.Attributes) {
	if attr == nil {
		attr = interceptor.Attributes{}
	}
	pkts, err := attr.GetRTCPPackets(raw)
	if err != nil {
		return
	}
	for _, p := range pkts {
		switch v := p.(type) {
		case *rtcp.PictureLossIndication:
			d.onKeyFrame(v.MediaSSRC)
		case *rtcp.FullIntraRequest:
			for _, e := range v.FIR {
				d.onKeyFrame(e.SSRC)
			}
		}
	}
}
