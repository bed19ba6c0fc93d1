package handler

import "github.com/pion/interceptor"

// RTCPDrain is an interceptor factory that keeps every sender's incoming
// RTCP flowing through the interceptors before it: pion processes RTCP
// (NACKs for the NACK responder, reports, key frame requests) only when
// something reads it, and nothing else reads a producer's RTCP. Register it
// last, so that it reads what all other interceptors have seen.
//
// Senders bind their RTCP reader per encoding when they are created, so
// this covers every simulcast layer without RTPSender.ReadSimulcast, which
// in pion v3.3.6 reads the encoding's track without the sender's lock while
// Stop clears it under the lock.
//
// Receivers bind RTCP readers too; Enabled, asked once per new peer
// connection, keeps receive transports out (their RTCP stays for whoever
// reads RTPReceiver, and no goroutine is added per consumer).
type RTCPDrain struct {
	// Enabled says whether the peer connection being created sends.
	Enabled func() bool
}

// NewInterceptor implements interceptor.Factory.
func (f *RTCPDrain) NewInterceptor(string) (interceptor.Interceptor, error) {
	if f.Enabled == nil || !f.Enabled() {
		return &interceptor.NoOp{}, nil
	}
	return &rtcpDrain{}, nil
}

type rtcpDrain struct {
	interceptor.NoOp
}

// BindRTCPReader starts a reader that runs until the stream closes (the
// sender stopped: its producer or transport closed).
func (*rtcpDrain) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	go func() {
		// Larger than any RTCP compound packet pion accepts (its receive
		// MTU), so a read never fails for a short buffer.
		buf := make([]byte, 1500)
		for {
			if _, _, err := r.Read(buf, interceptor.Attributes{}); err != nil {
				return
			}
		}
	}()
	return r
}
