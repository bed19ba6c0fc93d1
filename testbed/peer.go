package testbed

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
)

// PeerOptions configure JoinPeer.
type PeerOptions struct {
	// Room to join; "" means "default".
	Room string
	// PeerID to join under; "" lets the server pick.
	PeerID string
	// Client configures the signaling connection: notification callbacks
	// (set them here to see every notification) and history.
	Client ClientOptions
	// Device configures the Device. Its SettingEngine defaults to
	// LoopbackSettingEngine() when Loopback is set.
	Device msc.DeviceOptions
	// Loopback keeps media on 127.0.0.1 (UDP over IPv4), as the server
	// listens there.
	Loopback bool
	// PionLogger, when set, receives pion's logs (warnings and errors at
	// warn level, the rest at debug), apart from the SDK's (Device.Logger).
	// It is set as the LoggerFactory of Device.SettingEngine.
	PionLogger *slog.Logger
}

// Peer is a participant: a signaling connection joined to a room and a
// Device loaded with the room's router capabilities, as an application
// has them.
type Peer struct {
	// Client is the peer's signaling connection.
	Client *Client
	// Device is loaded and ready to create transports.
	Device *msc.Device
	// Joined is the server's answer to join (peer ID, producers already in
	// the room).
	Joined *JoinResult
}

// JoinPeer connects to the server at url (a ws:// URL), joins the room and
// loads a Device.
func JoinPeer(ctx context.Context, url string, opts PeerOptions) (*Peer, error) {
	c, err := Dial(ctx, url, opts.Client)
	if err != nil {
		return nil, err
	}
	joined, err := c.JoinAs(ctx, opts.Room, opts.PeerID)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	dopts := opts.Device
	if dopts.SettingEngine == nil && (opts.Loopback || opts.PionLogger != nil) {
		if opts.Loopback {
			dopts.SettingEngine = LoopbackSettingEngine()
		} else {
			dopts.SettingEngine = &webrtc.SettingEngine{}
		}
	}
	if opts.PionLogger != nil {
		dopts.SettingEngine.LoggerFactory = pionLogs{opts.PionLogger}
	}
	dev, err := msc.NewDevice(dopts)
	if err == nil {
		err = dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: joined.RouterRTPCapabilities})
	}
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("testbed: device: %w", err)
	}
	return &Peer{Client: c, Device: dev, Joined: joined}, nil
}

// JoinPeer joins a peer to a room of this server, with media on 127.0.0.1
// (Loopback is forced on).
func (s *Server) JoinPeer(ctx context.Context, opts PeerOptions) (*Peer, error) {
	opts.Loopback = true
	return JoinPeer(ctx, s.URL(), opts)
}

// ID is the peer's ID in the room.
func (p *Peer) ID() string { return p.Joined.PeerID }

// Close closes the signaling connection; the server then closes the peer's
// server-side transports, producers and consumers. Close the local
// transports too (Transport.Close).
func (p *Peer) Close() error { return p.Client.Close() }

// PeerTransportOptions configure Peer.CreateSendTransport and
// CreateRecvTransport.
type PeerTransportOptions struct {
	// Data enables SCTP with the Device's SCTP capabilities: needed for
	// ProduceData and ConsumeData.
	Data bool
	// AppData of the local transport.
	AppData msc.AppData
}

// CreateSendTransport creates a WebRtcTransport on the server and its
// sending side on the Device, with OnConnect, OnProduce and OnProduceData
// answered through the signaling.
func (p *Peer) CreateSendTransport(ctx context.Context, opts PeerTransportOptions) (*msc.Transport, error) {
	return p.createTransport(ctx, DirectionSend, opts)
}

// CreateRecvTransport creates a WebRtcTransport on the server and its
// receiving side on the Device, with OnConnect answered through the
// signaling.
func (p *Peer) CreateRecvTransport(ctx context.Context, opts PeerTransportOptions) (*msc.Transport, error) {
	return p.createTransport(ctx, DirectionRecv, opts)
}

func (p *Peer) createTransport(ctx context.Context, dir string, opts PeerTransportOptions) (*msc.Transport, error) {
	wopts := WebRTCTransportOptions{Direction: dir}
	if opts.Data {
		caps := p.Device.SCTPCapabilities()
		wopts.SCTPCapabilities = &caps
	}
	info, err := p.Client.CreateWebRTCTransport(ctx, wopts)
	if err != nil {
		return nil, err
	}
	topts := info.Options()
	topts.AppData = opts.AppData
	var tr *msc.Transport
	if dir == DirectionSend {
		tr, err = p.Device.CreateSendTransport(topts)
	} else {
		tr, err = p.Device.CreateRecvTransport(topts)
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		_ = p.Client.CloseTransport(cctx, info.ID)
		cancel()
		return nil, fmt.Errorf("testbed: local transport: %w", err)
	}
	c := p.Client
	tr.OnConnect(func(ctx context.Context, cp msc.ConnectParams) error {
		return c.ConnectWebRTCTransport(ctx, tr.ID(), cp.DTLSParameters)
	})
	tr.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		return c.Produce(ctx, ProduceOptions{TransportID: tr.ID(), Kind: pp.Kind, RTPParameters: pp.RTPParameters, AppData: pp.AppData})
	})
	tr.OnProduceData(func(ctx context.Context, pp msc.ProduceDataParams) (string, error) {
		sp := pp.SCTPStreamParameters
		return c.ProduceData(ctx, ProduceDataOptions{TransportID: tr.ID(), SCTPStreamParameters: &sp, Label: pp.Label, Protocol: pp.Protocol, AppData: pp.AppData})
	})
	return tr, nil
}

// Consume consumes producerID on a receive transport the way applications
// do: the server creates the consumer paused, the local consumer is
// created, then the server resumes it. On failure the server-side consumer
// is closed.
func (p *Peer) Consume(ctx context.Context, tr *msc.Transport, producerID string) (*msc.Consumer, error) {
	res, err := p.Client.Consume(ctx, ConsumeOptions{TransportID: tr.ID(), ProducerID: producerID, RTPCapabilities: p.Device.RecvRTPCapabilities()})
	if err != nil {
		return nil, err
	}
	cons, err := tr.Consume(ctx, res.Options())
	if err == nil {
		if err = p.Client.ResumeConsumer(ctx, cons.ID()); err != nil {
			cons.Close()
		}
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		_ = p.Client.CloseConsumer(cctx, res.ID)
		cancel()
		return nil, err
	}
	return cons, nil
}

// ConsumeData consumes dataProducerID on a receive transport created with
// Data set. On failure the server-side data consumer is closed.
func (p *Peer) ConsumeData(ctx context.Context, tr *msc.Transport, dataProducerID string) (*msc.DataConsumer, error) {
	res, err := p.Client.ConsumeData(ctx, tr.ID(), dataProducerID)
	if err != nil {
		return nil, err
	}
	dc, err := tr.ConsumeData(ctx, res.Options())
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		_ = p.Client.CloseDataConsumer(cctx, res.ID)
		cancel()
		return nil, err
	}
	return dc, nil
}

// LoopbackSettingEngine keeps pion on 127.0.0.1 (UDP over IPv4 only):
// enough for a server on the same machine, and no traffic goes anywhere
// else.
func LoopbackSettingEngine() *webrtc.SettingEngine {
	se := &webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return se
}
