package mediafile

import (
	"embed"
	"fmt"
	"path"
)

// Names of the built-in clips, for Clip. Each lasts about 2 s and loops
// cleanly with Play.
const (
	// ClipOpus is a 440 Hz tone: Opus, 48 kHz stereo, 20 ms packets.
	ClipOpus = "opus-tone.ogg"
	// ClipVP8 is a test pattern: VP8, 320x240, 30 fps, a key frame every
	// second.
	ClipVP8 = "vp8-pattern.ivf"
	// ClipH264 is the same pattern in H264 constrained baseline (42e01f),
	// with SPS and PPS before every IDR, fit for packetization-mode 1.
	ClipH264 = "h264-pattern.h264"
)

//go:embed clips/*.ogg clips/*.ivf clips/*.h264
var clips embed.FS

// Clips lists the names of the built-in clips.
func Clips() []string {
	return []string{ClipOpus, ClipVP8, ClipH264}
}

// Clip returns a built-in clip by name (ClipOpus, ClipVP8, ClipH264), read
// as Open reads a file: a File to Play in a loop with no file and no
// encoder. Each call returns a new File, free to change. An unknown name
// fails with ErrFormat.
func Clip(name string) (*File, error) {
	b, err := clips.ReadFile(path.Join("clips", path.Base(name)))
	if err != nil || path.Base(name) != name {
		return nil, fmt.Errorf("%w: no clip %q (want one of %v)", ErrFormat, name, Clips())
	}
	return parse("clip:"+name, path.Ext(name), b)
}
