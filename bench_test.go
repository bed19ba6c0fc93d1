package mediasoupclient

import (
	"context"
	"testing"

	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
)

// BenchmarkDeviceLoad measures Device.Load with a captured router's
// capabilities: validation and capability negotiation against pion's
// codecs. Creating the device (pion's media engine) is not timed.
func BenchmarkDeviceLoad(b *testing.B) {
	var caps RTPCapabilities
	loadFixture(b, "router-rtp-capabilities.json", &caps)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d, err := NewDevice(DeviceOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := d.Load(ctx, DeviceLoadOptions{RouterRTPCapabilities: caps}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDevice measures creating a device: pion's media engine and
// interceptors and the native capabilities read from a pion offer.
func BenchmarkNewDevice(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := NewDevice(DeviceOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsumeParameters is the parameter work Transport.Consume does
// for each consumer before it negotiates, in two steps: "convert" copies the
// server's RTP parameters into the internal types (what the public wire
// types cost), "validate" is the ORTC work on them (validation and the
// can-receive check). Compare the two within one run.
func BenchmarkConsumeParameters(b *testing.B) {
	d := loadedDevice(b)
	ext := d.ext
	for _, file := range []string{"consumer-audio.json", "consumer-video-simulcast.json"} {
		var o ConsumerOptions
		loadFixture(b, file, &o)
		b.Run(file+"/convert", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = o.RTPParameters.internal()
			}
		})
		b.Run(file+"/validate", func(b *testing.B) {
			in := o.RTPParameters.internal()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rtp := in.Clone()
				if err := ortc.ValidateConsumerOptions(o.ID, o.ProducerID, "", params.MediaKind(o.Kind), &rtp); err != nil {
					b.Fatal(err)
				}
				if ok, err := ortc.CanReceive(rtp, ext); err != nil || !ok {
					b.Fatalf("CanReceive = %v, %v", ok, err)
				}
			}
		})
	}
}
