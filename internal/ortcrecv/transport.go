// Package ortcrecv is a mediasoup receive transport on pion's ORTC API: one
// ICE gatherer, ICE transport, DTLS transport and (with SCTP parameters)
// SCTP transport, and one RTPReceiver per consumer, started with the
// consumer's SSRC, RTX SSRC and payload type. Nothing is negotiated with
// SDP, so adding or removing a consumer costs the same however many the
// transport carries.
//
// Interceptors: pion v3 builds an API's interceptor registry only inside
// NewPeerConnection; the ORTC objects of an API run the no-op interceptor
// whatever registry the API was given. A Transport therefore builds its
// own chain (NACK generator, receiver reports, transport-wide congestion
// control feedback, stats) from a registry, once per transport: its RTCP
// writer is bound to the DTLS transport, and each Receiver binds its
// stream (with the router's payload type and header extension ids) and
// reads through it. Read media through Receiver, not through pion's
// TrackRemote, or the interceptors see nothing.
//
// The local side is the ICE controlling agent (mediasoup is ICE-lite) and
// the DTLS client.
package ortcrecv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtcp"
	"github.com/pion/srtp/v2"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Options configure a Transport.
type Options struct {
	// ICEParameters, ICECandidates and DTLSParameters are the server's.
	ICEParameters  params.ICEParameters
	ICECandidates  []params.ICECandidate
	DTLSParameters params.DTLSParameters
	// SCTPParameters, when set, enable data channels.
	SCTPParameters *params.SCTPParameters
	// ICEServers and ICETransportPolicy configure gathering.
	ICEServers         []webrtc.ICEServer
	ICETransportPolicy webrtc.ICETransportPolicy
	// Extended are the device's extended RTP capabilities: the router's
	// codecs, with their payload types, are registered in the transport's
	// media engine.
	Extended ortc.ExtendedRTPCapabilities
	// SettingEngine customises pion; it is copied. Unless set there, the
	// transport installs handler.BufferFactory (bounded RTCP buffers) and
	// routes pion's logs to Logger.
	SettingEngine *webrtc.SettingEngine
	// Logger receives pion's logs; nil keeps them silent.
	Logger *slog.Logger
	// Interceptors, when set, registers extra interceptors after the
	// transport's own.
	Interceptors func(m *webrtc.MediaEngine, r *interceptor.Registry) error
}

// Transport is one mediasoup receive transport. Its methods are safe for
// concurrent use.
type Transport struct {
	api      *webrtc.API
	chain    interceptor.Interceptor
	rtcpOut  interceptor.RTCPWriter
	stats    handler.StatsGetter
	gatherer *webrtc.ICEGatherer
	ice      *webrtc.ICETransport
	dtls     *webrtc.DTLSTransport
	sctp     *webrtc.SCTPTransport
	log      *slog.Logger

	remoteDTLS webrtc.DTLSParameters

	// wg counts the transport's own goroutines.
	wg sync.WaitGroup
	// sctpReady is closed once the SCTP association is up or failed
	// (sctpErr) or the transport closed.
	sctpReady chan struct{}
	sctpErr   error
	closedCh  chan struct{}

	mu         sync.Mutex
	remoteICE  params.ICEParameters
	candidates []webrtc.ICECandidate
	started    bool
	closed     bool
	// srtpReady: DTLS connected and the SRTP sessions are accepted.
	srtpReady bool
	// pending receivers wait for DTLS; live ones were started.
	pending map[*Receiver]struct{}
	live    map[*Receiver]struct{}
	// declared maps each opened SSRC (media and RTX) to its receiver.
	declared map[uint32]*Receiver
	// strays are streams of undeclared SSRCs, closed after strayLinger
	// unless a receiver declares their SSRC before.
	strays   map[strayKey]*stray
	probator *srtp.ReadStreamSRTP

	st stateTracker
}

// sctpSettle is how long data channels wait after the SCTP association
// comes up.
const sctpSettle = 100 * time.Millisecond

// probatorSSRC is the SSRC of mediasoup's bandwidth probation packets.
const probatorSSRC = uint32(ortc.RTPProbatorSSRC)

