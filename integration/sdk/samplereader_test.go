package sdk

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// TestSampleReader reads whole frames of Opus, VP8 and H264 consumers
// through Consumer.NewSampleReader and checks what they contain.
func TestSampleReader(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	alice, bob, send, recv := newPair(t)
	produce := func(mime, file, profile string) *msc.Consumer {
		prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, mime, file, ""), Codec: sendCodec(t, alice.device, mime, profile)})
		require.NoError(t, err)
		return bob.consume(ctx, recv, prod.ID())
	}
	read := func(c *msc.Consumer, n int) []*msc.Sample {
		r, err := c.NewSampleReader(0)
		require.NoError(t, err)
		var out []*msc.Sample
		for len(out) < n {
			s, err := r.ReadSample(ctx)
			require.NoError(t, err, "sample %d of %d", len(out), n)
			require.NotEmpty(t, s.Data)
			out = append(out, s)
		}
		return out
	}

	t.Run("opus", func(t *testing.T) {
		for i, s := range read(produce(webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", ""), 30) {
			assert.True(t, s.KeyFrame, "packet %d: every Opus packet is a key frame", i)
			// One 20 ms frame per packet, as the file was encoded: CELT or
			// SILK/hybrid 20 ms configurations, frame count code 0.
			toc := s.Data[0]
			assert.Contains(t, []byte{1, 5, 9, 13, 15, 19, 23, 27, 31}, toc>>3, "packet %d TOC config", i)
			assert.Zero(t, toc&3, "packet %d: one frame", i)
		}
	})
	t.Run("vp8", func(t *testing.T) {
		samples := read(produce(webrtc.MimeTypeVP8, "vp8-320x240.ivf", ""), 45)
		keys := 0
		for i, s := range samples {
			f := s.Data
			assert.Equal(t, f[0]&1 == 0, s.KeyFrame, "frame %d: KeyFrame matches the frame tag", i)
			if f[0]&1 == 0 { // key frame (RFC 6386 9.1)
				keys++
				require.GreaterOrEqual(t, len(f), 10)
				require.Equal(t, []byte{0x9d, 0x01, 0x2a}, f[3:6], "key frame start code")
				assert.Equal(t, 320, int(binary.LittleEndian.Uint16(f[6:8])&0x3fff))
				assert.Equal(t, 240, int(binary.LittleEndian.Uint16(f[8:10])&0x3fff))
			}
		}
		assert.Zero(t, samples[0].Data[0]&1, "the first frame is a key frame")
		assert.GreaterOrEqual(t, keys, 2, "a key frame every 30 frames")
	})
	t.Run("h264", func(t *testing.T) {
		samples := read(produce(webrtc.MimeTypeH264, "h264-320x240.h264", "42e01f"), 45)
		idr := 0
		for i, s := range samples {
			f := s.Data
			require.True(t, bytes.HasPrefix(f, []byte{0, 0, 0, 1}), "access unit %d is Annex B", i)
			types := map[byte]bool{}
			for _, nal := range bytes.Split(f, []byte{0, 0, 0, 1}) {
				if len(nal) > 0 {
					types[nal[0]&0x1f] = true
				}
			}
			require.True(t, types[1] || types[5], "access unit %d has a slice", i)
			assert.Equal(t, types[5], s.KeyFrame, "access unit %d: KeyFrame marks IDR", i)
			if types[5] {
				idr++
				assert.True(t, types[7] && types[8], "IDR access unit %d carries SPS and PPS", i)
			}
		}
		assert.GreaterOrEqual(t, idr, 1)
	})
	t.Run("context", func(t *testing.T) {
		c := produce(webrtc.MimeTypeVP8, "vp8-160x120.ivf", "")
		require.NoError(t, bob.sig.PauseConsumer(ctx, c.ID()))
		r, err := c.NewSampleReader(0)
		require.NoError(t, err)
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		for {
			_, err = r.ReadSample(short)
			if err != nil {
				break
			}
		}
		require.ErrorIs(t, err, context.DeadlineExceeded, "a paused consumer's reader returns when its context ends")
	})
}

// TestRecordKeepsLastFrame: a recording stopped by its context holds every
// Opus packet the consumer received, the last one included (a frame is
// complete only when the next starts, so the reader hands the last one out
// when it is flushed). The server pauses the consumer first, so the count
// is final when the recording stops.
func TestRecordKeepsLastFrame(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	r := newAVRoom(t, ctx)
	c := r.bob.consume(ctx, r.recv, r.audio.ID())
	path := filepath.Join(t.TempDir(), "audio.ogg")
	recCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mediafile.Record(recCtx, c, path) }()
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, r.bob.sig.PauseConsumer(ctx, c.ID()))
	time.Sleep(500 * time.Millisecond) // what was in flight arrives and is read
	report, err := c.GetStats(ctx)
	require.NoError(t, err)
	var received uint32
	for _, s := range report {
		if in, ok := s.(webrtc.InboundRTPStreamStats); ok {
			received += in.PacketsReceived
		}
	}
	require.Greater(t, received, uint32(50), "1.5 s of 20 ms packets")
	stop()
	require.NoError(t, <-done)
	frames, err := mediafile.ReadOgg(path)
	require.NoError(t, err)
	require.Equal(t, int(received), len(frames), "every packet received is in the file")
}

// TestFirstPacketsInOrder: a read waiting on a consumer's track from before
// its receiver starts gets the stream from its first packet, in order. pion
// reads each track's first packet itself when the receiver starts; a read
// racing that one used to get the second packet first (or lose one).
func TestFirstPacketsInOrder(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	r := newAVRoom(t, ctx)
	for round := 0; round < 5; round++ {
		recv := r.bob.transport("recv", false)
		c := r.bob.consume(ctx, recv, r.audio.ID())
		var seqs []uint16
		for len(seqs) < 20 {
			require.NoError(t, c.Track().SetReadDeadline(time.Now().Add(5*time.Second)))
			p, _, err := c.Track().ReadRTP()
			require.NoError(t, err)
			seqs = append(seqs, p.SequenceNumber)
		}
		for i := 1; i < len(seqs); i++ {
			require.Equal(t, seqs[i-1]+1, seqs[i], "round %d: packets %d and %d of %v", round, i-1, i, seqs)
		}
		report, err := c.GetStats(ctx)
		require.NoError(t, err)
		for _, s := range report {
			if in, ok := s.(webrtc.InboundRTPStreamStats); ok {
				require.GreaterOrEqual(t, in.PacketsReceived, uint32(len(seqs)))
			}
		}
		recv.Close()
	}
}
