package mediafile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/soupkit/mediasoup-client-go/mediafile"
)

func media(name string) string { return filepath.Join("..", "testdata", "media", name) }

// ivfHeader reads what an IVF file's own header declares.
func ivfHeader(t *testing.T, path string) (fourcc string, width, height int, frameDur time.Duration, frames int) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(b), 32)
	require.Equal(t, "DKIF", string(b[:4]))
	den := binary.LittleEndian.Uint32(b[16:20])
	num := binary.LittleEndian.Uint32(b[20:24])
	return string(b[8:12]), int(binary.LittleEndian.Uint16(b[12:14])), int(binary.LittleEndian.Uint16(b[14:16])),
		time.Duration(num) * time.Second / time.Duration(den), int(binary.LittleEndian.Uint32(b[24:28]))
}

func TestOpenIVF(t *testing.T) {
	for _, tc := range []struct {
		file string
		mime string
	}{
		{"vp8-320x240.ivf", webrtc.MimeTypeVP8},
		{"vp8-160x120.ivf", webrtc.MimeTypeVP8},
		{"vp8-80x60.ivf", webrtc.MimeTypeVP8},
		{"vp9-320x240.ivf", webrtc.MimeTypeVP9},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := media(tc.file)
			fourcc, width, height, frameDur, count := ivfHeader(t, path)
			f, err := mediafile.Open(path)
			require.NoError(t, err)
			assert.Equal(t, tc.mime, f.MimeType)
			assert.Equal(t, "video", f.Kind())
			assert.Len(t, f.Frames, count, "frames against the IVF header's count")
			assert.Equal(t, time.Duration(count)*frameDur, f.Length())
			for i, fr := range f.Frames {
				require.NotEmpty(t, fr.Data, "frame %d", i)
				require.Equal(t, frameDur, fr.Duration, "frame %d", i)
			}
			if fourcc == "VP80" {
				// RFC 6386 9.1: a key frame has bit 0 clear, then the start
				// code 9d 01 2a and the width.
				k := f.Frames[0].Data
				require.GreaterOrEqual(t, len(k), 10)
				assert.Zero(t, k[0]&1, "first frame is a key frame")
				assert.Equal(t, []byte{0x9d, 0x01, 0x2a}, k[3:6])
				assert.Equal(t, width, int(binary.LittleEndian.Uint16(k[6:8])&0x3fff))
				assert.Equal(t, height, int(binary.LittleEndian.Uint16(k[8:10])&0x3fff))
			}
		})
	}
}

// oggGranules returns the pre-skip of an Ogg Opus file and its last page's
// granule position, read from the bytes.
func oggGranules(t *testing.T, path string) (preSkip uint16, last uint64) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	head := bytes.Index(b, []byte("OpusHead"))
	require.GreaterOrEqual(t, head, 0)
	preSkip = binary.LittleEndian.Uint16(b[head+10 : head+12])
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("OggS"))
		if j < 0 {
			break
		}
		i += j
		last = binary.LittleEndian.Uint64(b[i+6 : i+14])
		i += 4
	}
	return preSkip, last
}

func TestOpenOgg(t *testing.T) {
	path := media("opus-48k-stereo.ogg")
	f, err := mediafile.Open(path)
	require.NoError(t, err)
	assert.Equal(t, webrtc.MimeTypeOpus, f.MimeType)
	assert.Equal(t, "audio", f.Kind())
	for i, fr := range f.Frames {
		require.NotEmpty(t, fr.Data, "packet %d", i)
		require.NotEqual(t, "OpusHead", string(fr.Data[:min(8, len(fr.Data))]), "header pages are not packets")
		require.NotEqual(t, "OpusTags", string(fr.Data[:min(8, len(fr.Data))]), "header pages are not packets")
		require.Equal(t, 20*time.Millisecond, fr.Duration, "packet %d", i)
	}
	// The last granule position, less the pre-skip, counts the samples to
	// play after end trimming: the packets carry them, plus the pre-skip
	// and less than one packet of trimmed samples.
	preSkip, last := oggGranules(t, path)
	samples := time.Duration(last-uint64(preSkip)) * time.Second / 48000
	assert.GreaterOrEqual(t, f.Length(), samples)
	assert.Less(t, f.Length()-samples, time.Duration(preSkip)*time.Second/48000+20*time.Millisecond)
}

