package mediafile_test

import (
	"context"
	"log"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// A bot plays a built-in clip in a loop: no file, no encoder.
func ExampleClip() {
	clip, err := mediafile.Clip(mediafile.ClipVP8)
	if err != nil {
		log.Fatal(err)
	}
	track, err := clip.NewTrack("video", "bot")
	if err != nil {
		log.Fatal(err)
	}
	// Produce the track on a send transport, then:
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = clip.Play(ctx, track)
}

// A recorder saves a consumer's media, in the container of its codec,
// until its context ends.
func ExampleRecord() {
	var consumer *msc.Consumer // from RecvTransport.Consume
	ext, err := mediafile.Extension(consumer.RTPParameters().Codecs[0].MimeType)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := mediafile.Record(ctx, consumer, "recording"+ext); err != nil {
		log.Fatal(err)
	}
}

// Frames read from a file, or samples from Consumer.NewSampleReader, go to
// a writer; Close finishes the file.
func ExampleNewIVFWriter() {
	src, err := mediafile.Open("in.ivf")
	if err != nil {
		log.Fatal(err)
	}
	w, err := mediafile.NewIVFWriter("out.ivf", src.MimeType)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	for _, fr := range src.Frames {
		if err := w.WriteSample(fr.Sample()); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
}