// New creates a transport; Start connects it.
func New(o Options) (*Transport, error) {
	if err := validate(o); err != nil {
		return nil, err
	}
	m, err := newMediaEngine(o.Extended)
	if err != nil {
		return nil, fmt.Errorf("media engine: %w", err)
	}
	statsFactory := &handler.StatsFactory{}
	var getter handler.StatsGetter
	statsFactory.OnNewPeerConnection(func(_ string, g handler.StatsGetter) { getter = g })
	ir, err := newRegistry(statsFactory)
	if err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	if o.Interceptors != nil {
		if err := o.Interceptors(m, ir); err != nil {
			return nil, fmt.Errorf("interceptors: %w", err)
		}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	se := webrtc.SettingEngine{}
	if o.SettingEngine != nil {
		se = *o.SettingEngine
	}
	if se.BufferFactory == nil {
		se.BufferFactory = handler.BufferFactory
	}
	if se.LoggerFactory == nil {
		se.LoggerFactory = handler.SlogFactory{Logger: log}
	}
	// One API per transport: its media engine is the transport's (ORTC
	// objects use it as is, uncopied).
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(ir))
	chain, err := ir.Build("")
	if err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	gatherer, err := api.NewICEGatherer(webrtc.ICEGatherOptions{ICEServers: o.ICEServers, ICEGatherPolicy: o.ICETransportPolicy})
	if err != nil {
		_ = chain.Close()
		return nil, fmt.Errorf("ICE gatherer: %w", err)
	}
	iceT := api.NewICETransport(gatherer)
	dtls, err := api.NewDTLSTransport(iceT, nil)
	if err != nil {
		_ = chain.Close()
		_ = gatherer.Close()
		return nil, fmt.Errorf("DTLS transport: %w", err)
	}
	t := &Transport{
		api: api, chain: chain, stats: getter, gatherer: gatherer, ice: iceT, dtls: dtls, log: log,
		remoteDTLS: remoteDTLS(o.DTLSParameters),
		remoteICE:  o.ICEParameters,
		candidates: pionCandidates(o.ICECandidates),
		sctpReady:  make(chan struct{}),
		closedCh:   make(chan struct{}),
		pending:    map[*Receiver]struct{}{},
		live:       map[*Receiver]struct{}{},
		declared:   map[uint32]*Receiver{},
		strays:     map[strayKey]*stray{},
	}
	if o.SCTPParameters != nil {
		t.sctp = api.NewSCTPTransport(dtls)
	}
	t.st.init()
	t.rtcpOut = chain.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		return t.dtls.WriteRTCP(pkts)
	}))
	iceT.OnConnectionStateChange(func(s webrtc.ICETransportState) { t.st.setICE(s) })
	dtls.OnStateChange(func(s webrtc.DTLSTransportState) { t.st.setDTLS(s) })
	return t, nil
}

func validate(o Options) error {
	if err := ortc.ValidateICEParameters(&o.ICEParameters); err != nil {
		return err
	}
	if err := ortc.ValidateICECandidates(o.ICECandidates); err != nil {
		return err
	}
	if err := ortc.ValidateDTLSParameters(&o.DTLSParameters); err != nil {
		return err
	}
	if o.SCTPParameters != nil {
		p := *o.SCTPParameters
		if err := ortc.ValidateSCTPParameters(&p); err != nil {
			return err
		}
	}
	return nil
}

// remoteDTLS gives the server's fingerprints with the server role: the
// local side is the DTLS client whatever the setting engine says.
func remoteDTLS(p params.DTLSParameters) webrtc.DTLSParameters {
	out := webrtc.DTLSParameters{Role: webrtc.DTLSRoleServer}
	for _, fp := range p.Fingerprints {
		out.Fingerprints = append(out.Fingerprints, webrtc.DTLSFingerprint{Algorithm: fp.Algorithm, Value: fp.Value})
	}
	return out
}

