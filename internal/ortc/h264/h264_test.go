package h264

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

func TestParseProfiles(t *testing.T) {
	tests := []struct {
		in      string
		profile Profile
		level   Level
	}{
		// profile_idc 0x42, profile_iop x1xx0000: Constrained Baseline.
		{"42e01f", ProfileConstrainedBaseline, Level3_1},
		{"42C02A", ProfileConstrainedBaseline, Level4_2},
		{"42401f", ProfileConstrainedBaseline, Level3_1},
		{"42701f", ProfileConstrainedBaseline, Level3_1},
		{"42f01f", ProfileConstrainedBaseline, Level3_1},
		// 0x4d, 1xxx0000: Constrained Baseline.
		{"4de01f", ProfileConstrainedBaseline, Level3_1},
		{"4d801f", ProfileConstrainedBaseline, Level3_1},
		{"4dc01f", ProfileConstrainedBaseline, Level3_1},
		// 0x58, 11xx0000: Constrained Baseline.
		{"58f01f", ProfileConstrainedBaseline, Level3_1},
		{"58c01f", ProfileConstrainedBaseline, Level3_1},
		// 0x42, x0xx0000: Baseline.
		{"42001f", ProfileBaseline, Level3_1},
		{"42a01f", ProfileBaseline, Level3_1},
		{"42801f", ProfileBaseline, Level3_1},
		{"42b01f", ProfileBaseline, Level3_1},
		// 0x58, 10xx0000: Baseline.
		{"58A01F", ProfileBaseline, Level3_1},
		{"58801f", ProfileBaseline, Level3_1},
		// 0x4d, 0x0x0000: Main.
		{"4d001f", ProfileMain, Level3_1},
		{"4D401f", ProfileMain, Level3_1},
		{"4d0032", ProfileMain, Level5},
		{"4d501f", ProfileMain, Level3_1},
		// 0x64, 00000000: High.
		{"64001f", ProfileHigh, Level3_1},
		{"640032", ProfileHigh, Level5},
		// 0x64, 00001100: Constrained High.
		{"640c1f", ProfileConstrainedHigh, Level3_1},
		{"640c34", ProfileConstrainedHigh, Level5_2},
		// 0xf4, 00000000: Predictive High 4:4:4.
		{"f4001f", ProfilePredictiveHigh444, Level3_1},
		{"F40028", ProfilePredictiveHigh444, Level4},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got.Profile != tt.profile || got.Level != tt.level {
			t.Errorf("Parse(%q) = %s/%s, want %s/%s", tt.in, got.Profile, got.Level, tt.profile, tt.level)
		}
	}
}

