package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/soupkit/mediasoup-client-go/examples/reclib"
)

// Size of the test videos.
const wantWidth, wantHeight = 320, 240

// fileCheck is the verdict on one recording.
type fileCheck struct {
	Kind, Codec string
	Stats       reclib.FileStats
	// Container sums up what the file holds.
	Container string
	// FFprobe sums up what ffprobe decoded.
	FFprobe  string
	Problems []string
}

// OK reports whether the file passed every check.
func (c *fileCheck) OK() bool { return len(c.Problems) == 0 }

func (c *fileCheck) fail(format string, args ...any) {
	c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
}

// checkFile checks a recording: the recorder saw media, the container is
// well-formed for the codec, and ffprobe (when installed) decodes frames.
func checkFile(ctx context.Context, f reclib.FileStats) fileCheck {
	c := fileCheck{Kind: string(f.Kind), Codec: f.MimeType, Stats: f}
	if f.Packets == 0 || f.Frames == 0 {
		c.fail("no media received")
	}
	if f.WriteErrors > 0 {
		c.fail("%d samples refused by the writer", f.WriteErrors)
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		c.fail("%v", err)
		return c
	}
	if len(data) == 0 {
		c.fail("empty file")
		return c
	}
	var sum string
	switch strings.ToLower(f.MimeType) {
	case "audio/opus":
		sum, err = checkOgg(data)
	case "video/vp8":
		sum, err = checkIVF(data, "VP80")
	case "video/vp9":
		sum, err = checkIVF(data, "VP90")
	case "video/h264":
		sum, err = checkAnnexB(data)
	default:
		err = fmt.Errorf("no checker for %s", f.MimeType)
	}
	c.Container = sum
	if err != nil {
		c.fail("%v", err)
	}
	c.FFprobe = "-"
	codec, frames, width, height, err := ffprobe(ctx, f.Path)
	switch {
	case errors.Is(err, errNoFFprobe):
		c.FFprobe = "not installed"
	case err != nil:
		c.fail("ffprobe: %v", err)
	default:
		c.FFprobe = fmt.Sprintf("%s, %d frames", codec, frames)
		if frames <= 0 {
			c.fail("ffprobe decoded no frame")
		}
		if want := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(f.MimeType, "audio/"), "video/")); codec != want {
			c.fail("ffprobe sees %s, want %s", codec, want)
		}
		if f.Kind == "video" && (width != wantWidth || height != wantHeight) {
			c.fail("ffprobe sees %dx%d, want %dx%d", width, height, wantWidth, wantHeight)
		}
	}
	return c
}

// checkIVF parses an IVF file: its header, every frame header, and for
// VP8 every frame's key frame bit, with the key frames' size.
func checkIVF(b []byte, fourcc string) (string, error) {
	if len(b) < 32 || string(b[:4]) != "DKIF" {
		return "", errors.New("IVF: no DKIF signature")
	}
	if hs := binary.LittleEndian.Uint16(b[6:]); hs != 32 {
		return "", fmt.Errorf("IVF: header size %d, want 32", hs)
	}
	if got := string(b[8:12]); got != fourcc {
		return "", fmt.Errorf("IVF: codec %q, want %q", got, fourcc)
	}
	frames, keys := 0, 0
	var sizes []string
	for off := 32; off < len(b); {
		if off+12 > len(b) {
			return "", fmt.Errorf("IVF: truncated frame header at byte %d", off)
		}
		n := int(binary.LittleEndian.Uint32(b[off:]))
		off += 12
		if n == 0 || off+n > len(b) {
			return "", fmt.Errorf("IVF: frame %d: size %d runs past the end", frames, n)
		}
		frame := b[off : off+n]
		off += n
		key, w, h, err := frameInfo(fourcc, frame)
		if err != nil {
			return "", fmt.Errorf("IVF: frame %d: %w", frames, err)
		}
		if frames == 0 && !key {
			return "", errors.New("IVF: the first frame is not a key frame")
		}
		if key {
			keys++
			if w != wantWidth || h != wantHeight {
				return "", fmt.Errorf("IVF: key frame %d is %dx%d, want %dx%d", frames, w, h, wantWidth, wantHeight)
			}
			if len(sizes) == 0 {
				sizes = append(sizes, fmt.Sprintf("%dx%d", w, h))
			}
		}
		frames++
	}
	if frames == 0 {
		return "", errors.New("IVF: no frames")
	}
	return fmt.Sprintf("IVF %s %s, %d frames, %d key", fourcc, strings.Join(sizes, ","), frames, keys), nil
}

