package params

import "encoding/json"

// Clone returns a deep copy.
func (c RTPCapabilities) Clone() RTPCapabilities {
	out := RTPCapabilities{}
	if c.Codecs != nil {
		out.Codecs = make([]RTPCodecCapability, len(c.Codecs))
		for i, codec := range c.Codecs {
			out.Codecs[i] = codec.Clone()
		}
	}
	if c.HeaderExtensions != nil {
		out.HeaderExtensions = append([]RTPHeaderExtension(nil), c.HeaderExtensions...)
	}
	return out
}

// Clone returns a deep copy.
func (c RTPCodecCapability) Clone() RTPCodecCapability {
	out := c
	out.PreferredPayloadType = ClonePtr(c.PreferredPayloadType)
	out.Channels = ClonePtr(c.Channels)
	out.Parameters = c.Parameters.Clone()
	if c.RTCPFeedback != nil {
		out.RTCPFeedback = append([]RTCPFeedback(nil), c.RTCPFeedback...)
	}
	return out
}

// Clone returns a deep copy.
func (c RTPCodecParameters) Clone() RTPCodecParameters {
	out := c
	out.Channels = ClonePtr(c.Channels)
	out.Parameters = c.Parameters.Clone()
	if c.RTCPFeedback != nil {
		out.RTCPFeedback = append([]RTCPFeedback(nil), c.RTCPFeedback...)
	}
	return out
}

// Clone returns a deep copy.
func (e RTPEncodingParameters) Clone() RTPEncodingParameters {
	out := e
	out.CodecPayloadType = ClonePtr(e.CodecPayloadType)
	out.RTX = ClonePtr(e.RTX)
	out.Active = ClonePtr(e.Active)
	return out
}

// Clone returns a deep copy.
func (p RTPParameters) Clone() RTPParameters {
	out := RTPParameters{MID: p.MID}
	if p.Codecs != nil {
		out.Codecs = make([]RTPCodecParameters, len(p.Codecs))
		for i, c := range p.Codecs {
			out.Codecs[i] = c.Clone()
		}
	}
	if p.HeaderExtensions != nil {
		out.HeaderExtensions = make([]RTPHeaderExtensionParameters, len(p.HeaderExtensions))
		for i, h := range p.HeaderExtensions {
			h.Parameters = h.Parameters.Clone()
			out.HeaderExtensions[i] = h
		}
	}
	if p.Encodings != nil {
		out.Encodings = make([]RTPEncodingParameters, len(p.Encodings))
		for i, e := range p.Encodings {
			out.Encodings[i] = e.Clone()
		}
	}
	out.RTCP = RTCPParameters{CNAME: p.RTCP.CNAME, ReducedSize: ClonePtr(p.RTCP.ReducedSize), Mux: ClonePtr(p.RTCP.Mux)}
	return out
}

// ClonePtr returns a pointer to a copy of *p, or nil.
func ClonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Ptr returns a pointer to v, for the optional fields of the wire types.
func Ptr[T any](v T) *T { return &v }

// Clone returns a deep copy.
func (p SCTPParameters) Clone() SCTPParameters {
	out := p
	out.MaxSendMessageSize = ClonePtr(p.MaxSendMessageSize)
	out.MaxReceiveMessageSize = ClonePtr(p.MaxReceiveMessageSize)
	out.PerStreamSendQueueLimit = ClonePtr(p.PerStreamSendQueueLimit)
	out.MaxReceiverWindowBufferSize = ClonePtr(p.MaxReceiverWindowBufferSize)
	out.TotalBufferedAmount = ClonePtr(p.TotalBufferedAmount)
	out.IsDataChannel = ClonePtr(p.IsDataChannel)
	out.SCTPBufferedAmount = ClonePtr(p.SCTPBufferedAmount)
	out.SendBufferSize = ClonePtr(p.SendBufferSize)
	return out
}

// Convert copies a wire object into type T through its JSON form: the root
// package's public wire types and these marshal to the same JSON, so tests
// and tools that hold one can get the other. The root package itself
// converts field by field.
func Convert[T any](from any) (T, error) {
	var out T
	b, err := json.Marshal(from)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}
