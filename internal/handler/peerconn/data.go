package peerconn

import (
	"context"
	"fmt"

	psdp "github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/handler"
	"github.com/soupkit/mediasoup-client-go/internal/sdp"
)

// dataMIDRecv is the mid of the SCTP section of a receive transport.
const dataMIDRecv = "datachannel"

// OpenDataChannel creates a negotiated data channel on the server-given
// (or locally chosen) SCTP stream and, the first time, negotiates the SCTP
// media section.
func (h *Handler) OpenDataChannel(ctx context.Context, o handler.DataChannelOptions) (*webrtc.DataChannel, error) {
	if h.sctp == nil {
		return nil, fmt.Errorf("transport has no SCTP parameters")
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	negotiated := true
	ordered := o.Ordered
	id := o.StreamID
	dc, err := h.pc.CreateDataChannel(o.Label, &webrtc.DataChannelInit{
		Ordered: &ordered, MaxPacketLifeTime: o.MaxPacketLifeTime, MaxRetransmits: o.MaxRetransmits,
		Protocol: &o.Protocol, Negotiated: &negotiated, ID: &id,
	})
	if err != nil {
		return nil, fmt.Errorf("create data channel: %w", err)
	}
	if h.dataMID != "" {
		return dc, nil
	}
	if err := h.negotiateData(ctx); err != nil {
		_ = dc.Close()
		return nil, err
	}
	return dc, nil
}

func (h *Handler) negotiateData(ctx context.Context) error {
	if h.dir == handler.DirectionRecv {
		h.remote.SetApplication(dataMIDRecv)
		if err := h.answerRemoteOffer(ctx); err != nil {
			h.remote.Remove(dataMIDRecv)
			return err
		}
		h.dataMID = dataMIDRecv
		return nil
	}
	offer, err := h.localOffer()
	if err != nil {
		return err
	}
	parsed := &psdp.SessionDescription{}
	if err := parsed.UnmarshalString(offer.SDP); err != nil {
		return fmt.Errorf("parse local offer: %w", err)
	}
	for _, md := range parsed.MediaDescriptions {
		if md.MediaName.Media == "application" {
			h.dataMID, _ = md.Attribute("mid")
		}
	}
	if h.dataMID == "" {
		return fmt.Errorf("local offer has no SCTP section")
	}
	h.syncAnswer(parsed, "", sdp.MediaOptions{})
	return h.applyAnswer()
}
