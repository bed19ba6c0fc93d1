package sdk

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// keyFrameWidths reads the consumer's track and reports the width of every
// VP8 key frame until the test ends.
func keyFrameWidths(t *testing.T, c *msc.Consumer) <-chan int {
	out := make(chan int, 64)
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		var batch []*rtp.Packet
		for {
			p, _, err := c.Track().ReadRTP()
			if err != nil {
				return
			}
			batch = append(batch, p)
			if !p.Marker {
				continue
			}
			for _, f := range vp8Frames(t, batch) {
				if f.key {
					select {
					case out <- f.width:
					default:
					}
				}
			}
			batch = batch[:0]
		}
	}()
	return out
}

func waitWidth(t *testing.T, ctx context.Context, widths <-chan int, want int, kick func()) {
	t.Helper()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case w := <-widths:
			if w == want {
				return
			}
		case <-tick.C:
			kick()
		case <-ctx.Done():
			t.Fatalf("no %d-pixel-wide key frame arrived", want)
		}
	}
}

// TestSimulcast: three layers from three tracks (80x60, 160x120, 320x240);
// the consumer receives the layer the server is told to prefer, and
// SetMaxSpatialLayer on the producer caps what the server can forward.
func TestSimulcast(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	_, bob, send, recv := newPair(t)
	prod := produceSimulcast(ctx, t, send)
	enc := prod.RTPParameters().Encodings
	require.Len(t, enc, 3)
	require.Equal(t, 900000, enc[2].MaxBitrate)
	require.Equal(t, 2, prod.MaxSpatialLayer())

	opts := bob.serverConsume(ctx, recv, prod.ID())
	cons, err := recv.Consume(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, bob.sig.ResumeConsumer(ctx, cons.ID()))
	widths := keyFrameWidths(t, cons)
	kick := func() { _ = cons.RequestKeyFrame() }

	for layer, want := range []int{80, 160, 320} {
		_, err := bob.sig.SetConsumerPreferredLayers(ctx, cons.ID(), layer, nil)
		require.NoError(t, err)
		waitWidth(t, ctx, widths, want, kick)
	}

	// Cap the producer at layer 0: the server loses layers 1 and 2 and
	// falls back to layer 0 although 2 is preferred.
	require.NoError(t, prod.SetMaxSpatialLayer(ctx, 0))
	require.Equal(t, 0, prod.MaxSpatialLayer())
	waitWidth(t, ctx, widths, 80, kick)
	_, err = bob.sig.WaitNotification(ctx, testbed.NotifyConsumerLayersChanged, func(n testbed.Notification) bool {
		var l testbed.ConsumerLayersChanged
		return n.Decode(&l) == nil && l.ConsumerID == cons.ID() && l.SpatialLayer != nil && *l.SpatialLayer == 0
	})
	require.NoError(t, err)
	require.ErrorIs(t, prod.SetMaxSpatialLayer(ctx, 3), msc.ErrInvalidParameters)

	require.NoError(t, prod.SetMaxSpatialLayer(ctx, 2))
	waitWidth(t, ctx, widths, 320, kick)
}
