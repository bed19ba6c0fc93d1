package ortc

import (
	"regexp"
	"strconv"
)

// ScalabilityMode is the layer structure a scalabilityMode string such as
// "L1T3", "S3T3" or "L3T3_KEY" describes.
type ScalabilityMode struct {
	// SpatialLayers is the number of spatial layers (1..16).
	SpatialLayers int
	// TemporalLayers is the number of temporal layers (1..16).
	TemporalLayers int
	// KSVC is true for K-SVC modes (the "_KEY" suffix), where spatial
	// layers depend on each other only on key frames.
	KSVC bool
}

// The parser only looks at the prefix, as mediasoup does; the validity check
// also wants one of the suffixes the W3C WebRTC-SVC list defines. The
// two-digit alternative comes first so that "T16" reads as 16, not as 1
// followed by an ignored "6".
var (
	scalabilityModePrefix = regexp.MustCompile(`^[LS](1[0-6]|[1-9])T(1[0-6]|[1-9])(_KEY)?`)
	scalabilityModeFull   = regexp.MustCompile(`^[LS](1[0-6]|[1-9])T(1[0-6]|[1-9])(h|_KEY|_KEY_SHIFT)?$`)
)

// ParseScalabilityMode reads the spatial and temporal layer counts out of a
// scalabilityMode string. Anything it does not recognise, including the empty
// string, yields one spatial and one temporal layer.
func ParseScalabilityMode(s string) ScalabilityMode {
	m := scalabilityModePrefix.FindStringSubmatch(s)
	if m == nil {
		return ScalabilityMode{SpatialLayers: 1, TemporalLayers: 1}
	}
	// The pattern guarantees both groups are decimal numbers in 1..16.
	spatial, _ := strconv.Atoi(m[1])
	temporal, _ := strconv.Atoi(m[2])
	return ScalabilityMode{SpatialLayers: spatial, TemporalLayers: temporal, KSVC: m[3] != ""}
}

// ValidScalabilityMode reports whether s is a complete scalabilityMode
// string: "L" or "S", 1..16 spatial layers, "T", 1..16 temporal layers and
// optionally one of the suffixes "h", "_KEY" or "_KEY_SHIFT".
func ValidScalabilityMode(s string) bool {
	return scalabilityModeFull.MatchString(s)
}
