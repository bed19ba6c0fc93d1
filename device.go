package mediasoupclient

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/handler/peerconn"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/ortcrecv"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Handler names: both run on pion/webrtc v3.
const (
	// HandlerNamePion, the default, drives one pion PeerConnection per
	// transport, negotiated with SDP built from mediasoup's parameters.
	HandlerNamePion = "PionV3"
	// HandlerNamePionORTC builds receive transports on pion's ORTC objects
	// (ICE, DTLS and SCTP transports, one RTP receiver per consumer), with
	// no SDP: a Consume costs the same however many consumers the
	// transport has. Send transports stay on the PeerConnection handler.
	// Differences on receive transports: Transport.PeerConnection is nil,
	// Renegotiations stays 0, UpdateICEServers is ErrUnsupported (the ICE
	// servers are fixed when the transport is created), and ConsumeData
	// waits for the SCTP association (bounded by its context).
	HandlerNamePionORTC = "PionV3ORTC"
)

// DeviceOptions configure a Device. The zero value gives good defaults.
type DeviceOptions struct {
	// HandlerName picks the handler explicitly: empty or HandlerNamePion
	// (the default), or HandlerNamePionORTC.
	HandlerName string
	// SettingEngine customises pion (UDP port range, NAT 1:1 IPs, network
	// types, ICE timeouts...). The SDK additionally pins the answering DTLS
	// role to client and, unless BufferFactory is set, installs pion's
	// buffers with an 8 KB limit per incoming RTCP stream (pion's 100 KB
	// fill up with unread sender reports on every active consumer).
	SettingEngine *webrtc.SettingEngine
	// Interceptors, when set, is called to register extra interceptors after
	// the SDK's defaults (NACK, RTCP reports, transport-wide CC, stats) and
	// before the reader of producers' incoming RTCP, so they see it.
	Interceptors func(m *webrtc.MediaEngine, r *interceptor.Registry) error
	// Logger receives the SDK's and pion's logs; nil keeps them silent
	// (unless SettingEngine carries its own LoggerFactory).
	Logger *slog.Logger
}

// DeviceLoadOptions are the options of Device.Load.
type DeviceLoadOptions struct {
	// RouterRTPCapabilities as given by the server's router.
	RouterRTPCapabilities RTPCapabilities
	// PreferLocalCodecsOrder orders codecs by local preference instead of
	// the router's.
	PreferLocalCodecsOrder bool
}

// Device is the entry point: it loads a router's capabilities and creates
// transports, like mediasoup-client's Device.
type Device struct {
	api         *webrtc.API
	log         *slog.Logger
	native      params.RTPCapabilities
	handlerName string
	// opts are kept for the ORTC handler, which builds its own pion API
	// per receive transport.
	opts DeviceOptions

	// pcMu serialises peer connection creation; lastStats is the stats
	// getter of the one just created.
	pcMu      sync.Mutex
	lastStats handler.StatsGetter
	// creatingHooks is set under pcMu while a transport's peer connection
	// is created: the interceptor registered last picks it up.
	creatingHooks *handler.PCHooks

	mu       sync.RWMutex
	loaded   bool
	ext      ortc.ExtendedRTPCapabilities
	recvCaps params.RTPCapabilities
	sendCaps params.RTPCapabilities
	canSend  map[MediaKind]bool
	observer DeviceObserver
}

// DeviceObserver carries the device's observer events.
type DeviceObserver struct {
	mu             sync.Mutex
	onNewTransport func(*Transport)
}

// OnNewTransport sets the handler called when a transport is created.
func (o *DeviceObserver) OnNewTransport(f func(*Transport)) {
	o.mu.Lock()
	o.onNewTransport = f
	o.mu.Unlock()
}

func (o *DeviceObserver) newTransport(t *Transport) {
	o.mu.Lock()
	f := o.onNewTransport
	o.mu.Unlock()
	if f != nil {
		f(t)
	}
}

