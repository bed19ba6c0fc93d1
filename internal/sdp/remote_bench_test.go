package sdp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// benchFixture loads one fixture of testdata/fixtures into v.
func benchFixture(b *testing.B, name string, v any) {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", name))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
}

// benchInputs are a captured server transport and the captured audio and
// video consumers' RTP parameters.
type benchInputs struct {
	ice        params.ICEParameters
	candidates []params.ICECandidate
	dtls       params.DTLSParameters
	media      [2]params.RTPParameters
	kinds      [2]params.MediaKind
}

func loadBenchInputs(b *testing.B) benchInputs {
	var tr struct {
		ICEParameters  params.ICEParameters  `json:"iceParameters"`
		ICECandidates  []params.ICECandidate `json:"iceCandidates"`
		DTLSParameters params.DTLSParameters `json:"dtlsParameters"`
	}
	benchFixture(b, "webrtc-transport.json", &tr)
	var audio, video struct {
		RTPParameters params.RTPParameters `json:"rtpParameters"`
	}
	benchFixture(b, "consumer-audio.json", &audio)
	benchFixture(b, "consumer-video-simulcast.json", &video)
	return benchInputs{
		ice: tr.ICEParameters, candidates: tr.ICECandidates, dtls: tr.DTLSParameters,
		media: [2]params.RTPParameters{audio.RTPParameters, video.RTPParameters},
		kinds: [2]params.MediaKind{params.MediaKindAudio, params.MediaKindVideo},
	}
}

// offer returns a receive transport's remote offer with n sections,
// alternating audio and video, as the handler builds them.
func (in benchInputs) offer(n int) *RemoteSDP {
	r := New(RoleOffer, in.ice, in.candidates, in.dtls, nil)
	for i := 0; i < n; i++ {
		in.set(r, i)
	}
	return r
}

func (in benchInputs) set(r *RemoteSDP, i int) {
	mid := fmt.Sprint(i)
	r.SetMedia(MediaOptions{
		MID: mid, Kind: in.kinds[i%2], RTPParameters: in.media[i%2],
		StreamID: "stream-" + mid, TrackID: "consumer-" + mid,
	})
}

var sizes = []int{1, 100, 1000}

// BenchmarkRemoteOfferBuild builds a remote offer of n sections from
// scratch and renders it: one round that adds every consumer at once.
func BenchmarkRemoteOfferBuild(b *testing.B) {
	in := loadBenchInputs(b)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("sections=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for i := 0; i < b.N; i++ {
				size = len(in.offer(n).Text())
			}
			b.ReportMetric(float64(size), "sdp-bytes")
		})
	}
}

// BenchmarkRemoteOfferAddOne adds one section to an offer of n sections
// and renders it: the SDK's share of one consume awaited after n others.
func BenchmarkRemoteOfferAddOne(b *testing.B) {
	in := loadBenchInputs(b)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("sections=%d", n), func(b *testing.B) {
			r := in.offer(n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in.set(r, n)
				_ = r.Text()
				b.StopTimer()
				r.Remove(fmt.Sprint(n))
				b.StartTimer()
			}
		})
	}
}
