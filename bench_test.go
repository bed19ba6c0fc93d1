package mediasoupclient

import (
	"context"
	"testing"
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
