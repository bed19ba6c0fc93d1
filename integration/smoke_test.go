package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// codecKey names a codec by MIME type and the parameters that tell two
// codecs of one MIME type apart.
func codecKey(c msc.RTPCodecCapability) string {
	k := strings.ToLower(c.MimeType)
	if v, ok := c.Parameters.String("profile-id"); ok {
		k += " profile-id=" + v
	}
	if v, ok := c.Parameters.String("profile-level-id"); ok {
		k += " profile-level-id=" + v
	}
	return k
}

func TestServerSmoke(t *testing.T) {
	srv := testbed.StartT(t)
	t.Logf("mediasoup %s, worker pid %d, server pid %d, port %d", srv.Version, srv.WorkerPID, srv.PID, srv.Port)
	if srv.Version != "3.12.16" {
		t.Errorf("mediasoup version = %q, want 3.12.16", srv.Version)
	}
	if srv.WorkerPID <= 0 {
		t.Errorf("worker pid = %d", srv.WorkerPID)
	}
	ctx := testCtx(t, time.Minute)

	c, err := srv.Dial(ctx, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.PeerID == "" || c.Joined.Room != "smoke" {
		t.Errorf("join: peerId %q room %q", c.PeerID, c.Joined.Room)
	}
	caps := c.Joined.RouterRTPCapabilities

	// Opus, VP8, VP9 profile 2 and 0, H264 4d0032 and 42e01f; each video
	// codec followed by its RTX codec.
	byPT := map[uint8]msc.RTPCodecCapability{}
	for _, cd := range caps.Codecs {
		if cd.PreferredPayloadType == nil {
			t.Fatalf("codec %s has no preferredPayloadType", cd)
		}
		byPT[*cd.PreferredPayloadType] = cd
	}
	media := map[string]msc.RTPCodecCapability{}
	rtxFor := map[string]bool{}
	for _, cd := range caps.Codecs {
		if strings.EqualFold(cd.MimeType, string(cd.Kind)+"/rtx") {
			apt, ok := cd.Parameters.Int("apt")
			if !ok {
				t.Errorf("RTX codec %d without apt", *cd.PreferredPayloadType)
				continue
			}
			rtxFor[codecKey(byPT[uint8(apt)])] = true
			continue
		}
		media[codecKey(cd)] = cd
	}
	want := []string{
		"audio/opus",
		"video/vp8",
		"video/vp9 profile-id=2",
		"video/vp9 profile-id=0",
		"video/h264 profile-level-id=4d0032",
		"video/h264 profile-level-id=42e01f",
	}
	for _, k := range want {
		cd, ok := media[k]
		if !ok {
			t.Errorf("router capabilities lack %s (have %v)", k, keys(media))
			continue
		}
		if cd.Kind == msc.MediaKindVideo && !rtxFor[k] {
			t.Errorf("%s has no RTX codec", k)
		}
		if strings.HasPrefix(k, "video/h264") {
			if pm, _ := cd.Parameters.Int("packetization-mode"); pm != 1 {
				t.Errorf("%s: packetization-mode %v", k, cd.Parameters["packetization-mode"])
			}
			if la, _ := cd.Parameters.Int("level-asymmetry-allowed"); la != 1 {
				t.Errorf("%s: level-asymmetry-allowed %v", k, cd.Parameters["level-asymmetry-allowed"])
			}
		}
	}
	if o := media["audio/opus"]; o.ClockRate != 48000 || o.Channels == nil || *o.Channels != 2 {
		t.Errorf("opus: %s", o)
	}

	// Same codecs and header extensions as the fixture captured from a
	// mediasoup 3.12.16 server (ours adds VP9 profile 0).
	var fixture msc.RTPCapabilities
	readJSON(t, filepath.Join("..", "testdata", "fixtures", "router-rtp-capabilities.json"), &fixture)
	for _, cd := range fixture.Codecs {
		if strings.HasSuffix(strings.ToLower(cd.MimeType), "/rtx") {
			continue
		}
		if _, ok := media[codecKey(cd)]; !ok {
			t.Errorf("fixture codec %s missing from the server's capabilities", codecKey(cd))
		}
	}
	if got, want := mustJSON(t, caps.HeaderExtensions), mustJSON(t, fixture.HeaderExtensions); got != want {
		t.Errorf("header extensions differ from the fixture:\n got %s\nwant %s", got, want)
	}

	again, err := c.GetRouterRTPCapabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, again) != mustJSON(t, caps) {
		t.Error("getRouterRtpCapabilities differs from the join answer")
	}

	// A second peer of the room and a peer of another room.
	c2, err := srv.Dial(ctx, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c3, err := srv.Dial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if c2.PeerID == c.PeerID {
		t.Errorf("two peers got the same id %q", c.PeerID)
	}
	if c3.Joined.Room != "default" {
		t.Errorf("empty room name joined %q, want default", c3.Joined.Room)
	}
	r1, r2, r3 := routerID(t, c), routerID(t, c2), routerID(t, c3)
	if r1 != r2 || r1 == r3 {
		t.Errorf("router ids: room smoke %s and %s, room default %s", r1, r2, r3)
	}

	// Static files.
	resp, err := http.Get(srv.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<html") {
		t.Errorf("GET / = %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(srv.HTTPURL() + "no-such-file.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET missing file = %d, want 404", resp.StatusCode)
	}
}

func TestWebRTCTransportParameters(t *testing.T) {
	srv := testbed.StartT(t)
	ctx := testCtx(t, time.Minute)
	c, err := srv.Dial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	tr, err := c.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "send", SCTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.ICEParameters.ICELite || tr.ICEParameters.UsernameFragment == "" || tr.ICEParameters.Password == "" {
		t.Errorf("ice parameters %+v", tr.ICEParameters)
	}
	protos := map[string]bool{}
	for _, cand := range tr.ICECandidates {
		if cand.Host() != "127.0.0.1" || cand.Port == 0 || cand.Type != "host" {
			t.Errorf("candidate %+v", cand)
		}
		protos[cand.Protocol] = true
	}
	if !protos["udp"] || !protos["tcp"] {
		t.Errorf("want udp and tcp candidates, got %+v", tr.ICECandidates)
	}
	if len(tr.DTLSParameters.Fingerprints) == 0 {
		t.Error("no DTLS fingerprints")
	}
	sp := tr.SCTPParameters
	if sp == nil || sp.Port != 5000 || sp.OS != 1024 || sp.MIS != 1024 || sp.MaxMessageSize != 262144 {
		t.Errorf("sctp parameters %+v", sp)
	}

	tr2, err := c.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{
		Direction: "recv", SCTP: true, NumSCTPStreams: &msc.NumSCTPStreams{OS: 16, MIS: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr2.SCTPParameters == nil || tr2.SCTPParameters.OS != 16 || tr2.SCTPParameters.MIS != 32 {
		t.Errorf("custom sctp streams: %+v", tr2.SCTPParameters)
	}
	tr3, err := c.CreateWebRTCTransport(ctx, testbed.WebRTCTransportOptions{Direction: "recv"})
	if err != nil {
		t.Fatal(err)
	}
	if tr3.SCTPParameters != nil {
		t.Errorf("sctp parameters without sctp: %+v", tr3.SCTPParameters)
	}

	ice, err := c.RestartICE(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ice.UsernameFragment == tr.ICEParameters.UsernameFragment || ice.Password == tr.ICEParameters.Password {
		t.Errorf("restartIce kept the credentials: %+v", ice)
	}
	stats, err := c.GetStats(ctx, testbed.TypeTransport, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Type() != "webrtc-transport" {
		t.Errorf("transport stats %v", stats)
	}
	dump, err := c.Dump(ctx, testbed.TypeTransport, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		ID         string `json:"id"`
		IceRole    string `json:"iceRole"`
		DtlsState  string `json:"dtlsState"`
		SctpState  string `json:"sctpState"`
		MaxMessage int    `json:"maxMessageSize"`
	}
	if err := json.Unmarshal(dump, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != tr.ID || d.IceRole != "controlled" || d.DtlsState != "new" {
		t.Errorf("transport dump: %+v", d)
	}
}

func routerID(t *testing.T, c *testbed.Client) string {
	t.Helper()
	raw, err := c.Dump(testCtx(t, 10*time.Second), testbed.TypeRouter, "")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.ID == "" {
		t.Fatalf("router dump %s: %v", raw, err)
	}
	return d.ID
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