func pionCandidates(cs []params.ICECandidate) []webrtc.ICECandidate {
	out := make([]webrtc.ICECandidate, 0, len(cs))
	for _, c := range cs {
		proto, err := webrtc.NewICEProtocol(c.Protocol)
		if err != nil {
			continue
		}
		out = append(out, webrtc.ICECandidate{
			Foundation: c.Foundation, Priority: c.Priority, Address: c.Host(), Protocol: proto,
			Port: c.Port, Typ: webrtc.ICECandidateTypeHost, TCPType: c.TCPType,
		})
	}
	return out
}

// LocalDTLSParameters are what the server's connect wants: the local
// certificate's fingerprints in upper-case hex, and the client role.
func (t *Transport) LocalDTLSParameters() (params.DTLSParameters, error) {
	lp, err := t.dtls.GetLocalParameters()
	if err != nil {
		return params.DTLSParameters{}, err
	}
	out := params.DTLSParameters{Role: params.DTLSRoleClient}
	for _, fp := range lp.Fingerprints {
		out.Fingerprints = append(out.Fingerprints, params.DTLSFingerprint{Algorithm: fp.Algorithm, Value: strings.ToUpper(fp.Value)})
	}
	return out, nil
}

// Start gathers and connects ICE (controlling) and DTLS (client), then
// SCTP, in the background: it returns at once. Receivers added before DTLS
// connects start when it does. Call it once, usually right after the
// server's connect was sent the local DTLS parameters.
func (t *Transport) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("transport closed: %w", params.ErrInvalidState)
	}
	if t.started {
		return fmt.Errorf("transport already started: %w", params.ErrInvalidState)
	}
	// Gather creates the ICE agent; the candidates come as they are found.
	if err := t.gatherer.Gather(); err != nil {
		return fmt.Errorf("gather: %w", err)
	}
	if err := t.ice.SetRemoteCandidates(t.candidates); err != nil {
		return fmt.Errorf("remote candidates: %w", err)
	}
	t.started = true
	ice := webrtc.ICEParameters{UsernameFragment: t.remoteICE.UsernameFragment, Password: t.remoteICE.Password, ICELite: true}
	t.wg.Add(1)
	go t.connect(ice)
	return nil
}

// connect runs ICE, DTLS and SCTP to completion; ICETransport.Start and
// DTLSTransport.Start block, and Close ends them by stopping the ICE
// transport.
func (t *Transport) connect(ice webrtc.ICEParameters) {
	defer t.wg.Done()
	defer t.sctpDone(errors.New("transport not connected"))
	role := webrtc.ICERoleControlling
	if err := t.ice.Start(nil, ice, &role); err != nil {
		t.log.Debug("ICE transport ended", "err", err)
		t.st.fail()
		return
	}
	if err := t.dtls.Start(t.remoteDTLS); err != nil {
		t.log.Debug("DTLS transport ended", "err", err)
		t.st.fail()
		return
	}
	if err := t.srtpConnected(); err != nil {
		t.log.Warn("SRTP sessions", "err", err)
		t.st.fail()
		return
	}
	if t.sctp != nil {
		// The association is the client side over the DTLS connection.
		err := t.sctp.Start(webrtc.SCTPCapabilities{MaxMessageSize: 262144})
		if err != nil {
			err = fmt.Errorf("SCTP: %w", err)
		} else {
			// mediasoup starts the association from its side too; pion can
			// count it up one packet before the server does, and the server
			// drops what it would send its data consumers until then. Data
			// channels open a moment later, as the PeerConnection handler's
			// ConsumeData waits after a fresh association.
			select {
			case <-time.After(sctpSettle):
			case <-t.closedCh:
			}
		}
		t.sctpDone(err)
	}
}

// sctpDone records the SCTP outcome once.
func (t *Transport) sctpDone(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.sctpReady:
	default:
		t.sctpErr = err
		close(t.sctpReady)
	}
}

// srtpConnected starts the receivers waiting for DTLS and the loops taking
// the streams of undeclared SSRCs.
func (t *Transport) srtpConnected() error {
	rtpS, rtcpS, err := srtpSessions(t.dtls)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// The accept loops run even when the transport is closing: a session
	// whose new stream nobody takes blocks its read loop, and then its
	// Close (inside DTLSTransport.Stop) waits for good. Once closed, they
	// close what they are handed.
	t.wg.Add(2)
	go t.acceptRTP(rtpS)
	go t.acceptRTCP(rtcpS)
	if t.closed {
		return nil
	}
	t.srtpReady = true
	for r := range t.pending {
		delete(t.pending, r)
		t.startLocked(r)
	}
	return nil
}