// pictureStarts counts, by scanning the bytes, the coded slices that begin
// a picture (first_mb_in_slice 0), and the IDR slices.
func pictureStarts(b []byte) (pictures, idr int) {
	for i := 0; i+4 < len(b); i++ {
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 {
			continue
		}
		typ := b[i+3] & 0x1f
		if (typ == 1 || typ == 5) && b[i+4]&0x80 != 0 {
			pictures++
		}
		if typ == 5 {
			idr++
		}
	}
	return pictures, idr
}

// nalTypes lists the NAL unit types of an access unit (4-byte start codes).
func nalTypes(au []byte) []byte {
	var out []byte
	for _, nal := range bytes.Split(au, []byte{0, 0, 0, 1}) {
		if len(nal) > 0 {
			out = append(out, nal[0]&0x1f)
		}
	}
	return out
}

func TestOpenH264(t *testing.T) {
	path := media("h264-320x240.h264")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	pictures, idr := pictureStarts(raw)
	require.Positive(t, pictures)

	f, err := mediafile.Open(path)
	require.NoError(t, err)
	assert.Equal(t, webrtc.MimeTypeH264, f.MimeType)
	require.Len(t, f.Frames, pictures, "one frame per picture")
	assert.Equal(t, time.Duration(pictures)*(time.Second/30), f.Length())

	first := nalTypes(f.Frames[0].Data)
	assert.Contains(t, first, byte(7), "SPS travels with the first picture")
	assert.Contains(t, first, byte(8), "PPS travels with the first picture")
	assert.Equal(t, byte(5), first[len(first)-1], "the first picture is IDR")
	gotIDR := 0
	for i, fr := range f.Frames {
		types := nalTypes(fr.Data)
		require.NotEmpty(t, types, "frame %d", i)
		slices := 0
		for _, typ := range types {
			if typ == 1 || typ == 5 {
				slices++
			}
			if typ == 5 {
				gotIDR++
			}
		}
		require.Positive(t, slices, "frame %d has a slice", i)
		require.True(t, bytes.HasPrefix(fr.Data, []byte{0, 0, 0, 1}), "frame %d starts with a start code", i)
	}
	assert.Equal(t, idr, gotIDR, "every IDR slice is kept")

	frames, err := mediafile.ReadH264(path, 25)
	require.NoError(t, err)
	assert.Equal(t, 40*time.Millisecond, frames[0].Duration)
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	good, err := os.ReadFile(media("vp8-320x240.ivf"))
	require.NoError(t, err)
	headerOnly := append([]byte(nil), good[:32]...)
	truncated := append(append([]byte(nil), good[:32]...), 0xe8, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3)
	av1 := append([]byte(nil), good...)
	copy(av1[8:12], "AV01")
	ogg, err := os.ReadFile(media("opus-48k-stereo.ogg"))
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"missing file", filepath.Join(dir, "missing.ivf"), fs.ErrNotExist},
		{"unknown extension", write("notes.txt", []byte("hello")), mediafile.ErrFormat},
		{"garbage IVF", write("garbage.ivf", bytes.Repeat([]byte{0x5a}, 100)), mediafile.ErrFormat},
		{"IVF with a header only", write("empty.ivf", headerOnly), mediafile.ErrFormat},
		{"IVF frame cut short", write("cut.ivf", truncated), mediafile.ErrFormat},
		{"IVF of another codec", write("av1.ivf", av1), mediafile.ErrFormat},
		{"garbage Ogg", write("garbage.ogg", bytes.Repeat([]byte{0x5a}, 100)), mediafile.ErrFormat},
		{"Ogg cut in a page", write("cut.ogg", ogg[:len(ogg)-37]), mediafile.ErrFormat},
		{"empty H264", write("empty.h264", nil), mediafile.ErrFormat},
		{"H264 without slices", write("noslice.h264", []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce}), mediafile.ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := mediafile.Open(tc.path)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, f)
			assert.Contains(t, err.Error(), filepath.Base(tc.path), "the error names the file")
		})
	}

	// The reader itself still returns another codec's frames.
	frames, fourcc, err := mediafile.ReadIVF(filepath.Join(dir, "av1.ivf"))
	require.NoError(t, err)
	assert.Equal(t, "AV01", fourcc)
	assert.NotEmpty(t, frames)

	_, err = mediafile.ReadH264(media("h264-320x240.h264"), 0)
	require.ErrorIs(t, err, mediafile.ErrFormat)
}

