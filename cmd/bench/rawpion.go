package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// rawResult is one raw pion measurement.
type rawResult struct {
	total   time.Duration // sum of the timed offer/answer rounds
	heapPer float64       // live heap bytes per added m-section
}

// rawBench applies the SDK's remote offers straight to a pion
// PeerConnection: the floor under any Go client on pion/webrtc v3. The API
// is configured as the SDK's Device configures it (media engine, NACK, RTCP
// reports, TWCC and stats interceptors, answering DTLS role client, silent
// logger) so that only the SDK's own work differs.
type rawBench struct {
	e        *env
	api      *webrtc.API
	recvCaps params.RTPCapabilities
	// recvCapsWire is recvCaps for the server.
	recvCapsWire msc.RTPCapabilities
	recvCodecs   map[params.MediaKind][]params.RTPCodecParameters
	profileDir   string
}

func newRawBench(e *env, profileDir string) (*rawBench, error) {
	m, err := handler.NewMediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := handler.RegisterInterceptors(m, ir); err != nil {
		return nil, err
	}
	sf, err := stats.NewInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(sf)
	se := *loopbackOnly()
	se.LoggerFactory = handler.SlogFactory{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleClient); err != nil {
		return nil, err
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	native, err := handler.NativeRTPCapabilities(api)
	if err != nil {
		return nil, err
	}
	router, err := params.Convert[params.RTPCapabilities](e.caps)
	if err != nil {
		return nil, err
	}
	if err := ortc.ValidateRTPCapabilities(&router); err != nil {
		return nil, err
	}
	ext, err := ortc.GetExtendedRTPCapabilities(native, router, false)
	if err != nil {
		return nil, err
	}
	b := &rawBench{e: e, api: api, recvCodecs: map[params.MediaKind][]params.RTPCodecParameters{}, profileDir: profileDir}
	// As the handler does: every receivable codec of a kind goes into the
	// first section of that kind.
	for _, c := range ortc.GetRecvRTPCapabilities(ext).Codecs {
		if c.PreferredPayloadType == nil {
			continue
		}
		b.recvCodecs[c.Kind] = append(b.recvCodecs[c.Kind], params.RTPCodecParameters{
			MimeType: c.MimeType, PayloadType: *c.PreferredPayloadType, ClockRate: c.ClockRate,
			Channels: c.Channels, Parameters: c.Parameters, RTCPFeedback: c.RTCPFeedback,
		})
	}
	b.recvCaps = ortc.GetRecvRTPCapabilities(ext)
	if err := ortc.ValidateRTPCapabilities(&b.recvCaps); err != nil {
		return nil, err
	}
	if b.recvCapsWire, err = params.Convert[msc.RTPCapabilities](b.recvCaps); err != nil {
		return nil, err
	}
	return b, nil
}

// rawPC is one peer connection and the remote offer built for it exactly as
// internal/handler builds it: mids 0, 1, 2... in consume order, all of a
// kind's codecs in its first section, the probator section added with the
// first video section.
type rawPC struct {
	pc          *webrtc.PeerConnection
	remote      *sdp.RemoteSDP
	pinned      bool
	recvCodecs  map[params.MediaKind][]params.RTPCodecParameters
	nextMID     int
	kindApplied map[params.MediaKind]bool
	hasProbator bool
}

// add puts one section per consumer into the remote offer; pinned creates
// each receiving transceiver with its mid first, as the SDK does.
func (r *rawPC) add(batch []rawConsumer) error {
	var firstVideo *params.RTPParameters
	firstOfKind := map[params.MediaKind]bool{}
	for i := range batch {
		o := &batch[i]
		mid := strconv.Itoa(r.nextMID)
		r.nextMID++
		if r.pinned {
			if err := r.transceiver(o.Kind, mid); err != nil {
				return err
			}
		}
		streamID := o.StreamID
		if streamID == "" {
			streamID = o.RTPParameters.RTCP.CNAME
		}
		if streamID == "" {
			streamID = "-"
		}
		rtp := o.RTPParameters
		if !r.kindApplied[o.Kind] && !firstOfKind[o.Kind] {
			firstOfKind[o.Kind] = true
			rtp.Codecs = handler.AppendMissingCodecs(rtp.Codecs, r.recvCodecs[o.Kind])
		}
		r.remote.SetMedia(sdp.MediaOptions{MID: mid, Kind: o.Kind, RTPParameters: rtp, StreamID: streamID, TrackID: o.ID})
		if o.Kind == params.MediaKindVideo && firstVideo == nil {
			firstVideo = &o.RTPParameters
		}
	}
	if firstVideo != nil && !r.hasProbator {
		if r.pinned {
			if err := r.transceiver(params.MediaKindVideo, "probator"); err != nil {
				return err
			}
		}
		p := ortc.GenerateProbatorRTPParameters(*firstVideo)
		r.remote.SetMedia(sdp.MediaOptions{MID: "probator", Kind: params.MediaKindVideo, RTPParameters: p, StreamID: "probator", TrackID: "probator"})
		r.hasProbator = true
	}
	for k := range firstOfKind {
		r.kindApplied[k] = true
	}
	return nil
}

func (r *rawPC) transceiver(kind params.MediaKind, mid string) error {
	k := webrtc.RTPCodecTypeVideo
	if kind == params.MediaKindAudio {
		k = webrtc.RTPCodecTypeAudio
	}
	tr, err := r.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		return err
	}
	return tr.SetMid(mid)
}

