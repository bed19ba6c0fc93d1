// Package h264 reads and negotiates the H264 "profile-level-id" codec
// parameter (RFC 6184, section 8.1) the way WebRTC endpoints do: libwebrtc's
// rules, which mediasoup-client follows through the h264-profile-level-id
// package.
//
// A profile-level-id is three bytes written as six hex digits:
// profile_idc, profile_iop (the constraint flags) and level_idc. The
// profile is recognised from profile_idc plus a bit pattern over
// profile_iop, so "42e01f" (Constrained Baseline) and "42001f" (Baseline)
// are different profiles although both start with 0x42.
package h264

import (
	"fmt"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// Profile is an H264 profile as WebRTC distinguishes them.
type Profile int

// The profiles WebRTC knows. The zero value is not a profile.
const (
	ProfileConstrainedBaseline Profile = iota + 1
	ProfileBaseline
	ProfileMain
	ProfileConstrainedHigh
	ProfileHigh
	ProfilePredictiveHigh444
)

// String returns the profile's name.
func (p Profile) String() string {
	switch p {
	case ProfileConstrainedBaseline:
		return "ConstrainedBaseline"
	case ProfileBaseline:
		return "Baseline"
	case ProfileMain:
		return "Main"
	case ProfileConstrainedHigh:
		return "ConstrainedHigh"
	case ProfileHigh:
		return "High"
	case ProfilePredictiveHigh444:
		return "PredictiveHigh444"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

// Level is an H264 level. Its value is the level_idc byte (level times ten),
// except Level1b, which shares level_idc 11 with level 1.1 on the wire and is
// told apart by the constraint_set3 flag.
type Level int

// The levels of ITU-T H.264 Table A-1.
const (
	Level1b  Level = 0
	Level1   Level = 10
	Level1_1 Level = 11
	Level1_2 Level = 12
	Level1_3 Level = 13
	Level2   Level = 20
	Level2_1 Level = 21
	Level2_2 Level = 22
	Level3   Level = 30
	Level3_1 Level = 31
	Level3_2 Level = 32
	Level4   Level = 40
	Level4_1 Level = 41
	Level4_2 Level = 42
	Level5   Level = 50
	Level5_1 Level = 51
	Level5_2 Level = 52
)

// valid reports whether l is one of the levels above.
func (l Level) valid() bool {
	switch l {
	case Level1b, Level1, Level1_1, Level1_2, Level1_3,
		Level2, Level2_1, Level2_2,
		Level3, Level3_1, Level3_2,
		Level4, Level4_1, Level4_2,
		Level5, Level5_1, Level5_2:
		return true
	}
	return false
}

// String returns the level as written in the standard: "1b", "3.1", "4".
func (l Level) String() string {
	if l == Level1b {
		return "1b"
	}
	if !l.valid() {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	if l%10 == 0 {
		return fmt.Sprintf("%d", int(l)/10)
	}
	return fmt.Sprintf("%d.%d", int(l)/10, int(l)%10)
}

// Less reports whether level l is lower than level o. Level 1b sits between
// level 1 and level 1.1.
func (l Level) Less(o Level) bool {
	switch {
	case l == o:
		return false
	case l == Level1b:
		return o != Level1
	case o == Level1b:
		return l == Level1
	}
	return l < o
}

// minLevel returns the lower of two levels.
func minLevel(a, b Level) Level {
	if a.Less(b) {
		return a
	}
	return b
}

// ProfileLevelID is a parsed profile-level-id.
type ProfileLevelID struct {
	// Profile is the H264 profile.
	Profile Profile
	// Level is the H264 level.
	Level Level
}

// DefaultProfileLevelID is what an H264 codec without a profile-level-id
// parameter is taken to mean: Constrained Baseline level 3.1 ("42e01f").
// RFC 6184 says Baseline level 1, but libwebrtc, mediasoup-client and
// libmediasoupclient use this value so that old endpoints which leave the
// parameter out keep matching.
var DefaultProfileLevelID = ProfileLevelID{Profile: ProfileConstrainedBaseline, Level: Level3_1}

// constraintSet3 is the profile_iop flag that turns level_idc 11 into level
// 1b for the Baseline family and Main.
const constraintSet3 = 0x10

// profilePattern recognises a profile from profile_idc and the profile_iop
// bits that are not "don't care".
type profilePattern struct {
	idc     byte
	care    byte // bits of profile_iop that must equal want
	want    byte
	profile Profile
}

// newProfilePattern builds a pattern from an eight-character bit string,
// most significant bit first, in which 'x' marks a bit that may take any
// value.
func newProfilePattern(idc byte, bits string, profile Profile) profilePattern {
	p := profilePattern{idc: idc, profile: profile}
	for i := 0; i < 8; i++ {
		bit := byte(1) << (7 - i)
		switch bits[i] {
		case '1':
			p.care |= bit
			p.want |= bit
		case '0':
			p.care |= bit
		}
	}
	return p
}

func (p profilePattern) matches(idc, iop byte) bool {
	return idc == p.idc && iop&p.care == p.want
}

// profilePatterns is RFC 6184 section 8.1's table of profile_idc and
// profile_iop combinations, as libwebrtc reads it.
var profilePatterns = []profilePattern{
	newProfilePattern(0x42, "x1xx0000", ProfileConstrainedBaseline),
	newProfilePattern(0x4d, "1xxx0000", ProfileConstrainedBaseline),
	newProfilePattern(0x58, "11xx0000", ProfileConstrainedBaseline),
	newProfilePattern(0x42, "x0xx0000", ProfileBaseline),
	newProfilePattern(0x58, "10xx0000", ProfileBaseline),
	newProfilePattern(0x4d, "0x0x0000", ProfileMain),
	newProfilePattern(0x64, "00000000", ProfileHigh),
	newProfilePattern(0x64, "00001100", ProfileConstrainedHigh),
	newProfilePattern(0xf4, "00000000", ProfilePredictiveHigh444),
}

// Parse reads a profile-level-id written as six hex digits (either case).
// It fails, wrapping params.ErrInvalidParameters, on a string of another
// length, a non-hex digit, an unknown level_idc or a profile_idc and
// profile_iop combination that names no profile.
func Parse(s string) (ProfileLevelID, error) {
	if len(s) != 6 {
		return ProfileLevelID{}, fmt.Errorf("h264: profile-level-id %q: want 6 hex digits: %w", s, params.ErrInvalidParameters)
	}
	var b [3]byte
	for i := 0; i < 6; i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			return ProfileLevelID{}, fmt.Errorf("h264: profile-level-id %q: %q is not a hex digit: %w", s, s[i], params.ErrInvalidParameters)
		}
		b[i/2] = b[i/2]<<4 | d
	}
	idc, iop, levelIDC := b[0], b[1], b[2]

	var level Level
	switch l := Level(levelIDC); {
	case l == Level1_1 && iop&constraintSet3 != 0:
		level = Level1b
	case l != Level1b && l.valid():
		level = l
	default:
		return ProfileLevelID{}, fmt.Errorf("h264: profile-level-id %q: unknown level_idc 0x%02x: %w", s, levelIDC, params.ErrInvalidParameters)
	}

	for _, p := range profilePatterns {
		if p.matches(idc, iop) {
			return ProfileLevelID{Profile: p.profile, Level: level}, nil
		}
	}
	return ProfileLevelID{}, fmt.Errorf("h264: profile-level-id %q: unknown profile (profile_idc 0x%02x, profile_iop 0x%02x): %w", s, idc, iop, params.ErrInvalidParameters)
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Hex returns the canonical six-digit, lower-case form of id. It fails on
// an unknown profile or level, and on level 1b for a profile other than
// Constrained Baseline, Baseline and Main (the only ones that can signal it).
func (id ProfileLevelID) Hex() (string, error) {
	if !id.Level.valid() {
		return "", fmt.Errorf("h264: unknown level %d: %w", int(id.Level), params.ErrInvalidParameters)
	}
	if id.Level == Level1b {
		// Level 1b is level_idc 11 with constraint_set3 set.
		switch id.Profile {
		case ProfileConstrainedBaseline:
			return "42f00b", nil
		case ProfileBaseline:
			return "42100b", nil
		case ProfileMain:
			return "4d100b", nil
		}
		return "", fmt.Errorf("h264: level 1b cannot be signalled for profile %s: %w", id.Profile, params.ErrInvalidParameters)
	}
	var prefix string
	switch id.Profile {
	case ProfileConstrainedBaseline:
		prefix = "42e0"
	case ProfileBaseline:
		prefix = "4200"
	case ProfileMain:
		prefix = "4d00"
	case ProfileConstrainedHigh:
		prefix = "640c"
	case ProfileHigh:
		prefix = "6400"
	case ProfilePredictiveHigh444:
		prefix = "f400"
	default:
		return "", fmt.Errorf("h264: unknown profile %d: %w", int(id.Profile), params.ErrInvalidParameters)
	}
	const digits = "0123456789abcdef"
	return prefix + string([]byte{digits[id.Level>>4], digits[id.Level&0xf]}), nil
}

// String returns the canonical hex form of id, or a description when id has
// none (see Hex).
func (id ProfileLevelID) String() string {
	if s, err := id.Hex(); err == nil {
		return s
	}
	return fmt.Sprintf("h264(profile %s, level %s)", id.Profile, id.Level)
}

// Codec parameter names used here.
const (
	paramProfileLevelID        = "profile-level-id"
	paramLevelAsymmetryAllowed = "level-asymmetry-allowed"
)

// rawProfileLevelID returns the profile-level-id parameter as text and
// whether it is set. An empty value counts as unset. A numeric value (SDP
// parsers turn "640032" into a number) is read back as its decimal digits.
func rawProfileLevelID(p params.CodecParameters) (string, bool) {
	s, ok := p.String(paramProfileLevelID)
	if !ok {
		if _, present := p[paramProfileLevelID]; present {
			// Present but neither a string nor a number: never valid.
			return fmt.Sprint(p[paramProfileLevelID]), true
		}
		return "", false
	}
	if s == "" {
		return "", false
	}
	return s, true
}

// ParseSDPProfileLevelID reads the profile-level-id of a codec's
// parameters. A missing (or empty) parameter yields DefaultProfileLevelID;
// a present but malformed one is an error.
func ParseSDPProfileLevelID(p params.CodecParameters) (ProfileLevelID, error) {
	s, ok := rawProfileLevelID(p)
	if !ok {
		return DefaultProfileLevelID, nil
	}
	return Parse(s)
}

// IsSameProfile reports whether two codecs' parameters name the same H264
// profile, whatever their levels. A malformed profile-level-id on either
// side is never the same profile.
func IsSameProfile(a, b params.CodecParameters) bool {
	pa, err := ParseSDPProfileLevelID(a)
	if err != nil {
		return false
	}
	pb, err := ParseSDPProfileLevelID(b)
	if err != nil {
		return false
	}
	return pa.Profile == pb.Profile
}

// IsSameProfileAndLevel reports whether two codecs' parameters name the
// same H264 profile and level.
func IsSameProfileAndLevel(a, b params.CodecParameters) bool {
	pa, err := ParseSDPProfileLevelID(a)
	if err != nil {
		return false
	}
	pb, err := ParseSDPProfileLevelID(b)
	if err != nil {
		return false
	}
	return pa == pb
}

// LevelAsymmetryAllowed reports whether the parameters carry
// level-asymmetry-allowed=1 (as the number 1, the string "1" or true).
func LevelAsymmetryAllowed(p params.CodecParameters) bool {
	v, ok := p[paramLevelAsymmetryAllowed]
	if !ok {
		return false
	}
	if b, isBool := v.(bool); isBool {
		return b
	}
	n, ok := p.Int(paramLevelAsymmetryAllowed)
	return ok && n == 1
}

// GenerateProfileLevelIDForAnswer returns the profile-level-id to put in an
// answer, given the parameters the answerer supports (local) and those the
// offerer offered (remote). Both must have the same profile: compare them
// with IsSameProfile first.
//
// When both sides allow level asymmetry, the answer keeps the local level
// (each side may send at the level the other can receive); otherwise it
// takes the lower of the two levels. When neither side sets a
// profile-level-id the result is "" with no error: both use the default and
// the answer should leave the parameter out too.
//
// It fails, wrapping params.ErrInvalidParameters, when either
// profile-level-id is malformed or the profiles differ.
func GenerateProfileLevelIDForAnswer(local, remote params.CodecParameters) (string, error) {
	_, localSet := rawProfileLevelID(local)
	_, remoteSet := rawProfileLevelID(remote)
	if !localSet && !remoteSet {
		return "", nil
	}
	localID, err := ParseSDPProfileLevelID(local)
	if err != nil {
		return "", fmt.Errorf("local: %w", err)
	}
	remoteID, err := ParseSDPProfileLevelID(remote)
	if err != nil {
		return "", fmt.Errorf("remote: %w", err)
	}
	if localID.Profile != remoteID.Profile {
		return "", fmt.Errorf("h264: profile mismatch: local %s, remote %s: %w", localID.Profile, remoteID.Profile, params.ErrInvalidParameters)
	}

	level := minLevel(localID.Level, remoteID.Level)
	if LevelAsymmetryAllowed(local) && LevelAsymmetryAllowed(remote) {
		level = localID.Level
	}
	return ProfileLevelID{Profile: localID.Profile, Level: level}.Hex()
}
