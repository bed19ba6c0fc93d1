package signal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
)

// PeerOptions configure JoinPeer.
type PeerOptions struct {
	// URL of the server's WebSocket, e.g. ws://127.0.0.1:3000/.
	URL string
	// Room to join; "" means "default".
	Room string
	// Loopback keeps all media on 127.0.0.1 (UDP over IPv4 only).
	Loopback bool
	// SDKLogger, when set, receives the SDK's own logs.
	SDKLogger *slog.Logger
	// PionLogger, when set, receives pion's logs (warnings and errors at
	// warn level, the rest at debug); nil drops them.
	PionLogger *slog.Logger
}

// Peer is a participant: a signaling connection joined to a room and a
// Device loaded with the room's router capabilities.
type Peer struct {
	// Signal is the peer's signaling connection.
	Signal *Client
	// Device is loaded and ready to create transports.
	Device *msc.Device
	// Joined is the server's answer to join (peer ID, producers already
	// in the room).
	Joined *JoinResult
}

// JoinPeer connects, joins the room and loads a Device.
func JoinPeer(ctx context.Context, o PeerOptions) (*Peer, error) {
	sig, err := Dial(ctx, o.URL)
	if err != nil {
		return nil, err
	}
	joined, err := sig.Join(ctx, o.Room)
	if err != nil {
		_ = sig.Close()
		return nil, err
	}
	se := &webrtc.SettingEngine{}
	if o.Loopback {
		se = LoopbackSettingEngine()
	}
	pionLog := o.PionLogger
	if pionLog == nil {
		pionLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	se.LoggerFactory = pionLogs{pionLog}
	dopts := msc.DeviceOptions{Logger: o.SDKLogger, SettingEngine: se}
	dev, err := msc.NewDevice(dopts)
	if err == nil {
		err = dev.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: joined.RouterRTPCapabilities})
	}
	if err != nil {
		_ = sig.Close()
		return nil, fmt.Errorf("device: %w", err)
	}
	return &Peer{Signal: sig, Device: dev, Joined: joined}, nil
}

// Close closes the signaling connection (the server then closes the
// peer's server-side objects).
func (p *Peer) Close() error { return p.Signal.Close() }

// CreateTransport creates a WebRtcTransport on the server and its local
// side on the Device, with the OnConnect and OnProduce hooks answered
// through the signaling. direction is "send" or "recv".
func (p *Peer) CreateTransport(ctx context.Context, direction string) (*msc.Transport, error) {
	info, err := p.Signal.CreateWebRTCTransport(ctx, direction)
	if err != nil {
		return nil, err
	}
	var tr *msc.Transport
	if direction == "send" {
		tr, err = p.Device.CreateSendTransport(info.Options())
	} else {
		tr, err = p.Device.CreateRecvTransport(info.Options())
	}
	if err != nil {
		return nil, err
	}
	sig := p.Signal
	tr.OnConnect(func(ctx context.Context, cp msc.ConnectParams) error {
		return sig.ConnectWebRTCTransport(ctx, tr.ID(), cp.DTLSParameters)
	})
	tr.OnProduce(func(ctx context.Context, pp msc.ProduceParams) (string, error) {
		return sig.Produce(ctx, tr.ID(), pp)
	})
	return tr, nil
}

// LoopbackSettingEngine keeps pion on 127.0.0.1 over UDP/IPv4: enough for a
// server on the same machine, and no traffic goes anywhere else.
func LoopbackSettingEngine() *webrtc.SettingEngine {
	se := &webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return se
}