// apply renders the offer (not timed), then times SetRemoteDescription,
// CreateAnswer and SetLocalDescription.
func (r *rawPC) apply() (time.Duration, error) {
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: r.remote.Text()}
	t0 := time.Now()
	if err := r.pc.SetRemoteDescription(offer); err != nil {
		return 0, fmt.Errorf("set remote offer: %w", err)
	}
	answer, err := r.pc.CreateAnswer(nil)
	if err != nil {
		return 0, fmt.Errorf("create answer: %w", err)
	}
	if err := r.pc.SetLocalDescription(answer); err != nil {
		return 0, fmt.Errorf("set local answer: %w", err)
	}
	return time.Since(t0), nil
}

// run connects a peer connection to a fresh server receive transport with
// one warm-up audio section, then adds n sections: one per offer/answer
// round (rounds) or all in one round.
func (b *rawBench) run(ctx context.Context, n int, pinned, rounds bool) (res rawResult, err error) {
	e := b.e
	info, err := e.sig.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	if err != nil {
		return res, err
	}
	defer func() { _ = e.sig.CloseTransport(context.Background(), info.ID) }()
	remote, err := remoteOffer(info)
	if err != nil {
		return res, err
	}
	pc, err := b.api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle, RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return res, err
	}
	defer pc.Close() //nolint:errcheck
	r := &rawPC{
		pc: pc, remote: remote, pinned: pinned,
		recvCodecs: b.recvCodecs, kindApplied: map[params.MediaKind]bool{},
	}
	warmOpts, err := e.serverConsumers(ctx, info.ID, b.recvCapsWire, 1)
	if err != nil {
		return res, err
	}
	warm, err := validate(warmOpts)
	if err != nil {
		return res, err
	}
	if err := r.add(warm); err != nil {
		return res, err
	}
	if _, err := r.apply(); err != nil {
		return res, fmt.Errorf("warm-up round: %w", err)
	}
	if err := e.sig.ConnectWebRTCTransport(ctx, info.ID, localDTLS(pc)); err != nil {
		return res, err
	}
	if err := waitConnected(ctx, pc.ConnectionState); err != nil {
		return res, err
	}
	serverOpts, err := e.serverConsumers(ctx, info.ID, b.recvCapsWire, n)
	if err != nil {
		return res, err
	}
	opts, err := validate(serverOpts)
	if err != nil {
		return res, err
	}
	before := sampleMem()
	variant := map[bool]string{true: "rounds", false: "one"}[rounds] + "-" + map[bool]string{true: "pinned", false: "plain"}[pinned]
	stopProfile, err := startProfile(b.profileDir, fmt.Sprintf("raw-%s-%d", variant, n))
	if err != nil {
		return res, err
	}
	defer stopProfile()
	if rounds {
		for i := range opts {
			if err := r.add(opts[i : i+1]); err != nil {
				return res, err
			}
			d, err := r.apply()
			if err != nil {
				return res, err
			}
			res.total += d
		}
	} else {
		if err := r.add(opts); err != nil {
			return res, err
		}
		if res.total, err = r.apply(); err != nil {
			return res, err
		}
	}
	stopProfile()
	after := sampleMem()
	res.heapPer = (float64(after.heap) - float64(before.heap)) / float64(n)
	runtime.KeepAlive(opts)
	return res, nil
}

// rawConsumer is a server consumer in the internal packages' types.
type rawConsumer struct {
	ID, StreamID  string
	Kind          params.MediaKind
	RTPParameters params.RTPParameters
}

// validate normalises the consumers' RTP parameters as Consume does, and
// converts them, before any measurement starts.
func validate(opts []msc.ConsumerOptions) ([]rawConsumer, error) {
	out := make([]rawConsumer, len(opts))
	for i, o := range opts {
		p, err := params.Convert[params.RTPParameters](o.RTPParameters)
		if err != nil {
			return nil, err
		}
		if err := ortc.ValidateRTPParameters(&p); err != nil {
			return nil, err
		}
		out[i] = rawConsumer{ID: o.ID, StreamID: o.StreamID, Kind: params.MediaKind(o.Kind), RTPParameters: p}
	}
	return out, nil
}

// remoteOffer starts the remote offer of a server transport, its
// parameters validated as Transport validates them.
func remoteOffer(info *testbed.WebRTCTransportInfo) (*sdp.RemoteSDP, error) {
	ice, err := params.Convert[params.ICEParameters](info.ICEParameters)
	if err != nil {
		return nil, err
	}
	candidates, err := params.Convert[[]params.ICECandidate](info.ICECandidates)
	if err != nil {
		return nil, err
	}
	dtls, err := params.Convert[params.DTLSParameters](info.DTLSParameters)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(ortc.ValidateICEParameters(&ice), ortc.ValidateICECandidates(candidates), ortc.ValidateDTLSParameters(&dtls)); err != nil {
		return nil, err
	}
	return sdp.New(sdp.RoleOffer, ice, candidates, dtls, nil), nil
}

// localDTLS is what the server's connect needs: the local certificate's
// fingerprints (upper-case hex, as in SDP) and the client role the setting
// engine pins.
func localDTLS(pc *webrtc.PeerConnection) msc.DTLSParameters {
	out := msc.DTLSParameters{Role: msc.DTLSRoleClient}
	for _, c := range pc.GetConfiguration().Certificates {
		fps, err := c.GetFingerprints()
		if err != nil {
			continue
		}
		for _, fp := range fps {
			out.Fingerprints = append(out.Fingerprints, msc.DTLSFingerprint{Algorithm: fp.Algorithm, Value: strings.ToUpper(fp.Value)})
		}
	}
	return out
}