// fakeBinding binds a sample track as a PeerConnection would and keeps the
// RTP packets the track writes.
type fakeBinding struct {
	codec webrtc.RTPCodecParameters
	mu    sync.Mutex
	pkts  []rtp.Packet
}

func (b *fakeBinding) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{b.codec}
}
func (b *fakeBinding) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return nil }
func (b *fakeBinding) SSRC() webrtc.SSRC                                      { return 0x1234 }
func (b *fakeBinding) WriteStream() webrtc.TrackLocalWriter                   { return b }
func (b *fakeBinding) ID() string                                             { return "fake" }
func (b *fakeBinding) RTCPReader() interceptor.RTCPReader                     { return nil }

func (b *fakeBinding) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pkts = append(b.pkts, rtp.Packet{Header: h.Clone(), Payload: append([]byte(nil), payload...)})
	return len(payload), nil
}

func (b *fakeBinding) Write(p []byte) (int, error) {
	var pkt rtp.Packet
	if err := pkt.Unmarshal(p); err != nil {
		return 0, err
	}
	return b.WriteRTP(&pkt.Header, pkt.Payload)
}

func (b *fakeBinding) packets() []rtp.Packet {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]rtp.Packet(nil), b.pkts...)
}

func TestPlayWritesEveryFrame(t *testing.T) {
	f, err := mediafile.Open(media("vp8-80x60.ivf"))
	require.NoError(t, err)
	frames := f.Frames[:6]
	for i := range frames {
		frames[i].Duration = time.Millisecond // keep the test short
	}
	track, err := f.NewTrack("video", "stream")
	require.NoError(t, err)
	b := &fakeBinding{codec: webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96,
	}}
	_, err = track.Bind(b)
	require.NoError(t, err)
	defer track.Unbind(b) //nolint:errcheck

	require.NoError(t, mediafile.Play(context.Background(), track, frames, false))

	pkts := b.packets()
	require.NotEmpty(t, pkts)
	var got [][]byte
	var cur []byte
	for i, p := range pkts {
		require.Equal(t, uint8(96), p.PayloadType)
		require.Equal(t, uint32(0x1234), p.SSRC)
		if i > 0 {
			require.Equal(t, pkts[i-1].SequenceNumber+1, p.SequenceNumber, "continuous sequence")
		}
		// Strip the VP8 payload descriptor (RFC 7741); S marks a frame's
		// first packet.
		var vp8 codecs.VP8Packet
		payload, err := vp8.Unmarshal(p.Payload)
		require.NoError(t, err)
		require.Equal(t, cur == nil, vp8.S == 1, "packet %d: start bit", i)
		cur = append(cur, payload...)
		if p.Marker {
			got = append(got, cur)
			cur = nil
		}
	}
	require.Len(t, got, len(frames), "one marked packet per frame")
	for i := range frames {
		assert.Equal(t, frames[i].Data, got[i], "frame %d arrives whole", i)
	}
}

func TestPlayStopsAndRejects(t *testing.T) {
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a", "s")
	require.NoError(t, err)

	// A looping play ends with its context.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- mediafile.Play(ctx, track, []mediafile.Frame{{Data: []byte{1}, Duration: time.Millisecond}}, true)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Play did not return after its context ended")
	}

	// Nothing to play, or frames without a duration, would spin a loop.
	for _, frames := range [][]mediafile.Frame{nil, {{Data: []byte{1}}}} {
		err := mediafile.Play(context.Background(), track, frames, true)
		require.ErrorIs(t, err, mediafile.ErrFormat)
	}
}
