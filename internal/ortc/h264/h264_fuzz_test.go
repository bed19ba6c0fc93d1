package h264

import (
	"strings"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// FuzzParse checks that Parse never panics and that whatever it accepts has
// a canonical form meaning the same profile and level.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"42e01f", "42f00b", "4d0032", "640c34", "f4001f", "58A01F", "", "gggggg", "42e0ff", "4242e01f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			if id != (ProfileLevelID{}) {
				t.Fatalf("Parse(%q) returned %v with error %v", s, id, err)
			}
			return
		}
		hex, err := id.Hex()
		if err != nil {
			t.Fatalf("Parse(%q) = %v, which has no hex form: %v", s, id, err)
		}
		if hex != strings.ToLower(hex) || len(hex) != 6 {
			t.Fatalf("Hex() = %q is not canonical", hex)
		}
		back, err := Parse(hex)
		if err != nil || back != id {
			t.Fatalf("Parse(%q) = %v; its form %q parses to %v, %v", s, id, hex, back, err)
		}
	})
}

// FuzzGenerateProfileLevelIDForAnswer checks that the answer never panics
// and, when it succeeds, keeps the profile and picks either level.
func FuzzGenerateProfileLevelIDForAnswer(f *testing.F) {
	f.Add("42e01f", "42e015", true, true)
	f.Add("4d001f", "4d0032", true, false)
	f.Add("42f00b", "42e01f", false, false)
	f.Add("", "42e01f", false, true)
	f.Add("", "", true, true)
	f.Fuzz(func(t *testing.T, local, remote string, localAsym, remoteAsym bool) {
		lp := params.CodecParameters{"profile-level-id": local, "level-asymmetry-allowed": localAsym}
		rp := params.CodecParameters{"profile-level-id": remote, "level-asymmetry-allowed": remoteAsym}
		got, err := GenerateProfileLevelIDForAnswer(lp, rp)
		if err != nil || got == "" {
			return
		}
		answer, err := Parse(got)
		if err != nil {
			t.Fatalf("answer %q does not parse: %v", got, err)
		}
		l, _ := ParseSDPProfileLevelID(lp)
		r, _ := ParseSDPProfileLevelID(rp)
		if answer.Profile != l.Profile || answer.Profile != r.Profile {
			t.Fatalf("answer %v, local %v, remote %v: profile changed", answer, l, r)
		}
		if answer.Level != l.Level && answer.Level != r.Level {
			t.Fatalf("answer %v, local %v, remote %v: level from nowhere", answer, l, r)
		}
		if answer.Level == l.Level && r.Level.Less(l.Level) && !(localAsym && remoteAsym) {
			t.Fatalf("answer %v above the remote level %v without asymmetry", answer, r)
		}
	})
}
