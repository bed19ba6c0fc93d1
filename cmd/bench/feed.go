package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/soupkit/mediasoup-client-go/mediafile"
)

// feedEnv names the environment variable that turns the bench binary into
// the RTP feeder of the receive bench; it holds a JSON feedSpec.
const feedEnv = "MSCGO_BENCH_FEED"

// feedSpec is what the feeder sends: one VP8 stream per SSRC, each the IVF
// file played in a loop in real time, to one UDP address (a comedia
// PlainTransport of the server).
type feedSpec struct {
	Addr        string   `json:"addr"`
	File        string   `json:"file"`
	PayloadType uint8    `json:"payloadType"`
	SSRCs       []uint32 `json:"ssrcs"`
}

// feeder is the child process sending the receive bench's media. It runs
// apart from the measuring process so that only receiving is counted in the
// bench's CPU time.
type feeder struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan error
	once  sync.Once
}

// startFeeder runs this same binary as the feeder. The child stops when
// its stdin closes (the bench ended or died) and is killed with the bench.
func startFeeder(spec feedSpec) (*feeder, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), feedEnv+"="+string(b))
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &feeder{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	go func() { f.done <- cmd.Wait() }()
	return f, nil
}

// stop ends the feeder and waits for it; later calls do nothing.
func (f *feeder) stop() { f.once.Do(f.doStop) }

func (f *feeder) doStop() {
	_ = f.stdin.Close()
	select {
	case <-f.done:
	case <-time.After(2 * time.Second):
		_ = f.cmd.Process.Kill()
		<-f.done
	}
}

// runFeeder is the feeder's main: it returns when stdin closes.
func runFeeder(specJSON string) error {
	var spec feedSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fmt.Errorf("feeder spec: %w", err)
	}
	frames, fourcc, err := mediafile.ReadIVF(spec.File)
	if err != nil {
		return err
	}
	if fourcc != "VP80" {
		return fmt.Errorf("%s: %s, want VP8", spec.File, fourcc)
	}
	raddr, err := net.ResolveUDPAddr("udp4", spec.Addr)
	if err != nil {
		return err
	}
	// One socket for every stream: a comedia transport latches on to the
	// first packet's source.
	conn, err := net.DialUDP("udp4", nil, raddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetWriteBuffer(4 << 20)
	// Whatever the server sends back (RTCP receiver reports, PLIs) is read
	// and dropped: the file's key frames come every second anyway.
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	var frameDur time.Duration
	if len(frames) > 0 {
		frameDur = frames[0].Duration
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(spec.SSRCs))
	for i, ssrc := range spec.SSRCs {
		wg.Add(1)
		// Streams are spread over one frame interval so that their packets
		// do not all arrive in the same burst.
		offset := time.Duration(i) * frameDur / time.Duration(len(spec.SSRCs))
		go func(ssrc uint32, offset time.Duration) {
			defer wg.Done()
			if err := feedStream(conn, frames, spec.PayloadType, ssrc, offset, stop); err != nil {
				errs <- err
			}
		}(ssrc, offset)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// feedStream sends the frames as one RTP stream in real time, in a loop,
// until stop closes.
func feedStream(conn *net.UDPConn, frames []mediafile.Frame, pt uint8, ssrc uint32, offset time.Duration, stop <-chan struct{}) error {
	p := rtp.NewPacketizer(1200, pt, ssrc, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	buf := make([]byte, 1500)
	next := time.Now().Add(offset)
	for {
		for _, fr := range frames {
			if d := time.Until(next); d > 0 {
				select {
				case <-stop:
					return nil
				case <-time.After(d):
				}
			}
			for _, pkt := range p.Packetize(fr.Data, uint32(fr.Duration*90000/time.Second)) {
				n, err := pkt.MarshalTo(buf)
				if err != nil {
					return err
				}
				// A refused datagram (ICMP from a closed port) is not fatal.
				if _, err := conn.Write(buf[:n]); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
					return err
				}
			}
			next = next.Add(fr.Duration)
		}
	}
}
