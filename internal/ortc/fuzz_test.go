package ortc

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// The fuzz targets feed JSON to a validator. Whatever the input, validation
// must not panic and must fail only with ErrInvalidParameters; whatever it
// accepts must survive a marshal/unmarshal round trip, validate again, and
// come out of that second validation unchanged.

func fuzzValidator[T any](t *testing.T, data []byte, validate func(*T) error) {
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	if err := validate(&v); err != nil {
		if !errors.Is(err, params.ErrInvalidParameters) {
			t.Fatalf("error does not wrap ErrInvalidParameters: %v", err)
		}
		return
	}
	out, err := json.Marshal(&v)
	if err != nil {
		t.Fatalf("valid value does not marshal: %v", err)
	}
	var again T
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatalf("marshalled value does not unmarshal: %v\n%s", err, out)
	}
	if err := validate(&again); err != nil {
		t.Fatalf("valid value fails after a round trip: %v\n%s", err, out)
	}
	out2, err := json.Marshal(&again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("round trip changed a valid value\nfirst:  %s\nsecond: %s", out, out2)
	}
}

func FuzzValidateRTPCapabilities(f *testing.F) {
	f.Add(fixtureJSON(f, "router-rtp-capabilities.json", ""))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"codecs":null,"headerExtensions":null}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"audio/opus","clockRate":48000}]}`))
	f.Add([]byte(`{"codecs":[{"kind":"video","mimeType":"audio/opus","clockRate":48000,"channels":0}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"video/rtx","clockRate":90000,"parameters":{"apt":"101"}}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"video/rtx","clockRate":90000,"parameters":{"apt":101.5,"x":null,"y":[1],"z":{"a":1}}}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"video/VP8","clockRate":90000,"preferredPayloadType":127,"channels":2,"rtcpFeedback":[{"type":"nack"},{"type":""}]}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"VIDEO/h264","clockRate":90000,"parameters":{"profile-level-id":"42e01f\r\na=x","packetization-mode":1e400}}]}`))
	f.Add([]byte(`{"headerExtensions":[{"kind":"audio","uri":"urn:x","preferredId":1},{"kind":"audio","uri":"urn:y","preferredId":1}]}`))
	f.Add([]byte(`{"headerExtensions":[{"kind":"","uri":"","preferredId":0,"direction":"both"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateRTPCapabilities)
	})
}

func FuzzValidateRTPParameters(f *testing.F) {
	f.Add(fixtureJSON(f, "consumer-audio.json", "rtpParameters"))
	f.Add(fixtureJSON(f, "consumer-video-simulcast.json", "rtpParameters"))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"codecs":[]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"video/rtx","payloadType":102,"clockRate":90000,"parameters":{"apt":101}}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"video/VP8","payloadType":101,"clockRate":90000},{"mimeType":"video/rtx","payloadType":101,"clockRate":90000,"parameters":{"apt":101}}]}`))
	f.Add([]byte(`{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":-1}],"rtcp":{"reducedSize":false}}`))
	f.Add([]byte(`{"mid":"a b","codecs":[],"headerExtensions":[{"uri":"urn:x","id":1},{"uri":"urn:x","id":2},{"uri":"urn:y","id":1}]}`))
	f.Add([]byte(`{"codecs":[],"encodings":[{"rid":"r0","scalabilityMode":"L3T3_KEY","scaleResolutionDownBy":0.5},{"rid":"r0","ssrc":5,"rtx":{"ssrc":5}}]}`))
	f.Add([]byte(`{"codecs":[],"encodings":[{"ssrc":1,"maxBitrate":-1,"maxFramerate":1e308,"priority":"urgent","codecPayloadType":200}]}`))
	f.Add([]byte(`{"codecs":[],"rtcp":{"cname":"\u0000","mux":false}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateRTPParameters)
	})
}

func FuzzValidateSCTPStreamParameters(f *testing.F) {
	f.Add(fixtureJSON(f, "data-consumer.json", "sctpStreamParameters"))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"streamId":65535}`))
	f.Add([]byte(`{"streamId":1,"maxRetransmits":0}`))
	f.Add([]byte(`{"streamId":1,"maxPacketLifeTime":100,"maxRetransmits":5}`))
	f.Add([]byte(`{"streamId":1,"ordered":true,"maxPacketLifeTime":0}`))
	f.Add([]byte(`{"streamId":1,"ordered":false,"label":"chat","protocol":"\ud800"}`))
	f.Add([]byte(`{"streamId":-1,"ordered":"yes"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateSCTPStreamParameters)
	})
}

// The seeds below come from the fixtures; testdata/fuzz holds more, taken
// from real server messages, so that go test runs them all.

func FuzzValidateSCTPParameters(f *testing.F) {
	f.Add(fixtureJSON(f, "webrtc-transport.json", "sctpParameters"))
	f.Add(fixtureJSON(f, "webrtc-transport-sctp-new.json", "sctpParameters"))
	f.Add([]byte(`{"port":5000,"maxReceiveMessageSize":262144}`))
	f.Add([]byte(`{"port":5000,"OS":0,"MIS":1,"maxMessageSize":-1,"maxSendMessageSize":0,"sendBufferSize":-5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateSCTPParameters)
	})
}

