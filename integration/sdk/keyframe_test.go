package sdk

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	msc "github.com/soupkit/mediasoup-client-go"
)

// keyFrameLog records a producer's key frame requests by RID.
type keyFrameLog struct {
	mu   sync.Mutex
	rids map[string]int
}

func watchKeyFrames(p *msc.Producer) *keyFrameLog {
	l := &keyFrameLog{rids: map[string]int{}}
	p.OnKeyFrameRequest(func(rid string) {
		l.mu.Lock()
		l.rids[rid]++
		l.mu.Unlock()
	})
	return l
}

func (l *keyFrameLog) count(rid string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rids[rid]
}

// waitMore waits until rid has more than n requests, calling ask (if set)
// on every poll: the server sends no new request while one is pending
// (until the producer's next key frame arrives).
func (l *keyFrameLog) waitMore(t *testing.T, rid string, n int, what string, ask func()) {
	t.Helper()
	require.Eventually(t, func() bool {
		if ask != nil {
			ask()
		}
		return l.count(rid) > n
	}, 10*time.Second, 200*time.Millisecond,
		"%s: key frame requests for rid %q stayed at %d (all: %v)", what, rid, n, l.snapshot())
}

func (l *keyFrameLog) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, v := range l.rids {
		out[k] = v
	}
	return out
}

// TestKeyFrameRequests: the server's PLIs reach the Go producer's
// OnKeyFrameRequest, when a consumer starts and when a consumer asks for a
// key frame; for simulcast, with the layer's RID.
func TestKeyFrameRequests(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	room := newRoom(t)
	alice, bob := newPeer(t, room), newPeer(t, room)
	recv := bob.transport("recv", false)

	t.Run("single stream", func(t *testing.T) {
		send := alice.transport("send", false)
		prod, err := send.Produce(ctx, msc.ProducerOptions{Track: playFile(t, webrtc.MimeTypeVP8, "vp8-320x240.ivf", "")})
		require.NoError(t, err)
		defer prod.Close()
		log := watchKeyFrames(prod)
		cons := bob.consume(ctx, recv, prod.ID())
		defer cons.Close()
		log.waitMore(t, "", 0, "consumer resumed", nil)
		readPackets(t, cons.Track(), 20, 10*time.Second)
		for i := 0; i < 3; i++ {
			n := log.count("")
			log.waitMore(t, "", n, "Consumer.RequestKeyFrame", func() { assert.NoError(t, cons.RequestKeyFrame()) })
		}
		require.Equal(t, []string{""}, keys(log.snapshot()), "no RID without simulcast")
	})

	t.Run("simulcast", func(t *testing.T) {
		send := alice.transport("send", false)
		prod := produceSimulcast(ctx, t, send)
		defer prod.Close()
		log := watchKeyFrames(prod)
		cons := bob.consume(ctx, recv, prod.ID())
		defer cons.Close()
		readPackets(t, cons.Track(), 20, 10*time.Second)
		for _, layer := range []int{0, 1, 2} {
			rid := []string{"r0", "r1", "r2"}[layer]
			n := log.count(rid)
			_, err := bob.sig.SetConsumerPreferredLayers(ctx, cons.ID(), layer, nil)
			require.NoError(t, err)
			// Switching to a layer asks for its key frame; asking again
			// targets the layer being sent.
			log.waitMore(t, rid, n, "preferred layer", func() { assert.NoError(t, cons.RequestKeyFrame()) })
		}
		require.NotContains(t, log.snapshot(), "", "every request of a simulcast producer names its layer")
	})
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
