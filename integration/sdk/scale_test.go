package sdk

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	msc "github.com/soupkit/mediasoup-client-go"
)

// TestThousandConcurrentConsumes: 1000 Consume calls issued at once on one
// receive transport are set up in a handful of renegotiations, all report
// their tracks, 50 of them resumed receive media, and closing everything
// leaves no goroutine. Counts only: timing is the bench's job.
func TestThousandConcurrentConsumes(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	ctx := testCtx(t, 5*time.Minute)
	alice, bob, send, recv := newPair(t)
	audio := playFile(t, webrtc.MimeTypeOpus, "opus-48k-stereo.ogg", "")
	video := playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")
	pa, err := send.Produce(ctx, msc.ProducerOptions{Track: audio})
	require.NoError(t, err)
	pv, err := send.Produce(ctx, msc.ProducerOptions{Track: video})
	require.NoError(t, err)
	opts := consumeAll(t, ctx, bob, recv, []string{pa.ID(), pv.ID()}, 1000)

	before := recv.Renegotiations()
	cs := make([]*msc.Consumer, len(opts))
	errs := make([]error, len(opts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range opts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			cs[i], errs[i] = recv.Consume(ctx, opts[i])
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range cs {
		require.NoError(t, errs[i])
		require.NotNil(t, cs[i].Track(), "consumer %d has its track", i)
		require.Equal(t, webrtc.SSRC(opts[i].RTPParameters.Encodings[0].SSRC), cs[i].Track().SSRC())
	}
	rounds := recv.Renegotiations() - before
	t.Logf("1000 concurrent consumes: %d renegotiations", rounds)
	require.LessOrEqual(t, rounds, int64(8), "a handful of renegotiations")

	requireMedia(t, ctx, bob, cs[:50], 5)

	closed := make(chan struct{}, len(cs))
	for _, c := range cs {
		c.Observer().OnClose(func() { closed <- struct{}{} })
		c.Close()
	}
	for range cs {
		<-closed
	}
	send.Close()
	recv.Close()
	// The signaling connections go too (their close handshake may race the
	// server's; only their goroutines matter here).
	for _, p := range []*peer{alice, bob} {
		_ = p.sig.Close()
		<-p.sig.Done()
	}
	// The file players stop with the test's cleanups; they are the only
	// goroutines allowed to remain at this point.
	goleak.VerifyNone(t, ignore, goleak.IgnoreTopFunction("github.com/soupkit/mediasoup-client-go/mediafile.Play"))
}
