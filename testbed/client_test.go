package testbed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// opusParameters are producer RTP parameters for a plain transport.
func opusParameters(ssrc uint32) msc.RTPParameters {
	two := 2
	return msc.RTPParameters{
		Codecs:    []msc.RTPCodecParameters{{MimeType: "audio/opus", PayloadType: 111, ClockRate: 48000, Channels: &two}},
		Encodings: []msc.RTPEncodingParameters{{SSRC: ssrc}},
		RTCP:      msc.RTCPParameters{CNAME: "kit-test"},
	}
}

// TestPeerMediaDataAndNotifications drives every kind of call through the
// Peer helpers and the Client against the real server: a VP8 producer
// reaches a consumer (with server-side key frame requests, pause and
// resume), data flows both from a data producer and from the server's
// DirectTransport, stats and dumps answer, and notifications arrive both
// through the typed callbacks and WaitNotification.
func TestPeerMediaDataAndNotifications(t *testing.T) {
	srv := StartT(t)
	ctx := testCtx(t, 90*time.Second)

	var mu sync.Mutex
	var newProducers []ProducerInfo
	var events []string
	bobOpts := ClientOptions{
		OnNewProducer: func(p ProducerInfo) {
			mu.Lock()
			newProducers = append(newProducers, p)
			mu.Unlock()
		},
		OnConsumerPaused:  func(e ConsumerEvent) { mu.Lock(); events = append(events, "paused"); mu.Unlock() },
		OnConsumerResumed: func(e ConsumerEvent) { mu.Lock(); events = append(events, "resumed"); mu.Unlock() },
	}
	alice := must[*Peer](t)(srv.JoinPeer(ctx, PeerOptions{Room: "kit"}))
	defer alice.Close()
	bob := must[*Peer](t)(srv.JoinPeer(ctx, PeerOptions{Room: "kit", PeerID: "bob", Client: bobOpts}))
	defer bob.Close()
	if bob.ID() != "bob" || alice.ID() == "" {
		t.Fatalf("peer IDs %q, %q", alice.ID(), bob.ID())
	}

	send := must[*msc.Transport](t)(alice.CreateSendTransport(ctx, PeerTransportOptions{Data: true}))
	defer send.Close()
	recv := must[*msc.Transport](t)(bob.CreateRecvTransport(ctx, PeerTransportOptions{Data: true}))
	defer recv.Close()

	// Media: a VP8 file played in a loop.
	f := must[*mediafile.File](t)(mediafile.Open("../testdata/media/vp8-320x240.ivf"))
	track := must[*webrtc.TrackLocalStaticSample](t)(f.NewTrack("video", "kit"))
	playCtx, stopPlay := context.WithCancel(context.Background())
	played := make(chan struct{})
	go func() { defer close(played); _ = f.Play(playCtx, track) }()
	defer func() { stopPlay(); <-played }()
	keyFrames := make(chan struct{}, 16)
	prod := must[*msc.Producer](t)(send.Produce(ctx, msc.ProducerOptions{Track: track, AppData: msc.AppData{"cam": "front"}}))
	defer prod.Close()
	prod.OnKeyFrameRequest(func(string) {
		select {
		case keyFrames <- struct{}{}:
		default:
		}
	})

	n := must[Notification](t)(bob.Client.WaitNotification(ctx, NotifyNewProducer, nil))
	var info ProducerInfo
	if err := n.Decode(&info); err != nil || info.ProducerID != prod.ID() || info.PeerID != alice.ID() || info.AppData["cam"] != "front" {
		t.Fatalf("newProducer %+v, %v", info, err)
	}
	cons := must[*msc.Consumer](t)(bob.Consume(ctx, recv, prod.ID()))
	defer cons.Close()
	got := make(chan error, 1)
	go func() {
		_, _, err := cons.Track().ReadRTP()
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("read RTP: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("no RTP reached the consumer")
	}
	// The server's key frame request reaches the producer as a PLI.
	for len(keyFrames) > 0 {
		<-keyFrames
	}
	if err := bob.Client.RequestConsumerKeyFrame(ctx, cons.ID()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-keyFrames:
	case <-ctx.Done():
		t.Fatal("the producer got no key frame request")
	}

	// Pause and resume on the server: bob's callbacks see both, in order.
	if err := alice.Client.PauseProducer(ctx, prod.ID()); err != nil {
		t.Fatal(err)
	}
	if err := alice.Client.ResumeProducer(ctx, prod.ID()); err != nil {
		t.Fatal(err)
	}
	must[Notification](t)(bob.Client.WaitNotification(ctx, NotifyConsumerResumed, nil))
	if err := bob.Client.PauseConsumer(ctx, cons.ID()); err != nil {
		t.Fatal(err)
	}
	if err := bob.Client.ResumeConsumer(ctx, cons.ID()); err != nil {
		t.Fatal(err)
	}
	if err := bob.Client.SetConsumerPriority(ctx, cons.ID(), 2); err != nil {
		t.Fatal(err)
	}

	// Stats and dumps.
	stats := must[[]Stats](t)(bob.Client.GetStats(ctx, TypeConsumer, cons.ID()))
	if len(stats) == 0 || stats[0].Type() == "" {
		t.Fatalf("consumer stats %v", stats)
	}
	must[[]Stats](t)(alice.Client.GetStats(ctx, TypeTransport, send.ID()))
	if d := must[[]byte](t)(bob.Client.Dump(ctx, TypeRouter, "")); len(d) < 10 {
		t.Fatalf("router dump %s", d)
	}

	// Data: a data producer and the room's DirectTransport.
	dp := must[*msc.DataProducer](t)(send.ProduceData(ctx, msc.DataProducerOptions{Label: "chat", Protocol: "text"}))
	defer dp.Close()
	dc := must[*msc.DataConsumer](t)(bob.ConsumeData(ctx, recv, dp.ID()))
	defer dc.Close()
	msgs := make(chan string, 8)
	dc.OnMessage(func(m webrtc.DataChannelMessage) { msgs <- string(m.Data) })
	directID := must[string](t)(alice.Client.CreateDirectDataProducer(ctx, "server", "json"))
	ddc := must[*msc.DataConsumer](t)(bob.ConsumeData(ctx, recv, directID))
	defer ddc.Close()
	ddc.OnMessage(func(m webrtc.DataChannelMessage) { msgs <- "direct:" + string(m.Data) })
	waitFor(t, ctx, "data channels open", func() bool {
		return dp.ReadyState() == webrtc.DataChannelStateOpen && dc.ReadyState() == webrtc.DataChannelStateOpen &&
			ddc.ReadyState() == webrtc.DataChannelStateOpen
	})
	if err := dp.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	if err := alice.Client.SendDirectData(ctx, directID, []byte(`{"a":1}`), false); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case m := <-msgs:
			seen[m] = true
		case <-ctx.Done():
			t.Fatalf("data messages: got %v", seen)
		}
	}
	if !seen["hello"] || !seen[`direct:{"a":1}`] {
		t.Fatalf("data messages %v", seen)
	}
	if err := alice.Client.CloseDataProducer(ctx, dp.ID()); err != nil {
		t.Fatal(err)
	}
	dn := must[Notification](t)(bob.Client.WaitNotification(ctx, NotifyDataConsumerClosed, nil))
	var dcc DataConsumerClosed
	if err := dn.Decode(&dcc); err != nil || dcc.DataProducerID != dp.ID() || dcc.Reason != "dataproducerclose" {
		t.Fatalf("dataConsumerClosed %+v %v", dcc, err)
	}

	// Closing the producer on the server closes the consumer.
	if err := alice.Client.CloseProducer(ctx, prod.ID()); err != nil {
		t.Fatal(err)
	}
	cn := must[Notification](t)(bob.Client.WaitNotification(ctx, NotifyConsumerClosed, nil))
	var cc ConsumerClosed
	if err := cn.Decode(&cc); err != nil || cc.ConsumerID != cons.ID() || cc.Reason != "producerclose" {
		t.Fatalf("consumerClosed %+v %v", cc, err)
	}
	// A refused request is a *ServerError.
	var se *ServerError
	if err := bob.Client.ResumeConsumer(ctx, cons.ID()); !errors.As(err, &se) || se.Name != "RequestError" {
		t.Fatalf("resume a closed consumer: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(newProducers) != 1 || newProducers[0].ProducerID != prod.ID() {
		t.Errorf("OnNewProducer saw %+v", newProducers)
	}
	if fmt.Sprint(events) != "[paused resumed]" {
		t.Errorf("pause callbacks saw %v", events)
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestPlainTransportsAndBoundedHistory: producers on a PlainTransport
// announce themselves to a peer whose history keeps only the last 5
// notifications; its callback sees all of them, in order, and may call
// the server from inside.
func TestPlainTransportsAndBoundedHistory(t *testing.T) {
	srv := StartT(t)
	ctx := testCtx(t, 60*time.Second)
	const total, limit = 12, 5

	alice := must[*Client](t)(srv.Dial(ctx, "plain"))
	defer alice.Close()
	var mu sync.Mutex
	var order []string
	var bob *Client
	ready := make(chan struct{}) // callbacks may run before DialWith returns
	bob = must[*Client](t)(srv.DialWith(ctx, "plain", ClientOptions{
		HistoryLimit: limit,
		OnNewProducer: func(p ProducerInfo) {
			<-ready
			// A request from inside a callback does not deadlock.
			_, err := bob.GetRouterRTPCapabilities(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				order = append(order, "error: "+err.Error())
				return
			}
			order = append(order, p.ProducerID)
		},
	}))
	close(ready)
	defer bob.Close()
	none := must[*Client](t)(srv.DialWith(ctx, "plain", ClientOptions{HistoryLimit: -1}))
	defer none.Close()

	in := must[*PlainTransportInfo](t)(alice.CreatePlainTransport(ctx, PlainTransportOptions{Comedia: true}))
	if in.IP != "127.0.0.1" || in.Port == 0 {
		t.Fatalf("plain transport %+v", in)
	}
	var ids []string
	for i := range total {
		id := must[string](t)(alice.Produce(ctx, ProduceOptions{TransportID: in.ID, Kind: msc.MediaKindAudio, RTPParameters: opusParameters(uint32(1000 + i))}))
		ids = append(ids, id)
	}
	last := must[Notification](t)(bob.WaitNotification(ctx, NotifyNewProducer, func(n Notification) bool {
		var p ProducerInfo
		return n.Decode(&p) == nil && p.ProducerID == ids[total-1]
	}))
	if last.Seq != total || bob.NotificationCount() != total {
		t.Fatalf("last seq %d, count %d", last.Seq, bob.NotificationCount())
	}
	hist := bob.NotificationHistory()
	if len(hist) != limit || hist[0].Seq != total-limit+1 {
		t.Fatalf("history of %d from seq %d, want %d from %d", len(hist), hist[0].Seq, limit, total-limit+1)
	}
	bob.nmu.Lock()
	kept := len(bob.history)
	bob.nmu.Unlock()
	if kept >= 2*limit {
		t.Errorf("history holds %d entries, limit %d", kept, limit)
	}
	// The first notification was dropped from the history: waiting for it
	// times out.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := bob.WaitNotification(short, NotifyNewProducer, func(n Notification) bool { return n.Seq == 1 })
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait for a dropped notification: %v", err)
	}
	if len(none.NotificationHistory()) != 0 {
		t.Errorf("HistoryLimit -1 kept %d", len(none.NotificationHistory()))
	}

	// Consume one on a plain transport; closing it on the producer side
	// notifies after a given point.
	mark := bob.NotificationCount()
	out := must[*PlainTransportInfo](t)(bob.CreatePlainTransport(ctx, PlainTransportOptions{}))
	if err := bob.ConnectPlainTransport(ctx, out.ID, "127.0.0.1", 9, 0); err != nil {
		t.Fatal(err)
	}
	caps := must[msc.RTPCapabilities](t)(bob.GetRouterRTPCapabilities(ctx))
	res := must[*ConsumeResult](t)(bob.Consume(ctx, ConsumeOptions{TransportID: out.ID, ProducerID: ids[0], RTPCapabilities: caps}))
	if !res.Paused || res.Kind != msc.MediaKindAudio || res.Options().ID != res.ID {
		t.Fatalf("consume %+v", res)
	}
	if err := alice.CloseTransport(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	n := must[Notification](t)(bob.WaitNotificationAfter(ctx, mark, NotifyConsumerClosed, nil))
	if n.Seq <= mark {
		t.Fatalf("notification %d not after %d", n.Seq, mark)
	}

	waitFor(t, ctx, "callbacks", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == total })
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(order) != fmt.Sprint(ids) {
		t.Fatalf("callbacks saw\n%v\nwant\n%v", order, ids)
	}
}

// TestClientClosed: calls after Close fail with ErrClosed; callbacks stop.
func TestClientClosed(t *testing.T) {
	srv := StartT(t)
	ctx := testCtx(t, 30*time.Second)
	c := must[*Client](t)(srv.Dial(ctx, "closed"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if _, err := c.GetRouterRTPCapabilities(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
	if _, err := c.WaitNotification(ctx, NotifyNewProducer, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("wait after close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