// NewDevice creates a device with pion as its handler.
func NewDevice(opts DeviceOptions) (*Device, error) {
	name := opts.HandlerName
	switch name {
	case "":
		name = HandlerNamePion
	case HandlerNamePion, HandlerNamePionORTC:
	default:
		return nil, fmt.Errorf("handler %q: %w", opts.HandlerName, ErrUnsupported)
	}
	m, err := handler.NewMediaEngine()
	if err != nil {
		return nil, fmt.Errorf("media engine: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := handler.RegisterInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	statsFactory := &handler.StatsFactory{}
	ir.Add(statsFactory)
	if opts.Interceptors != nil {
		if err := opts.Interceptors(m, ir); err != nil {
			return nil, fmt.Errorf("interceptors: %w", err)
		}
	}
	// Last: producers' RTCP is read through everything above (send
	// transports only; createTransport says which is being created).
	var d *Device
	ir.Add(&handler.RTCPDrain{ForNewPC: func() *handler.PCHooks {
		if d == nil {
			return nil
		}
		return d.creatingHooks
	}})
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	se := webrtc.SettingEngine{}
	if opts.SettingEngine != nil {
		se = *opts.SettingEngine
	}
	if se.BufferFactory == nil {
		// Bounded RTCP buffers: receivers' RTCP is read by nobody unless the
		// application reads RTPReceiver.
		se.BufferFactory = handler.BufferFactory
	}
	if se.LoggerFactory == nil {
		// pion logs through the device's logger: silent by default.
		se.LoggerFactory = handler.SlogFactory{Logger: log}
	}
	// mediasoup is ICE-lite and offers actpass: answer as DTLS client, the
	// same role the SDK reports to the server in connect.
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleClient); err != nil {
		return nil, err
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	native, err := handler.NativeRTPCapabilities(api)
	if err != nil {
		return nil, fmt.Errorf("native capabilities: %w", err)
	}
	d = &Device{api: api, log: log, native: native, handlerName: name, opts: opts}
	// The stats interceptor announces each new peer connection's getter
	// synchronously; createTransport serialises creation to pick it up.
	statsFactory.OnNewPeerConnection(func(_ string, g handler.StatsGetter) { d.lastStats = g })
	return d, nil
}

// HandlerName returns the name of the handler in use.
func (d *Device) HandlerName() string { return d.handlerName }

// Loaded reports whether Load succeeded.
func (d *Device) Loaded() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.loaded
}

// Load computes what the device can send and receive with the router.
func (d *Device) Load(ctx context.Context, opts DeviceLoadOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		return fmt.Errorf("device already loaded: %w", ErrInvalidState)
	}
	router := opts.RouterRTPCapabilities.internal()
	if err := ortc.ValidateRTPCapabilities(&router); err != nil {
		return fmt.Errorf("router RTP capabilities: %w", err)
	}
	ext, err := ortc.GetExtendedRTPCapabilities(d.native, router, opts.PreferLocalCodecsOrder)
	if err != nil {
		return err
	}
	recv := ortc.GetRecvRTPCapabilities(ext)
	if err := ortc.ValidateRTPCapabilities(&recv); err != nil {
		return fmt.Errorf("receive capabilities: %w", err)
	}
	d.ext = ext
	d.recvCaps = recv
	d.sendCaps = ortc.GetSendRTPCapabilities(ext)
	d.canSend = map[MediaKind]bool{
		MediaKindAudio: ortc.CanSend(params.MediaKindAudio, ext),
		MediaKindVideo: ortc.CanSend(params.MediaKindVideo, ext),
	}
	d.loaded = true
	return nil
}

// RTPCapabilities is the deprecated alias of RecvRTPCapabilities.
func (d *Device) RTPCapabilities() RTPCapabilities { return d.RecvRTPCapabilities() }

// RecvRTPCapabilities returns what the device can receive: give it to the
// server's consume. Zero before Load.
func (d *Device) RecvRTPCapabilities() RTPCapabilities {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return rtpCapabilitiesFrom(d.recvCaps)
}

// SendRTPCapabilities returns what the device can send. Zero before Load.
func (d *Device) SendRTPCapabilities() RTPCapabilities {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return rtpCapabilitiesFrom(d.sendCaps)
}

