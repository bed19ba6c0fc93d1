package integration

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/internal/ortc"
	"github.com/soupkit/mediasoup-client-go/internal/params"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

const (
	vp8SSRC  = 0x11112222
	opusSSRC = 0x33334444
	vp8PT    = 96
	opusPT   = 111
)

// plainSenderCapabilities are what this test's RTP sender can do: Opus
// and VP8 with the payload types it writes.
func plainSenderCapabilities() msc.RTPCapabilities {
	return msc.RTPCapabilities{
		Codecs: []msc.RTPCodecCapability{
			{Kind: msc.MediaKindAudio, MimeType: "audio/opus", PreferredPayloadType: ptr(uint8(opusPT)), ClockRate: 48000, Channels: ptr(2)},
			{Kind: msc.MediaKindVideo, MimeType: "video/VP8", PreferredPayloadType: ptr(uint8(vp8PT)), ClockRate: 90000,
				RTCPFeedback: []msc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}},
		},
	}
}

// producerParameters computes a producer's RTP parameters with the SDK's
// negotiation code (internal/ortc) from the router's capabilities, as the
// SDK does before produce.
func producerParameters(t *testing.T, router msc.RTPCapabilities, kind msc.MediaKind, ssrc uint32) msc.RTPParameters {
	t.Helper()
	in, err := params.Convert[params.RTPCapabilities](router)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := params.Convert[params.RTPCapabilities](plainSenderCapabilities())
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ortc.GetExtendedRTPCapabilities(sender, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if !ortc.CanSend(params.MediaKind(kind), ext) {
		t.Fatalf("router cannot receive %s from this sender", kind)
	}
	p := ortc.GetSendingRTPParameters(params.MediaKind(kind), ext)
	p.Encodings = []params.RTPEncodingParameters{{SSRC: ssrc}}
	p.RTCP.CNAME = "plain-rtp-test"
	if err := ortc.ValidateRTPParameters(&p); err != nil {
		t.Fatal(err)
	}
	out, err := params.Convert[msc.RTPParameters](p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// TestPlainTransportRTP sends real VP8 and Opus over RTP (no SDK) into a
// comedia PlainTransport and checks what a consuming PlainTransport
// forwards to a UDP socket of the test.
func TestPlainTransportRTP(t *testing.T) {
	srv := testbed.StartT(t)
	ctx := testCtx(t, 2*time.Minute)
	c, err := srv.Dial(ctx, "plain-rtp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Producing side: the server learns our address from the first packet.
	in, err := c.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		t.Fatal(err)
	}
	if in.IP != "127.0.0.1" || in.Port == 0 || in.RTCPPort != 0 {
		t.Fatalf("plain transport %+v", in)
	}
	videoID, err := c.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindVideo, RTPParameters: producerParameters(t, c.Joined.RouterRTPCapabilities, msc.MediaKindVideo, vp8SSRC)})
	if err != nil {
		t.Fatal(err)
	}
	audioID, err := c.Produce(ctx, testbed.ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindAudio, RTPParameters: producerParameters(t, c.Joined.RouterRTPCapabilities, msc.MediaKindAudio, opusSSRC)})
	if err != nil {
		t.Fatal(err)
	}

	// Consuming side: a PlainTransport sending to our socket.
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	_ = sink.SetReadBuffer(4 << 20)
	out, err := c.CreatePlainTransport(ctx, testbed.PlainTransportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ConnectPlainTransport(ctx, out.ID, "127.0.0.1", sink.LocalAddr().(*net.UDPAddr).Port, 0); err != nil {
		t.Fatal(err)
	}
	caps := c.Joined.RouterRTPCapabilities
	vcons, err := c.Consume(ctx, testbed.ConsumeOptions{TransportID: out.ID, ProducerID: videoID, RTPCapabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	acons, err := c.Consume(ctx, testbed.ConsumeOptions{TransportID: out.ID, ProducerID: audioID, RTPCapabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	for _, cons := range []*testbed.ConsumeResult{vcons, acons} {
		if !cons.Paused {
			t.Errorf("consumer %s not created paused", cons.ID)
		}
		if cons.Type != "simple" || len(cons.RTPParameters.Encodings) != 1 || cons.RTPParameters.Encodings[0].SSRC == 0 {
			t.Fatalf("consumer %+v", cons)
		}
	}
	if vcons.RTPParameters.Codecs[0].MimeType != "video/VP8" || acons.RTPParameters.Codecs[0].MimeType != "audio/opus" {
		t.Fatalf("consumer codecs %s, %s", vcons.RTPParameters.Codecs[0].MimeType, acons.RTPParameters.Codecs[0].MimeType)
	}

	// Receive everything the consumers forward.
	type stream struct {
		pt   uint8
		ssrc uint32
		pkts []*rtp.Packet
	}
	streams := map[uint32]*stream{
		vcons.RTPParameters.Encodings[0].SSRC: {pt: vcons.RTPParameters.Codecs[0].PayloadType, ssrc: vcons.RTPParameters.Encodings[0].SSRC},
		acons.RTPParameters.Encodings[0].SSRC: {pt: acons.RTPParameters.Codecs[0].PayloadType, ssrc: acons.RTPParameters.Encodings[0].SSRC},
	}
	var (
		mu        sync.Mutex
		others    = map[uint32]int{}
		rtcpCount int
	)
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		buf := make([]byte, 2048)
		for {
			n, _, err := sink.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if n >= 2 && buf[1] >= 192 && buf[1] <= 223 {
				mu.Lock()
				rtcpCount++
				mu.Unlock()
				continue
			}
			p := &rtp.Packet{}
			if err := p.Unmarshal(append([]byte(nil), buf[:n]...)); err != nil {
				t.Errorf("received a packet that is neither RTP nor RTCP: %v", err)
				continue
			}
			mu.Lock()
			if s, ok := streams[p.SSRC]; ok {
				s.pkts = append(s.pkts, p)
			} else {
				others[p.SSRC]++
			}
			mu.Unlock()
		}
	}()

	for _, id := range []string{vcons.ID, acons.ID} {
		if err := c.ResumeConsumer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}

	// Send both files in real time.
	src, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.ParseIP(in.IP), Port: in.Port})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	frames, fourcc := readIVF(t, "vp8-320x240.ivf")
	if fourcc != "VP80" {
		t.Fatalf("IVF fourcc %q", fourcc)
	}
	opus := readOpus(t, "opus-48k-stereo.ogg")

	var sendMu sync.Mutex
	send := func(pkts []*rtp.Packet) (int, error) {
		sendMu.Lock()
		defer sendMu.Unlock()
		for _, p := range pkts {
			b, err := p.Marshal()
			if err != nil {
				return 0, err
			}
			if _, err := src.Write(b); err != nil {
				return 0, err
			}
		}
		return len(pkts), nil
	}
	sentOpusPayloads := map[string]bool{}
	var videoSent, audioSent int
	var wg sync.WaitGroup
	var sendErr error
	var errOnce sync.Once
	wg.Add(2)
	go func() {
		defer wg.Done()
		pz := rtp.NewPacketizer(1200, vp8PT, vp8SSRC, &vp8Payloader{pictureID: 1000}, rtp.NewRandomSequencer(), 90000)
		if err := pace(ctx, 33*time.Millisecond, len(frames), func(i int) error {
			n, err := send(pz.Packetize(frames[i], 3000))
			videoSent += n
			return err
		}); err != nil {
			errOnce.Do(func() { sendErr = err })
		}
	}()
	go func() {
		defer wg.Done()
		pz := rtp.NewPacketizer(1200, opusPT, opusSSRC, &codecs.OpusPayloader{}, rtp.NewRandomSequencer(), 48000)
		for _, p := range opus {
			sentOpusPayloads[string(p)] = true
		}
		if err := pace(ctx, 20*time.Millisecond, len(opus), func(i int) error {
			n, err := send(pz.Packetize(opus[i], 960))
			audioSent += n
			return err
		}); err != nil {
			errOnce.Do(func() { sendErr = err })
		}
	}()
	wg.Wait()
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	time.Sleep(500 * time.Millisecond) // let the last packets arrive
	sink.Close()
	<-recvDone

	mu.Lock()
	defer mu.Unlock()
	t.Logf("sent %d VP8 packets (%d frames) and %d Opus packets; received %d RTCP packets, other SSRCs %v",
		videoSent, len(frames), audioSent, rtcpCount, others)
	check := func(name string, s *stream, sent int) {
		t.Helper()
		got := len(s.pkts)
		t.Logf("%s: received %d of %d packets (ssrc %d, pt %d)", name, got, sent, s.ssrc, s.pt)
		if got < sent*9/10 {
			t.Errorf("%s: received %d packets, sent %d", name, got, sent)
		}
		for i, p := range s.pkts {
			if p.PayloadType != s.pt || p.SSRC != s.ssrc {
				t.Errorf("%s packet %d: pt %d ssrc %d, want pt %d ssrc %d", name, i, p.PayloadType, p.SSRC, s.pt, s.ssrc)
				return
			}
			if i > 0 && p.SequenceNumber != s.pkts[i-1].SequenceNumber+1 {
				t.Errorf("%s packet %d: sequence number %d after %d", name, i, p.SequenceNumber, s.pkts[i-1].SequenceNumber)
				return
			}
		}
	}
	vs := streams[vcons.RTPParameters.Encodings[0].SSRC]
	as := streams[acons.RTPParameters.Encodings[0].SSRC]
	check("VP8", vs, videoSent)
	check("Opus", as, audioSent)
	for ssrc, n := range others {
		if ssrc != 1234 { // mediasoup's probator
			t.Errorf("%d packets with unexpected SSRC %d", n, ssrc)
		}
	}

	// Whole VP8 frames: one marker bit per frame; the first forwarded
	// frame is a key frame.
	var marked int
	for _, p := range vs.pkts {
		if p.Marker {
			marked++
		}
	}
	if marked < len(frames)*9/10 {
		t.Errorf("received %d complete VP8 frames, sent %d", marked, len(frames))
	}
	if len(vs.pkts) > 0 {
		var d codecs.VP8Packet
		payload, err := d.Unmarshal(vs.pkts[0].Payload)
		if err != nil {
			t.Fatalf("first VP8 packet: %v", err)
		}
		if d.S != 1 || len(payload) == 0 || payload[0]&0x01 != 0 {
			t.Errorf("first forwarded VP8 packet is not the start of a key frame (S=%d, first byte %#x)", d.S, payload[0])
		}
	}
	// Opus payloads pass through unchanged.
	for i, p := range as.pkts {
		if !sentOpusPayloads[string(p.Payload)] {
			t.Errorf("Opus packet %d: payload not among those sent", i)
			break
		}
	}

	// Server-side counters agree.
	for _, o := range []struct {
		typ testbed.ObjectType
		id  string
	}{{testbed.TypeProducer, videoID}, {testbed.TypeProducer, audioID}, {testbed.TypeConsumer, vcons.ID}, {testbed.TypeConsumer, acons.ID}} {
		stats, err := c.GetStats(ctx, o.typ, o.id)
		if err != nil {
			t.Fatal(err)
		}
		var pkts int64
		for _, s := range stats {
			pkts += s.Int("packetCount")
		}
		if pkts == 0 {
			t.Errorf("%s %s: stats show no packets: %v", o.typ, o.id, stats)
		}
	}

	// Closing the producer closes its consumer and tells its owner.
	if err := c.CloseProducer(ctx, videoID); err != nil {
		t.Fatal(err)
	}
	n, err := c.WaitNotification(ctx, testbed.NotifyConsumerClosed, func(n testbed.Notification) bool {
		var d testbed.ConsumerClosed
		return n.Decode(&d) == nil && d.ConsumerID == vcons.ID
	})
	if err != nil {
		t.Fatal(err)
	}
	var cc testbed.ConsumerClosed
	if err := n.Decode(&cc); err != nil || cc.Reason != "producerclose" || cc.ProducerID != videoID {
		t.Errorf("consumerClosed %+v (%v)", cc, err)
	}
	if _, err := c.GetStats(ctx, testbed.TypeConsumer, vcons.ID); err == nil {
		t.Error("closed consumer still has stats")
	}
}

// vp8Payloader writes every packet with the extended VP8 payload descriptor
// and a 15-bit picture ID. mediasoup ignores packets without the X bit, and
// pion's codecs.VP8Payloader omits it for picture ID 0, i.e. on the first
// frame (the key frame), so a consumer would wait for the next key frame.
type vp8Payloader struct{ pictureID uint16 }

func (p *vp8Payloader) Payload(mtu uint16, payload []byte) [][]byte {
	const hdr = 4 // X|S|PID, I, M|pictureID (15 bits)
	maxLen := int(mtu) - hdr
	var out [][]byte
	for i := 0; i < len(payload); i += maxLen {
		end := min(i+maxLen, len(payload))
		b := make([]byte, hdr+end-i)
		b[0] = 0x80
		if i == 0 {
			b[0] |= 0x10
		}
		b[1] = 0x80
		b[2] = 0x80 | byte(p.pictureID>>8)&0x7f
		b[3] = byte(p.pictureID)
		copy(b[hdr:], payload[i:end])
		out = append(out, b)
	}
	p.pictureID = (p.pictureID + 1) & 0x7fff
	return out
}

// pace calls fn(0..n-1) every period until done or ctx ends.
func pace(ctx context.Context, period time.Duration, n int, fn func(int) error) error {
	tk := time.NewTicker(period)
	defer tk.Stop()
	for i := 0; i < n; i++ {
		if err := fn(i); err != nil {
			return err
		}
		select {
		case <-tk.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
