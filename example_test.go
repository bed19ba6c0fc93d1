package mediasoupclient_test

import (
	"context"
	"log"

	"github.com/pion/webrtc/v3"

	msc "github.com/soupkit/mediasoup-client-go"
)

// signaling stands for the application's own connection to its server.
type signaling interface {
	Request(ctx context.Context, method string, data any, out any) error
}

// Joining a room: load the router's capabilities, create a send transport
// wired to the app's signaling, and produce an Opus track.
func Example() {
	ctx := context.Background()
	var sig signaling // the app's signaling

	var caps msc.RTPCapabilities
	if err := sig.Request(ctx, "getRouterRtpCapabilities", nil, &caps); err != nil {
		log.Fatal(err)
	}
	device, err := msc.NewDevice(msc.DeviceOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := device.Load(ctx, msc.DeviceLoadOptions{RouterRTPCapabilities: caps}); err != nil {
		log.Fatal(err)
	}

	// The server's transport (id, iceParameters, iceCandidates,
	// dtlsParameters, sctpParameters) decodes straight into the options.
	var info msc.TransportOptions
	if err := sig.Request(ctx, "createWebRtcTransport", map[string]any{"direction": "send"}, &info); err != nil {
		log.Fatal(err)
	}
	send, err := device.CreateSendTransport(info)
	if err != nil {
		log.Fatal(err)
	}
	defer send.Close()
	send.OnConnect(func(ctx context.Context, p msc.ConnectParams) error {
		return sig.Request(ctx, "connectWebRtcTransport", map[string]any{"transportId": send.ID(), "dtlsParameters": p.DTLSParameters}, nil)
	})
	send.OnProduce(func(ctx context.Context, p msc.ProduceParams) (string, error) {
		var res struct {
			ID string `json:"id"`
		}
		err := sig.Request(ctx, "produce", map[string]any{"transportId": send.ID(), "kind": p.Kind, "rtpParameters": p.RTPParameters}, &res)
		return res.ID, err
	})

	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "bot")
	if err != nil {
		log.Fatal(err)
	}
	producer, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("producing %s as %s", producer.Kind(), producer.ID())
	// Write Opus samples with track.WriteSample(...).
}

// Consuming: the server creates the consumer (paused), the SDK negotiates
// it, then the app resumes it on the server and reads RTP from the track.
func ExampleTransport_Consume() {
	ctx := context.Background()
	var recv *msc.Transport // created with device.CreateRecvTransport
	var sig signaling
	// The server's consumer (id, producerId, kind, rtpParameters) decodes
	// straight into the options.
	var opts msc.ConsumerOptions
	if err := sig.Request(ctx, "consume", map[string]any{"transportId": recv.ID(), "producerId": "..."}, &opts); err != nil {
		log.Fatal(err)
	}
	consumer, err := recv.Consume(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	if err := sig.Request(ctx, "resumeConsumer", map[string]any{"consumerId": consumer.ID()}, nil); err != nil {
		log.Fatal(err)
	}
	for {
		pkt, _, err := consumer.Track().ReadRTP()
		if err != nil {
			return
		}
		_ = pkt // write to a file, decode, count...
	}
}

// A bot with a live encoder answers the server's key frame requests (a
// consumer joined, switched layers or lost the picture).
func ExampleProducer_OnKeyFrameRequest() {
	ctx := context.Background()
	var send *msc.Transport          // created with device.CreateSendTransport
	var track webrtc.TrackLocal      // fed by the bot's encoder
	forceKeyFrame := func(string) {} // the encoder's "next frame is a key frame"

	producer, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
	if err != nil {
		log.Fatal(err)
	}
	producer.OnKeyFrameRequest(func(rid string) {
		forceKeyFrame(rid) // rid names the simulcast layer, "" without simulcast
	})
}

// Consuming many producers at once: one renegotiation for all of them.
func ExampleTransport_ConsumeMany() {
	ctx := context.Background()
	var recv *msc.Transport              // created with device.CreateRecvTransport
	var fromServer []msc.ConsumerOptions // one per server-side consume, still paused
	consumers, errs := recv.ConsumeMany(ctx, fromServer)
	for i, c := range consumers {
		if errs[i] != nil {
			log.Print(errs[i])
			continue
		}
		go func() {
			for {
				if _, _, err := c.Track().ReadRTP(); err != nil {
					return
				}
			}
		}()
		// then resume c.ID() on the server
	}
}