// sendCapabilities returns a copy of what the device can send, in the
// internal packages' types.
func (d *Device) sendCapabilities() params.RTPCapabilities {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.sendCaps.Clone()
}

// SCTPCapabilities returns the device's SCTP capabilities.
func (d *Device) SCTPCapabilities() SCTPCapabilities {
	return SCTPCapabilities{NumStreams: NumSCTPStreams{OS: 1024, MIS: 1024}}
}

// CanProduce reports whether the device can send media of the kind.
func (d *Device) CanProduce(kind MediaKind) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if !d.loaded {
		return false, fmt.Errorf("device not loaded: %w", ErrInvalidState)
	}
	if kind != MediaKindAudio && kind != MediaKindVideo {
		return false, fmt.Errorf("kind %q: %w", kind, ErrInvalidParameters)
	}
	return d.canSend[kind], nil
}

// Observer returns the device's observer.
func (d *Device) Observer() *DeviceObserver { return &d.observer }

// CreateSendTransport creates a transport to produce media and data.
func (d *Device) CreateSendTransport(opts TransportOptions) (*Transport, error) {
	return d.createTransport(handler.DirectionSend, opts)
}

// CreateRecvTransport creates a transport to consume media and data.
func (d *Device) CreateRecvTransport(opts TransportOptions) (*Transport, error) {
	return d.createTransport(handler.DirectionRecv, opts)
}

func (d *Device) createTransport(dir handler.Direction, opts TransportOptions) (*Transport, error) {
	d.mu.RLock()
	loaded, ext, canSend := d.loaded, d.ext, d.canSend
	d.mu.RUnlock()
	if !loaded {
		return nil, fmt.Errorf("device not loaded: %w", ErrInvalidState)
	}
	t, err := newTransport(d, dir, ext, canSend, opts)
	if err != nil {
		return nil, err
	}
	d.observer.newTransport(t)
	return t, nil
}

// handlerParams are the server transport's parameters a handler needs.
type handlerParams struct {
	ice        params.ICEParameters
	candidates []params.ICECandidate
	dtls       params.DTLSParameters
	sctp       *params.SCTPParameters
	iceServers []webrtc.ICEServer
	policy     webrtc.ICETransportPolicy
}

// newHandler creates the handler of a new transport: the ORTC one for
// receive transports when the device was asked for it, the PeerConnection
// one otherwise.
func (d *Device) newHandler(dir handler.Direction, ext ortc.ExtendedRTPCapabilities, keyFrames *keyFrameRouter, p handlerParams) (handler.Transport, error) {
	if dir == handler.DirectionRecv && d.handlerName == HandlerNamePionORTC {
		se := webrtc.SettingEngine{}
		if d.opts.SettingEngine != nil {
			se = *d.opts.SettingEngine
		}
		h, err := ortcrecv.NewHandler(ortcrecv.Options{
			ICEParameters: p.ice, ICECandidates: p.candidates, DTLSParameters: p.dtls, SCTPParameters: p.sctp,
			ICEServers: p.iceServers, ICETransportPolicy: p.policy, Extended: ext,
			SettingEngine: &se, Logger: d.log, Interceptors: d.opts.Interceptors,
		})
		if err != nil {
			return nil, fmt.Errorf("create ORTC transport: %w", err)
		}
		return h, nil
	}
	d.pcMu.Lock()
	defer d.pcMu.Unlock()
	d.lastStats = nil
	hooks := &handler.PCHooks{}
	if keyFrames != nil {
		hooks.Drain, hooks.OnKeyFrame = true, keyFrames.request
	}
	d.creatingHooks = hooks
	defer func() { d.creatingHooks = nil }()
	h, err := peerconn.New(peerconn.Options{
		Direction: dir, API: d.api, ICEParameters: p.ice, ICECandidates: p.candidates,
		DTLSParameters: p.dtls, SCTPParameters: p.sctp, ICEServers: p.iceServers,
		ICETransportPolicy: p.policy, Extended: ext, Hooks: hooks,
		StatsGetter: func() handler.StatsGetter { return d.lastStats },
	})
	if err != nil {
		return nil, fmt.Errorf("create peer connection: %w", err)
	}
	return h, nil
}