func FuzzValidateSCTPCapabilities(f *testing.F) {
	f.Add([]byte(`{"numStreams":{"OS":1024,"MIS":1024}}`))
	f.Add([]byte(`{"numStreams":{"OS":65536,"MIS":-1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateSCTPCapabilities)
	})
}

func FuzzValidateICEParameters(f *testing.F) {
	f.Add(fixtureJSON(f, "webrtc-transport.json", "iceParameters"))
	f.Add([]byte(`{"usernameFragment":"ab c","password":"x\r\na=candidate:1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateICEParameters)
	})
}

func FuzzValidateICECandidates(f *testing.F) {
	f.Add(fixtureJSON(f, "webrtc-transport.json", "iceCandidates"))
	f.Add(fixtureJSON(f, "webrtc-transport-sctp-new.json", "iceCandidates"))
	f.Add([]byte(`[{"foundation":"f","priority":1,"address":"localhost","protocol":"udp","port":1,"type":"host"}]`))
	f.Add([]byte(`[{"foundation":"f","priority":1,"address":"x.local","protocol":"tcp","port":1,"type":"host","tcpType":"so"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, func(c *[]params.ICECandidate) error { return ValidateICECandidates(*c) })
	})
}

func FuzzValidateDTLSParameters(f *testing.F) {
	f.Add(fixtureJSON(f, "webrtc-transport.json", "dtlsParameters"))
	f.Add([]byte(`{"role":"client","fingerprints":[{"algorithm":"SHA-1","value":"5B:9A:7B:E4:BB:7B:CB:AA:4B:B6:F4:C8:9F:EE:5B:20:D1:25:96:24"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateDTLSParameters)
	})
}

func FuzzValidateRTPEncodingParameters(f *testing.F) {
	f.Add([]byte(`{"ssrc":872880266,"rtx":{"ssrc":872880267},"scalabilityMode":"S3T3"}`))
	f.Add([]byte(`{"rid":"r0","active":true,"maxBitrate":100000,"scaleResolutionDownBy":4,"priority":"low","codecPayloadType":101}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, ValidateRTPEncodingParameters)
	})
}

// consumerInput is what Transport.Consume gets from the server.
type consumerInput struct {
	ID            string               `json:"id"`
	ProducerID    string               `json:"producerId"`
	Kind          params.MediaKind     `json:"kind"`
	StreamID      string               `json:"streamId,omitempty"`
	RTPParameters params.RTPParameters `json:"rtpParameters"`
}

func validateConsumerInput(c *consumerInput) error {
	return ValidateConsumerOptions(c.ID, c.ProducerID, c.StreamID, c.Kind, &c.RTPParameters)
}

func FuzzValidateConsumerOptions(f *testing.F) {
	f.Add(fixtureJSON(f, "consumer-audio.json", ""))
	f.Add(fixtureJSON(f, "consumer-video-simulcast.json", ""))
	f.Add([]byte(`{"id":"a b","producerId":"p","kind":"video","streamId":"s\r\na=x:y","rtpParameters":{"codecs":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzValidator(t, data, validateConsumerInput)
	})
}