// OnConnectionStateChange sets the function called with each new state of
// the transport, in order, on a goroutine of the transport's.
func (t *Transport) OnConnectionStateChange(f func(webrtc.PeerConnectionState)) {
	t.st.onChange(f)
}

// ConnectionState returns the transport's state, from ICE's and DTLS's as
// a PeerConnection combines them.
func (t *Transport) ConnectionState() webrtc.PeerConnectionState { return t.st.current() }

// Stats returns the interceptor stats of a received stream, nil when none
// is bound to ssrc.
func (t *Transport) Stats(ssrc uint32) *stats.Stats {
	if t.stats == nil {
		return nil
	}
	return t.stats.Get(ssrc)
}

// WriteRTCP sends RTCP packets through the interceptors (stats count the
// feedback). It fails before DTLS connects.
func (t *Transport) WriteRTCP(pkts []rtcp.Packet) error {
	_, err := t.rtcpOut.Write(pkts, interceptor.Attributes{})
	return err
}

// RestartICE applies the server's new ICE parameters (the answer of the
// server's restartIce): the ICE agent restarts with new local credentials
// and candidates, checks the server's candidates with its new credentials,
// and keeps its connection, so DTLS, SRTP and the receivers carry on. It
// does not wait for ICE to connect again: the connection state tells.
func (t *Transport) RestartICE(ctx context.Context, p params.ICEParameters) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ortc.ValidateICEParameters(&p); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("transport closed: %w", params.ErrInvalidState)
	}
	t.remoteICE = p
	if !t.started {
		// Start will use them.
		return nil
	}
	agent, err := iceAgent(t.gatherer)
	if err != nil {
		return fmt.Errorf("ICE restart: %w", err)
	}
	if err := agent.Restart("", ""); err != nil {
		return fmt.Errorf("ICE restart: %w", err)
	}
	if err := agent.SetRemoteCredentials(p.UsernameFragment, p.Password); err != nil {
		return fmt.Errorf("ICE restart: %w", err)
	}
	// Restart forgot every candidate, the server's included.
	if err := t.ice.SetRemoteCandidates(t.candidates); err != nil {
		return fmt.Errorf("ICE restart: %w", err)
	}
	if err := agent.GatherCandidates(); err != nil {
		return fmt.Errorf("ICE restart: %w", err)
	}
	return nil
}

// LocalICEParameters returns the current local ICE credentials.
func (t *Transport) LocalICEParameters() (webrtc.ICEParameters, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gatherer.GetLocalParameters()
}

// Close stops every receiver, data channel and transport, and returns
// once the transport's goroutines have ended. Pending and later reads of
// its receivers end with io.EOF.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	close(t.closedCh)
	rs := map[*Receiver]bool{}
	for r := range t.pending {
		rs[r] = false
	}
	for r := range t.live {
		rs[r] = true
	}
	t.pending, t.live = map[*Receiver]struct{}{}, map[*Receiver]struct{}{}
	for r := range rs {
		t.undeclareLocked(r)
	}
	for k, s := range t.strays {
		s.timer.Stop()
		_ = s.stream.Close()
		delete(t.strays, k)
	}
	if t.probator != nil {
		_ = t.probator.Close()
	}
	t.mu.Unlock()

	var errs []error
	for r, live := range rs {
		_ = r.stop(live)
	}
	if t.sctp != nil {
		errs = append(errs, t.sctp.Stop())
	}
	errs = append(errs, t.dtls.Stop())
	// GracefulStop waits for the ICE agent's goroutines.
	errs = append(errs, t.ice.GracefulStop())
	errs = append(errs, t.chain.Close())
	t.wg.Wait()
	t.sctpDone(errors.New("transport closed"))
	t.st.close()
	return errors.Join(errs...)
}
