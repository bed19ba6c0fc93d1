package integration

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/soupkit/mediasoup-client-go/testbed"
)

// Every bad request gets ok:false with a message, and the server keeps
// answering.
func TestMalformedRequests(t *testing.T) {
	srv := testbed.StartT(t)
	ctx := testCtx(t, 2*time.Minute)

	c, err := srv.DialNoJoin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Frames that are not valid requests.
	raw := []struct {
		name, text, wantID, wantErr string
	}{
		{"not JSON", `{"id": 1, "method": "join"`, "null", "malformed JSON"},
		{"garbage", `hello`, "null", "malformed JSON"},
		{"array", `[1, 2, 3]`, "null", "must be a JSON object"},
		{"string", `"join"`, "null", "must be a JSON object"},
		{"no method", `{"id": "r1"}`, `"r1"`, `"method"`},
		{"method not a string", `{"id": "r2", "method": 42}`, `"r2"`, `"method"`},
		{"unknown method", `{"id": "r3", "method": "noSuchMethod", "data": {}}`, `"r3"`, "unknown method"},
		{"prototype method", `{"id": "r4", "method": "constructor"}`, `"r4"`, "unknown method"},
		{"data not an object", `{"id": "r5", "method": "join", "data": "room"}`, `"r5"`, `"data"`},
		{"before join", `{"id": "r6", "method": "createWebRtcTransport", "data": {"direction": "send"}}`, `"r6"`, "not joined"},
		{"room wrong type", `{"id": "r7", "method": "join", "data": {"room": 5}}`, `"r7"`, `"room"`},
	}
	for _, tc := range raw {
		r, err := c.CallRaw(ctx, []byte(tc.text))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !r.Response || r.OK || !strings.Contains(r.Error, tc.wantErr) || string(r.ID) != tc.wantID {
			t.Errorf("%s: got ok=%v id=%s error=%q, want ok:false id=%s error containing %q", tc.name, r.OK, r.ID, r.Error, tc.wantID, tc.wantErr)
		}
	}

	if _, err := c.Join(ctx, "malformed"); err != nil {
		t.Fatalf("join after bad requests: %v", err)
	}
	send, err := c.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "send"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		t.Fatal(err)
	}

	typed := []struct {
		name, method string
		data         any
		wantErr      string
	}{
		{"join twice", "join", map[string]any{"room": "other"}, "already joined"},
		{"missing direction", "createWebRtcTransport", map[string]any{}, `"direction"`},
		{"bad direction", "createWebRtcTransport", map[string]any{"direction": "sideways"}, `"direction"`},
		{"sctp not bool", "createWebRtcTransport", map[string]any{"direction": "send", "sctp": "yes"}, `"sctp"`},
		{"bad sctp streams", "createWebRtcTransport", map[string]any{"direction": "send", "numSctpStreams": map[string]any{"OS": "many", "MIS": 1}}, `"OS"`},
		{"unknown transport", "connectWebRtcTransport", map[string]any{"transportId": "nope", "dtlsParameters": map[string]any{}}, "not found"},
		{"missing dtls", "connectWebRtcTransport", map[string]any{"transportId": send.ID}, `"dtlsParameters"`},
		{"bad dtls", "connectWebRtcTransport", map[string]any{"transportId": send.ID, "dtlsParameters": map[string]any{"fingerprints": "x"}}, ""},
		{"restartIce on plain", "restartIce", map[string]any{"transportId": plain.ID}, "not a WebRtcTransport"},
		{"transportId wrong type", "produce", map[string]any{"transportId": 7, "kind": "audio", "rtpParameters": map[string]any{}}, `"transportId"`},
		{"bad kind", "produce", map[string]any{"transportId": plain.ID, "kind": "text", "rtpParameters": map[string]any{}}, `"kind"`},
		{"empty rtpParameters", "produce", map[string]any{"transportId": plain.ID, "kind": "audio", "rtpParameters": map[string]any{}}, ""},
		{"codecs not an array", "produce", map[string]any{"transportId": plain.ID, "kind": "audio", "rtpParameters": map[string]any{"codecs": 3}}, ""},
		{"unknown producer", "consume", map[string]any{"transportId": plain.ID, "producerId": "p", "rtpCapabilities": map[string]any{}}, "not found"},
		{"unknown producer pause", "pauseProducer", map[string]any{"producerId": "p"}, "not found"},
		{"unknown consumer", "resumeConsumer", map[string]any{"consumerId": "c"}, "not found"},
		{"unknown consumer close", "closeConsumer", map[string]any{"consumerId": "c"}, "not found"},
		{"layers, unknown consumer", "setConsumerPreferredLayers", map[string]any{"consumerId": "c", "spatialLayer": "high"}, "not found"},
		{"unknown data producer", "consumeData", map[string]any{"transportId": plain.ID, "dataProducerId": "d"}, "not found"},
		{"unknown data consumer", "closeDataConsumer", map[string]any{"dataConsumerId": "d"}, "not found"},
		{"bad stats type", "getStats", map[string]any{"type": "bogus", "id": send.ID}, `"type"`},
		{"stats unknown id", "getStats", map[string]any{"type": "producer", "id": "x"}, "not found"},
		{"dump unknown id", "dump", map[string]any{"type": "consumer", "id": "x"}, "not found"},
		{"port out of range", "connectPlainTransport", map[string]any{"transportId": plain.ID, "ip": "127.0.0.1", "port": 70000}, `"port"`},
		{"connect plain as webrtc", "connectWebRtcTransport", map[string]any{"transportId": plain.ID, "dtlsParameters": map[string]any{}}, "not a WebRtcTransport"},
		{"direct data unknown", "sendDirectData", map[string]any{"dataProducerId": "x", "message": "hi"}, "not found"},
		{"produceData without sctp", "produceData", map[string]any{"transportId": plain.ID, "label": "x"}, ""},
	}
	for _, tc := range typed {
		err := c.Call(ctx, tc.method, tc.data, nil)
		var se *testbed.ServerError
		if !errors.As(err, &se) {
			t.Errorf("%s: want a server error, got %v", tc.name, err)
			continue
		}
		if se.Message == "" || !strings.Contains(se.Message, tc.wantErr) {
			t.Errorf("%s: error %q (%s), want one containing %q", tc.name, se.Message, se.Name, tc.wantErr)
		}
		t.Logf("%-26s -> %s: %s", tc.name, se.Name, se.Message)
	}

	// Still serving: the same connection, and a new one.
	if _, err := c.GetRouterRTPCapabilities(ctx); err != nil {
		t.Fatalf("server stopped answering: %v", err)
	}
	if _, err := c.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"}); err != nil {
		t.Fatalf("server stopped answering: %v", err)
	}
	c2, err := srv.Dial(ctx, "malformed")
	if err != nil {
		t.Fatalf("new connection after bad requests: %v", err)
	}
	c2.Close()
	select {
	case <-srv.Exited():
		t.Fatal("server exited")
	default:
	}
}