func TestParseLevels(t *testing.T) {
	tests := []struct {
		in    string
		level Level
	}{
		{"42e00a", Level1},
		{"42e00b", Level1_1},
		{"42f00b", Level1b}, // constraint_set3 set: level 1b, not 1.1
		{"42100b", Level1b},
		{"4d100b", Level1b},
		{"4d500b", Level1b},
		{"58d00b", Level1b},
		{"4d000b", Level1_1},
		{"640c0b", Level1_1}, // High family never has constraint_set3: 1.1
		{"42e00c", Level1_2},
		{"42e00d", Level1_3},
		{"42e014", Level2},
		{"42e015", Level2_1},
		{"42e016", Level2_2},
		{"42e01e", Level3},
		{"42e01f", Level3_1},
		{"42e020", Level3_2},
		{"42e028", Level4},
		{"42e029", Level4_1},
		{"42e02a", Level4_2},
		{"42e032", Level5},
		{"42e033", Level5_1},
		{"42e034", Level5_2},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got.Level != tt.level {
			t.Errorf("Parse(%q).Level = %s, want %s", tt.in, got.Level, tt.level)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, in := range []string{
		// Wrong length.
		"", "e01f", "42e01", "42e01f0", "4242e01f", " 42e01f", "42e01f ",
		"42é01f",
		// Not hex.
		"gggggg", "42e0 f", "0x2e01", "+42e01", "-42e01", "42e01g", "foobar",
		// Unknown level_idc.
		"42e000", "42e009", "42e00f", "42e0ff", "42e035", "42e01d",
		// Unknown profile.
		"42e11f", "42e81f", "58601f", "58401f", "64e01f", "64101f", "640d1f",
		"f4101f", "4d201f", "4d211f", "4d601f", "00001f", "ff001f", "43e01f", "000000",
		"ffffff",
	} {
		got, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", in, got)
			continue
		}
		if !errors.Is(err, params.ErrInvalidParameters) {
			t.Errorf("Parse(%q) error %v does not wrap ErrInvalidParameters", in, err)
		}
	}
}

// TestParseEveryProfileIOP walks every profile_iop byte for each
// profile_idc and counts the combinations each profile accepts, which
// follows from the number of 'x' bits in RFC 6184's patterns.
func TestParseEveryProfileIOP(t *testing.T) {
	want := map[byte]map[Profile]int{
		0x42: {ProfileConstrainedBaseline: 8, ProfileBaseline: 8},
		0x4d: {ProfileConstrainedBaseline: 8, ProfileMain: 4},
		0x58: {ProfileConstrainedBaseline: 4, ProfileBaseline: 4},
		0x64: {ProfileHigh: 1, ProfileConstrainedHigh: 1},
		0xf4: {ProfilePredictiveHigh444: 1},
		0x43: {},
		0x00: {},
	}
	for idc, counts := range want {
		got := map[Profile]int{}
		for iop := 0; iop < 256; iop++ {
			s := fmt.Sprintf("%02x%02x1f", idc, iop)
			id, err := Parse(s)
			if err != nil {
				continue
			}
			got[id.Profile]++
			// Every recognised value has a canonical form with the same
			// meaning.
			hex, err := id.Hex()
			if err != nil {
				t.Fatalf("%s: Hex: %v", s, err)
			}
			back, err := Parse(hex)
			if err != nil || back != id {
				t.Fatalf("%s: round trip through %s gave %v, %v", s, hex, back, err)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Errorf("profile_idc 0x%02x: accepted %v, want %v", idc, got, counts)
		}
	}
}

func TestHex(t *testing.T) {
	tests := []struct {
		id   ProfileLevelID
		want string
	}{
		{ProfileLevelID{ProfileConstrainedBaseline, Level3_1}, "42e01f"},
		{ProfileLevelID{ProfileBaseline, Level1}, "42000a"},
		{ProfileLevelID{ProfileMain, Level3_1}, "4d001f"},
		{ProfileLevelID{ProfileConstrainedHigh, Level4_2}, "640c2a"},
		{ProfileLevelID{ProfileHigh, Level4_2}, "64002a"},
		{ProfileLevelID{ProfilePredictiveHigh444, Level5_2}, "f40034"},
		{ProfileLevelID{ProfileConstrainedBaseline, Level1b}, "42f00b"},
		{ProfileLevelID{ProfileBaseline, Level1b}, "42100b"},
		{ProfileLevelID{ProfileMain, Level1b}, "4d100b"},
	}
	for _, tt := range tests {
		got, err := tt.id.Hex()
		if err != nil || got != tt.want {
			t.Errorf("%v.Hex() = %q, %v; want %q", tt.id, got, err, tt.want)
		}
		if s := tt.id.String(); s != tt.want {
			t.Errorf("String() = %q, want %q", s, tt.want)
		}
	}
}

func TestHexInvalid(t *testing.T) {
	for _, id := range []ProfileLevelID{
		{ProfileHigh, Level1b},
		{ProfileConstrainedHigh, Level1b},
		{ProfilePredictiveHigh444, Level1b},
		{Profile(255), Level3_1},
		{Profile(0), Level3_1},
		{ProfileMain, Level(99)},
		{ProfileMain, Level(-1)},
	} {
		if s, err := id.Hex(); err == nil || !errors.Is(err, params.ErrInvalidParameters) {
			t.Errorf("%#v.Hex() = %q, %v; want ErrInvalidParameters", id, s, err)
		}
		if id.String() == "" {
			t.Errorf("%#v.String() is empty", id)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"42e01f": "42e01f",
		"42E01F": "42e01f",
		"4d100b": "4d100b",
		"4D100B": "4d100b",
		"640c2a": "640c2a",
		"640C2A": "640c2a",
		"4de01f": "42e01f", // Constrained Baseline signalled through Main's idc
		"58A01F": "42001f",
		"4d401f": "4d001f",
	} {
		id, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := id.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestLevelOrder(t *testing.T) {
	ordered := []Level{Level1, Level1b, Level1_1, Level1_2, Level1_3, Level2, Level2_1, Level2_2,
		Level3, Level3_1, Level3_2, Level4, Level4_1, Level4_2, Level5, Level5_1, Level5_2}
	for i, a := range ordered {
		for j, b := range ordered {
			if got, want := a.Less(b), i < j; got != want {
				t.Errorf("%s.Less(%s) = %v, want %v", a, b, got, want)
			}
			wantMin := a
			if j < i {
				wantMin = b
			}
			if got := minLevel(a, b); got != wantMin {
				t.Errorf("minLevel(%s, %s) = %s, want %s", a, b, got, wantMin)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for l, want := range map[Level]string{Level1b: "1b", Level1: "1", Level1_1: "1.1", Level3_1: "3.1", Level5: "5", Level(7): "Level(7)"} {
		if got := l.String(); got != want {
			t.Errorf("Level %d String() = %q, want %q", int(l), got, want)
		}
	}
	for p, want := range map[Profile]string{
		ProfileConstrainedBaseline: "ConstrainedBaseline", ProfileBaseline: "Baseline", ProfileMain: "Main",
		ProfileConstrainedHigh: "ConstrainedHigh", ProfileHigh: "High", ProfilePredictiveHigh444: "PredictiveHigh444",
		Profile(9): "Profile(9)",
	} {
		if got := p.String(); got != want {
			t.Errorf("Profile %d String() = %q, want %q", int(p), got, want)
		}
	}
}

func plid(v any) params.CodecParameters { return params.CodecParameters{"profile-level-id": v} }

func TestParseSDPProfileLevelID(t *testing.T) {
	tests := []struct {
		name    string
		in      params.CodecParameters
		want    ProfileLevelID
		wantErr bool
	}{
		{"nil map: default", nil, DefaultProfileLevelID, false},
		{"missing: default", params.CodecParameters{"packetization-mode": 1}, DefaultProfileLevelID, false},
		{"empty string: default", plid(""), DefaultProfileLevelID, false},
		{"constrained high", plid("640c2a"), ProfileLevelID{ProfileConstrainedHigh, Level4_2}, false},
		{"number from an SDP parser", plid(float64(640032)), ProfileLevelID{ProfileHigh, Level5}, false},
		{"json.Number", plid(json.Number("640032")), ProfileLevelID{ProfileHigh, Level5}, false},
		{"invalid string", plid("foobar"), ProfileLevelID{}, true},
		{"bool", plid(true), ProfileLevelID{}, true},
		{"fraction", plid(4.5), ProfileLevelID{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSDPProfileLevelID(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if DefaultProfileLevelID.String() != "42e01f" {
		t.Fatalf("default is %s, want 42e01f", DefaultProfileLevelID)
	}
}

func TestIsSameProfile(t *testing.T) {
	tests := []struct {
		a, b       params.CodecParameters
		same       bool
		sameAndLvl bool
	}{
		{params.CodecParameters{"foo": "foo"}, params.CodecParameters{"bar": "bar"}, true, true},
		{plid("42e01f"), plid("42C02A"), true, false},
		{plid("42a01f"), plid("58A01F"), true, true},
		{plid("42e01f"), nil, true, true},
		{nil, plid("42e01f"), true, true},
		{plid("42e01f"), plid("42f01f"), true, true},
		{plid("42e01f"), plid("4de01f"), true, true},
		// Constrained Baseline and Baseline are different profiles.
		{plid("42e01f"), plid("42001f"), false, false},
		{nil, plid("42001f"), false, false},
		{plid("4d0032"), plid("42e01f"), false, false},
		{plid("4d0032"), plid("4d001f"), true, false},
		{nil, plid("4d001f"), false, false},
		{plid("42a01f"), plid("640c1f"), false, false},
		{plid("42000a"), plid("64002a"), false, false},
		{plid("640032"), plid("640c32"), false, false},
		{plid("bogus!"), plid("bogus!"), false, false},
		{plid("42e01f"), plid("bogus!"), false, false},
	}
	for _, tt := range tests {
		if got := IsSameProfile(tt.a, tt.b); got != tt.same {
			t.Errorf("IsSameProfile(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
		if got := IsSameProfile(tt.b, tt.a); got != tt.same {
			t.Errorf("IsSameProfile(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.same)
		}
		if got := IsSameProfileAndLevel(tt.a, tt.b); got != tt.sameAndLvl {
			t.Errorf("IsSameProfileAndLevel(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.sameAndLvl)
		}
	}
}

func TestLevelAsymmetryAllowed(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want bool
	}{
		{1, true}, {float64(1), true}, {"1", true}, {true, true},
		{0, false}, {"0", false}, {false, false}, {"yes", false}, {2, false}, {nil, false},
	} {
		p := params.CodecParameters{"level-asymmetry-allowed": tt.v}
		if got := LevelAsymmetryAllowed(p); got != tt.want {
			t.Errorf("LevelAsymmetryAllowed(%#v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if LevelAsymmetryAllowed(nil) {
		t.Error("nil parameters allow asymmetry")
	}
}

func asym(id string) params.CodecParameters {
	return params.CodecParameters{"profile-level-id": id, "level-asymmetry-allowed": 1}
}

func TestGenerateProfileLevelIDForAnswer(t *testing.T) {
	tests := []struct {
		name          string
		local, remote params.CodecParameters
		want          string
		wantErr       bool
	}{
		{"both missing: leave it out", nil, nil, "", false},
		{"both missing, other params", params.CodecParameters{"packetization-mode": 1}, params.CodecParameters{}, "", false},
		{"symmetric: lower local level kept", plid("42e015"), plid("42e01f"), "42e015", false},
		{"symmetric: capped to remote level", plid("42e01f"), plid("42e015"), "42e015", false},
		{"asymmetry on both: local level", asym("42e01f"), asym("42e015"), "42e01f", false},
		{"asymmetry on both: local lower level", asym("42e015"), asym("42e01f"), "42e015", false},
		{"asymmetry as string", params.CodecParameters{"profile-level-id": "42e01f", "level-asymmetry-allowed": "1"},
			params.CodecParameters{"profile-level-id": "42e015", "level-asymmetry-allowed": "1"}, "42e01f", false},
		{"asymmetry on local only: min", asym("42e01f"), plid("42e015"), "42e015", false},
		{"asymmetry on remote only: min", plid("42e01f"), asym("42e015"), "42e015", false},
		{"main, router 4d0032, local 4d001f, asymmetric", asym("4d001f"), asym("4d0032"), "4d001f", false},
		{"main, router as local, asymmetric", asym("4d0032"), asym("4d001f"), "4d0032", false},
		{"main, symmetric", plid("4d0032"), plid("4d001f"), "4d001f", false},
		{"local missing: default level 3.1", nil, plid("42e01f"), "42e01f", false},
		{"local missing, remote lower", nil, plid("42e00b"), "42e00b", false},
		{"remote missing, local higher", plid("42e02a"), nil, "42e01f", false},
		{"remote missing, asymmetric local only", asym("42e02a"), nil, "42e01f", false},
		{"canonical form in the answer", plid("4de01f"), plid("42E01F"), "42e01f", false},
		{"level 1b below 3.1", plid("42f00b"), plid("42e01f"), "42f00b", false},
		{"level 3.1 above 1b", plid("42e01f"), plid("42f00b"), "42f00b", false},
		{"level 1 below 1b", plid("42e00a"), plid("42f00b"), "42e00a", false},
		{"level 1b below 1.1", plid("42e00b"), plid("42f00b"), "42f00b", false},
		{"main 1b", plid("4d100b"), plid("4d001f"), "4d100b", false},
		{"profile mismatch", plid("42e01f"), plid("4d001f"), "", true},
		{"baseline vs constrained baseline", plid("42001f"), plid("42e01f"), "", true},
		{"local missing vs main", nil, plid("4d001f"), "", true},
		{"invalid local", plid("zzzzzz"), plid("42e01f"), "", true},
		{"invalid remote", plid("42e01f"), plid("42e0"), "", true},
		{"invalid level", plid("42e0ff"), plid("42e01f"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GenerateProfileLevelIDForAnswer(tt.local, tt.remote)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, params.ErrInvalidParameters) {
				t.Fatalf("err %v does not wrap ErrInvalidParameters", err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
