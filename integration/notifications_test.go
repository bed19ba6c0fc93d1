package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

func waitFor[T any](ctx context.Context, t *testing.T, c *testbed.Client, method string, match func(T) bool) T {
	t.Helper()
	n, err := c.WaitNotification(ctx, method, func(n testbed.Notification) bool {
		var v T
		return n.Decode(&v) == nil && match(v)
	})
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNotifications checks the server-initiated messages between two peers
// of a room: newProducer, consumerPaused/Resumed/Closed, newDataProducer,
// dataConsumerClosed, and what happens when a peer disconnects.
func TestNotifications(t *testing.T) {
	srv := testbed.StartT(t)
	ctx := testCtx(t, 2*time.Minute)
	alice, err := srv.Dial(ctx, "notify")
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	bob, err := srv.Dial(ctx, "notify")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	var (
		seenMu sync.Mutex
		seen   []string
	)
	bob.OnNotification(func(n testbed.Notification) {
		seenMu.Lock()
		seen = append(seen, n.Method)
		seenMu.Unlock()
	})

	in, err := alice.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		t.Fatal(err)
	}
	audioID, err := alice.Produce(ctx, testbed.ProduceOptions{
		TransportID: in.ID, Kind: msc.MediaKindAudio, RTPParameters: producerParameters(t, alice.Joined.RouterRTPCapabilities, msc.MediaKindAudio, opusSSRC),
		AppData: msc.AppData{"source": "mic"},
	})
	if err != nil {
		t.Fatal(err)
	}
	np := waitFor(ctx, t, bob, testbed.NotifyNewProducer, func(p testbed.ProducerInfo) bool { return p.ProducerID == audioID })
	if np.Kind != msc.MediaKindAudio || np.PeerID != alice.PeerID || np.AppData["source"] != "mic" {
		t.Errorf("newProducer %+v", np)
	}
	if hist := alice.NotificationHistory(); len(hist) != 0 {
		t.Errorf("the producing peer was notified: %+v", hist)
	}

	// A late joiner sees existing producers in the join answer.
	carol, err := srv.Dial(ctx, "notify")
	if err != nil {
		t.Fatal(err)
	}
	if len(carol.Joined.Producers) != 1 || carol.Joined.Producers[0].ProducerID != audioID {
		t.Errorf("join producers %+v", carol.Joined.Producers)
	}
	carol.Close()

	out, err := bob.CreatePlainTransport(ctx, testbed.PlainTransportOptions{SCTP: true})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := bob.Consume(ctx, testbed.ConsumeOptions{TransportID: out.ID, ProducerID: audioID, RTPCapabilities: bob.Joined.RouterRTPCapabilities})
	if err != nil {
		t.Fatal(err)
	}
	byCons := func(e testbed.ConsumerEvent) bool { return e.ConsumerID == cons.ID }
	if err := alice.PauseProducer(ctx, audioID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, bob, testbed.NotifyConsumerPaused, byCons)
	if err := alice.ResumeProducer(ctx, audioID); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, bob, testbed.NotifyConsumerResumed, byCons)

	// Data: a direct data producer (the server sends on it) consumed over
	// SCTP on a plain transport.
	dpID, err := alice.CreateDirectDataProducer(ctx, "chat", "text")
	if err != nil {
		t.Fatal(err)
	}
	nd := waitFor(ctx, t, bob, testbed.NotifyNewDataProducer, func(d testbed.DataProducerInfo) bool { return d.DataProducerID == dpID })
	if nd.Label != "chat" || nd.Protocol != "text" {
		t.Errorf("newDataProducer %+v", nd)
	}
	dc, err := bob.ConsumeData(ctx, out.ID, dpID)
	if err != nil {
		t.Fatal(err)
	}
	if dc.DataProducerID != dpID || dc.Label != "chat" || dc.Protocol != "text" {
		t.Errorf("consumeData %+v", dc)
	}
	if err := alice.SendDirectData(ctx, dpID, []byte("hello"), false); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendDirectData(ctx, dpID, []byte{0, 1, 2, 255}, true); err != nil {
		t.Fatal(err)
	}
	stats, err := alice.GetStats(ctx, testbed.TypeDataProducer, dpID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Int("messagesReceived") != 2 {
		t.Errorf("direct data producer stats %v", stats)
	}
	if err := alice.CloseDataProducer(ctx, dpID); err != nil {
		t.Fatal(err)
	}
	dcc := waitFor(ctx, t, bob, testbed.NotifyDataConsumerClosed, func(d testbed.DataConsumerClosed) bool { return d.DataConsumerID == dc.ID })
	if dcc.Reason != "dataproducerclose" {
		t.Errorf("dataConsumerClosed %+v", dcc)
	}

	// The producing peer disconnects: its transports close, and so do the
	// consumers of its producers.
	alice.Close()
	cc := waitFor(ctx, t, bob, testbed.NotifyConsumerClosed, func(c testbed.ConsumerClosed) bool { return c.ConsumerID == cons.ID })
	if cc.Reason != "producerclose" || cc.ProducerID != audioID {
		t.Errorf("consumerClosed %+v", cc)
	}

	// A consumer created unpaused; closing it by request.
	in2, err := bob.CreatePlainTransport(ctx, testbed.PlainTransportOptions{Comedia: true})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := bob.Produce(ctx, testbed.ProduceOptions{TransportID: in2.ID, Kind: msc.MediaKindAudio, RTPParameters: producerParameters(t, bob.Joined.RouterRTPCapabilities, msc.MediaKindAudio, opusSSRC)})
	if err != nil {
		t.Fatal(err)
	}
	dave, err := srv.Dial(ctx, "notify")
	if err != nil {
		t.Fatal(err)
	}
	defer dave.Close()
	dout, err := dave.CreatePlainTransport(ctx, testbed.PlainTransportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dcons, err := dave.Consume(ctx, testbed.ConsumeOptions{TransportID: dout.ID, ProducerID: pid, RTPCapabilities: dave.Joined.RouterRTPCapabilities, Paused: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if dcons.Paused {
		t.Error("consumer created with paused:false is paused")
	}
	if err := dave.CloseConsumer(ctx, dcons.ID); err != nil {
		t.Fatal(err)
	}
	if err := dave.ResumeConsumer(ctx, dcons.ID); err == nil {
		t.Error("resuming a closed consumer succeeded")
	}

	// Closing the consuming transport reports transportclose.
	dcons2, err := dave.Consume(ctx, testbed.ConsumeOptions{TransportID: dout.ID, ProducerID: pid, RTPCapabilities: dave.Joined.RouterRTPCapabilities})
	if err != nil {
		t.Fatal(err)
	}
	if err := dave.CloseTransport(ctx, dout.ID); err != nil {
		t.Fatal(err)
	}
	tc := waitFor(ctx, t, dave, testbed.NotifyConsumerClosed, func(c testbed.ConsumerClosed) bool { return c.ConsumerID == dcons2.ID })
	if tc.Reason != "transportclose" {
		t.Errorf("consumerClosed %+v", tc)
	}

	time.Sleep(100 * time.Millisecond)
	seenMu.Lock()
	defer seenMu.Unlock()
	if len(seen) == 0 {
		t.Error("OnNotification callback saw nothing")
	}
	t.Logf("bob's notifications via callback: %v", seen)
}
