#!/usr/bin/env bash
# Generates the short clips built into the mediafile package
# (mediafile/clips/, read by mediafile.Clip) with ffmpeg (Debian's ffmpeg
# 5.1). The files are committed, so nothing needs ffmpeg to use them; rerun
# this only to change them.
#   opus-tone.ogg     Opus 48 kHz stereo, 440 Hz tone, 2 s, 20 ms packets,
#                     several packets per Ogg page (ffmpeg's pages)
#   vp8-pattern.ivf   VP8 test pattern, 320x240, 30 fps, 2 s, key frame every second
#   h264-pattern.h264 H264 constrained baseline (profile-level-id 42e01f),
#                     the same pattern, Annex B with SPS and PPS before every
#                     IDR, one slice per picture, no B frames
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/mediafile/clips"
command -v ffmpeg >/dev/null || { echo "clips.sh: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
command -v perl >/dev/null || { echo "clips.sh: perl not found" >&2; exit 1; }
mkdir -p "$OUT"
FF=(ffmpeg -hide_banner -loglevel error -y)
VIDEO_SRC=(-f lavfi -i "testsrc=size=320x240:rate=30:duration=2")

echo "clips.sh: Opus"
"${FF[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=2" -ac 2 -c:a libopus -b:a 32k \
	-frame_duration 20 -page_duration 200000 -bitexact "$OUT/opus-tone.ogg"

echo "clips.sh: VP8"
"${FF[@]}" "${VIDEO_SRC[@]}" -pix_fmt yuv420p -c:v libvpx -b:v 120k -g 30 -auto-alt-ref 0 \
	-deadline realtime -cpu-used 8 -bitexact "$OUT/vp8-pattern.ivf"

echo "clips.sh: H264"
"${FF[@]}" "${VIDEO_SRC[@]}" -pix_fmt yuv420p -c:v libx264 -profile:v baseline -level 3.1 \
	-preset veryfast -tune zerolatency -threads 1 -b:v 120k \
	-x264-params keyint=30:min-keyint=30:scenecut=0:bframes=0:repeat-headers=1:sliced-threads=0 \
	-bsf:v h264_mp4toannexb -bitexact -f h264 "$OUT/h264-pattern.h264"
# x264 marks baseline streams constraint_set0 and set1 (42c01f); a stream
# without B frames, FMO, ASO or redundant slices also meets constraint_set2,
# which makes the SPS read as WebRTC's usual 42e01f.
perl -0777 -pi -e 's/\x00\x00\x00\x01\x67\x42\xc0\x1f/\x00\x00\x00\x01\x67\x42\xe0\x1f/g' "$OUT/h264-pattern.h264"

ls -l "$OUT"
