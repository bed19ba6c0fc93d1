package handler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/interceptor"
	psdp "github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Header extension URIs the handler negotiates.
const (
	extMID           = "urn:ietf:params:rtp-hdrext:sdes:mid"
	extRID           = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	extRepairedRID   = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
	extAbsSendTime   = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	extTransportCC   = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	extAudioLevel    = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	extAbsCaptureTim = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
)

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"},
	{Type: "goog-remb"}, {Type: "transport-cc"},
}

type codecDef struct {
	mime  string
	clock uint32
	ch    uint16
	fmtp  string
	pt    webrtc.PayloadType
	rtxPT webrtc.PayloadType
}

// The codecs pion can packetize and depacketize: Opus, VP8, VP9 (profiles 0
// and 2), H264 in the profiles browsers and mediasoup routers use, and AV1.
var videoCodecs = []codecDef{
	{mime: webrtc.MimeTypeVP8, clock: 90000, pt: 96, rtxPT: 97},
	{mime: webrtc.MimeTypeVP9, clock: 90000, fmtp: "profile-id=0", pt: 98, rtxPT: 99},
	{mime: webrtc.MimeTypeVP9, clock: 90000, fmtp: "profile-id=2", pt: 100, rtxPT: 101},
	{mime: webrtc.MimeTypeH264, clock: 90000, fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", pt: 102, rtxPT: 103},
	{mime: webrtc.MimeTypeH264, clock: 90000, fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", pt: 104, rtxPT: 105},
	{mime: webrtc.MimeTypeH264, clock: 90000, fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f", pt: 106, rtxPT: 107},
	{mime: webrtc.MimeTypeH264, clock: 90000, fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032", pt: 108, rtxPT: 109},
	{mime: webrtc.MimeTypeAV1, clock: 90000, pt: 45, rtxPT: 46},
}

// NewMediaEngine returns a media engine with every codec and header
// extension the handler negotiates, RTX paired with each video codec.
func NewMediaEngine() (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine:  "minptime=10;useinbandfec=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}},
		},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	for _, c := range videoCodecs {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: c.mime, ClockRate: c.clock, SDPFmtpLine: c.fmtp, RTCPFeedback: videoFeedback},
			PayloadType:        c.pt,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/rtx", ClockRate: c.clock, SDPFmtpLine: "apt=" + strconv.Itoa(int(c.pt))},
			PayloadType:        c.rtxPT,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
	}
	exts := []struct {
		uri   string
		kinds []webrtc.RTPCodecType
	}{
		{extMID, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
		{extRID, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{extRepairedRID, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
		{extAbsSendTime, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
		{extTransportCC, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
		{extAudioLevel, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
		{extAbsCaptureTim, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
	}
	for _, e := range exts {
		for _, k := range e.kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, k); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// RegisterInterceptors installs the default RTP/RTCP machinery: NACK
// generator and responder, sender and receiver reports, transport-wide
// congestion control sequence numbers and feedback.
func RegisterInterceptors(m *webrtc.MediaEngine, ir *interceptor.Registry) error {
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return err
	}
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, ir); err != nil {
		return err
	}
	return webrtc.ConfigureTWCCSender(m, ir)
}

// NativeRTPCapabilities returns what a peer connection of api really
// negotiates, read back from an offer it generates (so payload types and
// header extension ids are pion's own).
func NativeRTPCapabilities(api *webrtc.API) (params.RTPCapabilities, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return params.RTPCapabilities{}, err
	}
	defer pc.Close() //nolint:errcheck
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			return params.RTPCapabilities{}, err
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return params.RTPCapabilities{}, err
	}
	return CapabilitiesFromSDP(offer.SDP)
}

// CapabilitiesFromSDP extracts RTP capabilities from a session description.
func CapabilitiesFromSDP(text string) (params.RTPCapabilities, error) {
	var d psdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		return params.RTPCapabilities{}, fmt.Errorf("parse sdp: %w", err)
	}
	caps := params.RTPCapabilities{Codecs: []params.RTPCodecCapability{}, HeaderExtensions: []params.RTPHeaderExtension{}}
	seenCodec := map[string]bool{}
	seenExt := map[string]bool{}
	for _, md := range d.MediaDescriptions {
		kind := params.MediaKind(md.MediaName.Media)
		if kind != params.MediaKindAudio && kind != params.MediaKindVideo {
			continue
		}
		for _, c := range parseCodecs(md) {
			key := string(kind) + strconv.Itoa(int(c.PayloadType))
			if seenCodec[key] {
				continue
			}
			seenCodec[key] = true
			caps.Codecs = append(caps.Codecs, params.RTPCodecCapability{
				Kind: kind, MimeType: c.MimeType, PreferredPayloadType: params.Ptr(c.PayloadType),
				ClockRate: c.ClockRate, Channels: c.Channels, Parameters: c.Parameters, RTCPFeedback: c.RTCPFeedback,
			})
		}
		for _, a := range md.Attributes {
			if a.Key != "extmap" {
				continue
			}
			id, uri, ok := parseExtmap(a.Value)
			if !ok || seenExt[string(kind)+uri] {
				continue
			}
			seenExt[string(kind)+uri] = true
			caps.HeaderExtensions = append(caps.HeaderExtensions, params.RTPHeaderExtension{
				Kind: kind, URI: uri, PreferredID: id, Direction: params.DirectionSendRecv,
			})
		}
	}
	return caps, nil
}

func parseExtmap(v string) (int, string, bool) {
	f := strings.Fields(v)
	if len(f) < 2 {
		return 0, "", false
	}
	idStr := f[0]
	if i := strings.IndexByte(idStr, '/'); i >= 0 {
		idStr = idStr[:i]
	}
	id, err := strconv.Atoi(idStr)
	if err != nil {
		return 0, "", false
	}
	return id, f[1], true
}

// parseCodecs reads a media section's codecs: rtpmap, fmtp and rtcp-fb.
func parseCodecs(md *psdp.MediaDescription) []params.RTPCodecParameters {
	byPT := map[uint8]*params.RTPCodecParameters{}
	var order []uint8
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		order = append(order, uint8(pt))
	}
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap":
			pt, rest, ok := splitPT(a.Value)
			if !ok {
				continue
			}
			parts := strings.Split(rest, "/")
			if len(parts) < 2 {
				continue
			}
			clock, _ := strconv.Atoi(parts[1])
			c := &params.RTPCodecParameters{
				MimeType: string(params.MediaKind(md.MediaName.Media)) + "/" + parts[0], PayloadType: pt, ClockRate: clock,
				Parameters: params.CodecParameters{}, RTCPFeedback: []params.RTCPFeedback{},
			}
			if md.MediaName.Media == "audio" {
				ch := 1
				if len(parts) > 2 {
					ch, _ = strconv.Atoi(parts[2])
				}
				c.Channels = params.Ptr(ch)
			}
			byPT[pt] = c
		}
	}
	for _, a := range md.Attributes {
		switch a.Key {
		case "fmtp":
			pt, rest, ok := splitPT(a.Value)
			if c := byPT[pt]; ok && c != nil {
				for k, v := range ParseFmtp(rest) {
					c.Parameters[k] = v
				}
			}
		case "rtcp-fb":
			pt, rest, ok := splitPT(a.Value)
			if c := byPT[pt]; ok && c != nil {
				typ, param, _ := strings.Cut(rest, " ")
				fb := params.RTCPFeedback{Type: typ, Parameter: strings.TrimSpace(param)}
				if !hasFeedback(c.RTCPFeedback, fb) {
					c.RTCPFeedback = append(c.RTCPFeedback, fb)
				}
			}
		}
	}
	out := make([]params.RTPCodecParameters, 0, len(order))
	for _, pt := range order {
		if c := byPT[pt]; c != nil {
			out = append(out, *c)
		}
	}
	return out
}

func splitPT(v string) (uint8, string, bool) {
	ptStr, rest, ok := strings.Cut(v, " ")
	if !ok {
		return 0, "", false
	}
	pt, err := strconv.Atoi(ptStr)
	if err != nil || pt < 0 || pt > 127 {
		return 0, "", false
	}
	return uint8(pt), strings.TrimSpace(rest), true
}

// ParseFmtp parses "a=b;c=d": numeric values become numbers as mediasoup
// expects, except profile-level-id, which stays a string.
func ParseFmtp(line string) params.CodecParameters {
	out := params.CodecParameters{}
	for _, kv := range strings.Split(line, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			continue
		}
		if k != "profile-level-id" {
			if n, err := strconv.Atoi(v); err == nil {
				out[k] = float64(n)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func hasFeedback(list []params.RTCPFeedback, fb params.RTCPFeedback) bool {
	for _, f := range list {
		if f == fb {
			return true
		}
	}
	return false
}
