package ortc

import (
	"errors"
	"strings"
	"testing"

	"github.com/pion/webrtc/v3"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func TestChooseSendCodec(t *testing.T) {
	caps := *routerCaps(t)
	if err := ValidateRTPCapabilities(&caps); err != nil {
		t.Fatal(err)
	}
	// Router fixture: opus/48000/2 (100), VP8 (101), VP9 profile-id 2 (103),
	// H264 4d0032 pm 1 (105), H264 42e01f pm 1 (107), each video codec with
	// RTX.
	type C = webrtc.RTPCodecCapability
	cases := []struct {
		name   string
		track  C
		wantPT uint8
		errHas []string // nil: a match is expected
	}{
		{"opus", C{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, 100, nil},
		{"opus without channels", C{MimeType: "audio/OPUS", ClockRate: 48000}, 100, nil},
		{"mono opus", C{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 1}, 0, []string{"audio/opus/48000", "audio/opus/48000/2"}},
		{"VP8", C{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, 101, nil},
		{"vp8 lower case, no clock rate", C{MimeType: "video/vp8"}, 101, nil},
		{"VP8 at another clock rate", C{MimeType: webrtc.MimeTypeVP8, ClockRate: 48000}, 0, []string{"video/VP8/48000"}},
		{"VP9 profile 2", C{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=2"}, 103, nil},
		{"VP9 profile 0", C{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"}, 0, []string{"video/VP9/90000 profile-id 0", "video/VP9/90000 profile-id 2"}},
		{"VP9 without profile (0)", C{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000}, 0, []string{"video/VP9"}},
		{"H264 constrained baseline", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, 107, nil},
		{"H264 constrained baseline, lower level", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1;profile-level-id=42e00a"}, 107, nil},
		{"H264 main", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1;profile-level-id=4d0032"}, 105, nil},
		{"H264 main, upper-case hex", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1; profile-level-id=4D001F"}, 105, nil},
		{"H264 packetization-mode 0", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=0;profile-level-id=42e01f"}, 0, []string{"packetization-mode 0", "video/H264/90000 profile-level-id 42e01f packetization-mode 1"}},
		{"H264 high", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1;profile-level-id=640032"}, 0, []string{"profile-level-id 640032", "4d0032", "42e01f"}},
		{"H264 without parameters (42e01f, mode 0)", C{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, 0, []string{"video/H264/90000"}},
		{"AV1", C{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}, 0, []string{"video/AV1/90000", "video/VP8/90000"}},
		{"no mime type", C{}, 0, []string{"no MIME type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseSendCodec(tc.track, caps)
			if tc.errHas == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.PreferredPayloadType == nil || *got.PreferredPayloadType != tc.wantPT {
					t.Fatalf("chose %s (pt %v), want payload type %d", got, got.PreferredPayloadType, tc.wantPT)
				}
				return
			}
			if err == nil {
				t.Fatalf("chose %s, want an error", got)
			}
			if !errors.Is(err, params.ErrUnsupported) {
				t.Fatalf("error %q does not wrap ErrUnsupported", err)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestChooseSendCodecReturnsACopy(t *testing.T) {
	caps := *routerCaps(t)
	got, err := ChooseSendCodec(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, caps)
	if err != nil {
		t.Fatal(err)
	}
	got.Parameters["x"] = 1
	if _, ok := caps.Codecs[1].Parameters["x"]; ok {
		t.Fatal("the result shares its parameters with the capabilities")
	}
	if _, err := ChooseSendCodec(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, params.RTPCapabilities{}); !errors.Is(err, params.ErrUnsupported) || !strings.Contains(err.Error(), "none") {
		t.Fatalf("empty capabilities: %v", err)
	}
}

func TestChooseSendCodecFromDeviceCapabilities(t *testing.T) {
	send := GetSendRTPCapabilities(negExtended(t, false))
	got, err := ChooseSendCodec(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, send)
	if err != nil {
		t.Fatal(err)
	}
	if plid, _ := got.Parameters.String("profile-level-id"); !strings.HasPrefix(plid, "42e0") {
		t.Fatalf("chose %v, want constrained baseline", got.Parameters)
	}
}

func TestParseFmtp(t *testing.T) {
	cases := map[string]params.CodecParameters{
		"":                    {},
		"apt=96":              {"apt": "96"},
		" a=1 ; b = x ;;flag": {"a": "1", "b": "x", "flag": ""},
		"sprop-parameter-sets=Z0IACpZTBYmI,aMljiA==": {"sprop-parameter-sets": "Z0IACpZTBYmI,aMljiA=="},
	}
	for line, want := range cases {
		got := ParseFmtp(line)
		if len(got) != len(want) {
			t.Errorf("%q: %v, want %v", line, got, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%q: %s = %v, want %v", line, k, got[k], v)
			}
		}
	}
}
