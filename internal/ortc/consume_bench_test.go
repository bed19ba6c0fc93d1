package ortc

import "testing"

// BenchmarkConsumeORTC is the ORTC work Transport.Consume does for each
// consumer before it negotiates: copy the server's RTP parameters, validate
// them (normalising in place) and check that the device can receive them.
func BenchmarkConsumeORTC(b *testing.B) {
	ext := negExtended(b, false)
	for _, fx := range []struct{ name, file string }{
		{"audio", "consumer-audio.json"},
		{"video-simulcast", "consumer-video-simulcast.json"},
	} {
		p := negConsumerParams(b, fx.file)
		b.Run(fx.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rtp := p.Clone()
				if err := ValidateRTPParameters(&rtp); err != nil {
					b.Fatal(err)
				}
				if ok, err := CanReceive(rtp, ext); err != nil || !ok {
					b.Fatalf("CanReceive = %v, %v", ok, err)
				}
			}
		})
	}
}
