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