// frameInfo reads a frame's key frame flag and, for key frames, its size.
func frameInfo(fourcc string, f []byte) (key bool, width, height int, err error) {
	if fourcc == "VP80" {
		// RFC 6386 9.1: 3-byte frame tag (bit 0 clear on key frames),
		// then on key frames the start code 9d 01 2a and the size.
		if len(f) < 3 {
			return false, 0, 0, errors.New("VP8 frame shorter than its tag")
		}
		if f[0]&1 != 0 {
			return false, 0, 0, nil
		}
		if len(f) < 10 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
			return false, 0, 0, errors.New("VP8 key frame without start code")
		}
		return true, int(binary.LittleEndian.Uint16(f[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(f[8:]) & 0x3fff), nil
	}
	return vp9FrameInfo(f)
}

// vp9FrameInfo reads a VP9 uncompressed header (VP9 bitstream spec 6.2).
func vp9FrameInfo(f []byte) (key bool, width, height int, err error) {
	r := bits{b: f}
	if r.read(2) != 2 {
		return false, 0, 0, errors.New("VP9 frame without frame marker")
	}
	profile := r.read(1)
	profile |= r.read(1) << 1
	if profile == 3 {
		r.read(1)
	}
	if r.read(1) == 1 || r.read(1) == 1 { // show_existing_frame, frame_type
		return false, 0, 0, nil
	}
	r.read(2)
	if r.read(24) != 0x498342 {
		return false, 0, 0, errors.New("VP9 key frame without sync code")
	}
	if profile >= 2 {
		r.read(1)
	}
	if r.read(3) != 7 {
		r.read(1)
		if profile == 1 || profile == 3 {
			r.read(3)
		}
	} else if profile == 1 || profile == 3 {
		r.read(1)
	}
	w, h := r.read(16)+1, r.read(16)+1
	if r.short {
		return false, 0, 0, errors.New("VP9 key frame header truncated")
	}
	return true, int(w), int(h), nil
}

type bits struct {
	b     []byte
	pos   int
	short bool
}

func (r *bits) read(n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		if r.pos/8 >= len(r.b) {
			r.short = true
			return 0
		}
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

// checkOgg parses an Ogg Opus file page by page (RFC 3533, RFC 7845):
// capture pattern, CRC, one logical stream, OpusHead then OpusTags, then
// audio packets.
func checkOgg(b []byte) (string, error) {
	var (
		pages, packets int
		serial         uint32
		packet         []byte
		heads          []string
		channels       int
		rate           uint32
		lastGranule    uint64
		eos            bool
	)
	for off := 0; off < len(b); {
		if len(b)-off < 27 || string(b[off:off+4]) != "OggS" {
			return "", fmt.Errorf("Ogg: no capture pattern at byte %d", off)
		}
		h := b[off:]
		if h[4] != 0 {
			return "", fmt.Errorf("Ogg: page %d: version %d", pages, h[4])
		}
		flags := h[5]
		granule := binary.LittleEndian.Uint64(h[6:])
		nseg := int(h[26])
		if len(h) < 27+nseg {
			return "", fmt.Errorf("Ogg: page %d: truncated segment table", pages)
		}
		size := 27 + nseg
		for _, l := range h[27 : 27+nseg] {
			size += int(l)
		}
		if len(h) < size {
			return "", fmt.Errorf("Ogg: page %d: truncated (%d of %d bytes)", pages, len(h), size)
		}
		page := h[:size]
		if want, got := binary.LittleEndian.Uint32(page[22:]), oggCRC(page); want != got {
			return "", fmt.Errorf("Ogg: page %d: CRC %08x, want %08x", pages, got, want)
		}
		s := binary.LittleEndian.Uint32(page[14:])
		switch {
		case pages == 0 && flags&2 == 0:
			return "", errors.New("Ogg: the first page does not begin the stream")
		case pages == 0:
			serial = s
		case s != serial:
			return "", fmt.Errorf("Ogg: page %d: second logical stream", pages)
		}
		if granule != ^uint64(0) && granule < lastGranule {
			return "", fmt.Errorf("Ogg: page %d: granule position goes back", pages)
		}
		if granule != ^uint64(0) {
			lastGranule = granule
		}
		eos = flags&4 != 0
		data := page[27+nseg:]
		for _, l := range page[27 : 27+nseg] {
			packet = append(packet, data[:l]...)
			data = data[l:]
			if l == 255 {
				continue
			}
			switch {
			case len(heads) == 0:
				if len(packet) < 19 || string(packet[:8]) != "OpusHead" {
					return "", errors.New("Ogg: the first packet is not OpusHead")
				}
				channels = int(packet[9])
				rate = binary.LittleEndian.Uint32(packet[12:])
				heads = append(heads, "OpusHead")
			case len(heads) == 1:
				if len(packet) < 8 || string(packet[:8]) != "OpusTags" {
					return "", errors.New("Ogg: the second packet is not OpusTags")
				}
				heads = append(heads, "OpusTags")
			case len(packet) > 0:
				packets++
			}
			packet = packet[:0]
		}
		pages++
		off += size
	}
	if len(heads) < 2 {
		return "", errors.New("Ogg: Opus headers missing")
	}
	if packets == 0 {
		return "", errors.New("Ogg: no audio packets")
	}
	if !eos {
		return "", errors.New("Ogg: the last page does not end the stream")
	}
	return fmt.Sprintf("Ogg Opus %d ch %d Hz, %d packets, %s", channels, rate, packets, (time.Duration(lastGranule) * time.Second / 48000).Round(10*time.Millisecond)), nil
}

var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// oggCRC is the page checksum, computed with the CRC field zeroed.
func oggCRC(page []byte) uint32 {
	var crc uint32
	for i, c := range page {
		if i >= 22 && i < 26 {
			c = 0
		}
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}

// checkAnnexB splits an H264 Annex B stream into NAL units: it must start
// with a start code and an SPS, and hold a PPS and an IDR picture.
func checkAnnexB(b []byte) (string, error) {
	if !bytes.HasPrefix(b, []byte{0, 0, 1}) && !bytes.HasPrefix(b, []byte{0, 0, 0, 1}) {
		return "", errors.New("Annex B: no start code at the beginning")
	}
	counts := map[byte]int{}
	var first byte
	pictures, nals := 0, 0
	for rest := b; ; {
		i := bytes.Index(rest, []byte{0, 0, 1})
		if i < 0 {
			break
		}
		rest = rest[i+3:]
		end := bytes.Index(rest, []byte{0, 0, 1})
		nal := rest
		if end >= 0 {
			nal = rest[:end]
		}
		nal = bytes.TrimRight(nal, "\x00")
		if len(nal) == 0 {
			return "", fmt.Errorf("Annex B: empty NAL unit %d", nals)
		}
		if nal[0]&0x80 != 0 {
			return "", fmt.Errorf("Annex B: NAL unit %d: forbidden bit set", nals)
		}
		t := nal[0] & 0x1f
		if nals == 0 {
			first = t
		}
		counts[t]++
		if (t == 1 || t == 5) && len(nal) > 1 && nal[1]&0x80 != 0 {
			pictures++ // first_mb_in_slice == 0
		}
		nals++
	}
	switch {
	case first != 7:
		return "", fmt.Errorf("Annex B: starts with NAL type %d, want an SPS (7)", first)
	case counts[8] == 0:
		return "", errors.New("Annex B: no PPS")
	case counts[5] == 0:
		return "", errors.New("Annex B: no IDR slice")
	}
	return fmt.Sprintf("Annex B, %d NALs: %d SPS, %d PPS, %d IDR, %d non-IDR slices, %d pictures", nals, counts[7], counts[8], counts[5], counts[1], pictures), nil
}

// ffprobe decodes the file's first stream and returns its codec, the
// number of frames decoded and, for video, the size.
func ffprobe(ctx context.Context, path string) (codec string, frames, width, height int, err error) {
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		return "", 0, 0, 0, errNoFFprobe
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-v", "error", "-count_frames",
		"-show_entries", "stream=codec_name,nb_read_frames,width,height", "-of", "json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", 0, 0, 0, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			NbReadFrames string `json:"nb_read_frames"`
			Width        int    `json:"width"`
			Height       int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(outb, &res); err != nil {
		return "", 0, 0, 0, fmt.Errorf("decoding its output: %w", err)
	}
	if len(res.Streams) == 0 {
		return "", 0, 0, 0, errors.New("no stream found")
	}
	s := res.Streams[0]
	n, _ := strconv.Atoi(s.NbReadFrames)
	return s.CodecName, n, s.Width, s.Height, nil
}
