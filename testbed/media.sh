#!/usr/bin/env bash
# Generates the small test media files under testdata/media/ with ffmpeg
# (Debian's ffmpeg 5.1). The files are committed, so tests never need ffmpeg;
# rerun this only to change them.
#   vp8-320x240.ivf       VP8, 320x240, 30 fps, 2 s, key frame every 30 frames
#   vp8-160x120.ivf, vp8-80x60.ivf  the same at simulcast layer sizes
#   vp9-320x240.ivf       VP9 profile 0, same
#   vp9p2-160x120.ivf     VP9 profile 2 (10 bit), 1 s, 15 fps
#   h264-320x240.h264     H264 constrained baseline (42e01f-compatible), Annex B
#   opus-48k-stereo.ogg   Opus 48 kHz stereo, 20 ms frames, one packet per Ogg page
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/testdata/media"
command -v ffmpeg >/dev/null || { echo "media.sh: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$OUT"
FF=(ffmpeg -hide_banner -loglevel error -y)
VIDEO_SRC=(-f lavfi -i "testsrc=size=320x240:rate=30:duration=2")

echo "media.sh: VP8"
"${FF[@]}" "${VIDEO_SRC[@]}" -pix_fmt yuv420p -c:v libvpx -b:v 250k -g 30 -auto-alt-ref 0 \
	-deadline realtime -cpu-used 8 -bitexact "$OUT/vp8-320x240.ivf"

echo "media.sh: VP8 simulcast layers (160x120, 80x60)"
for size in 160x120 80x60; do
	"${FF[@]}" -f lavfi -i "testsrc=size=$size:rate=30:duration=2" -pix_fmt yuv420p -c:v libvpx -b:v 100k -g 30 \
		-auto-alt-ref 0 -deadline realtime -cpu-used 8 -bitexact "$OUT/vp8-$size.ivf"
done

echo "media.sh: VP9"
"${FF[@]}" "${VIDEO_SRC[@]}" -pix_fmt yuv420p -c:v libvpx-vp9 -profile:v 0 -b:v 200k -g 30 \
	-deadline realtime -cpu-used 8 -row-mt 1 -bitexact "$OUT/vp9-320x240.ivf"
"${FF[@]}" -f lavfi -i testsrc=size=160x120:rate=15 -t 1 -c:v libvpx-vp9 -pix_fmt yuv420p10le -g 15 -f ivf "$OUT/vp9p2-160x120.ivf"

echo "media.sh: H264"
"${FF[@]}" "${VIDEO_SRC[@]}" -pix_fmt yuv420p -c:v libx264 -profile:v baseline -level 3.1 \
	-preset veryfast -tune zerolatency -b:v 250k -x264-params keyint=30:min-keyint=30:scenecut=0:bframes=0 \
	-bsf:v h264_mp4toannexb -bitexact -f h264 "$OUT/h264-320x240.h264"

echo "media.sh: Opus"
"${FF[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=2" -ac 2 -c:a libopus -b:a 64k \
	-frame_duration 20 -page_duration 20000 -bitexact "$OUT/opus-48k-stereo.ogg"

ls -l "$OUT"
