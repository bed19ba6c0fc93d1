package mediafile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sync"

	msc "github.com/soupkit/mediasoup-client-go"
)

// H264Writer writes H264 access units in Annex B to a raw .h264 file (no
// timing: players assume a frame rate, ReadH264 takes one). Its methods
// are safe for concurrent use.
type H264Writer struct {
	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	path    string
	sps     []byte // the last parameter sets seen, start code included
	pps     []byte
	started bool
	closed  bool
	err     error
}

// NewH264Writer creates path.
func NewH264Writer(path string) (*H264Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &H264Writer{f: f, w: bufio.NewWriter(f), path: path}, nil
}

// annexBNALs splits an Annex B access unit into its NAL units, each with
// the start code before it, or returns nil if b does not start with a
// start code.
func annexBNALs(b []byte) [][]byte {
	var starts []int
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			s := i
			if s > 0 && b[s-1] == 0 {
				s-- // a 4-byte start code
			}
			starts = append(starts, s)
			i += 2
		}
	}
	if len(starts) == 0 || starts[0] != 0 {
		return nil
	}
	out := make([][]byte, len(starts))
	for k, s := range starts {
		end := len(b)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		out[k] = b[s:end]
	}
	return out
}

// nalType is the type of a NAL unit that starts with a start code.
func nalType(nal []byte) byte {
	i := bytes.IndexByte(nal, 1)
	if i < 0 || i+1 >= len(nal) {
		return 0
	}
	return nal[i+1] & 0x1f
}

// WriteSample appends one access unit in Annex B. Access units before the
// first IDR are skipped, as nothing could decode them; an IDR access unit
// without SPS or PPS gets the last ones seen. An access unit that does not
// start with a start code fails with ErrFormat.
func (w *H264Writer) WriteSample(s *msc.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("mediafile: %s: write after Close", w.path)
	}
	if w.err != nil {
		return w.err
	}
	if s == nil {
		return fmt.Errorf("%w: %s: nil sample", ErrFormat, w.path)
	}
	nals := annexBNALs(s.Data)
	if nals == nil {
		return fmt.Errorf("%w: %s: access unit of %d bytes is not Annex B (no start code)", ErrFormat, w.path, len(s.Data))
	}
	var hasSPS, hasPPS, idr bool
	for _, n := range nals {
		switch nalType(n) {
		case 7:
			hasSPS = true
			w.sps = append(w.sps[:0], n...)
		case 8:
			hasPPS = true
			w.pps = append(w.pps[:0], n...)
		case 5:
			idr = true
		}
	}
	if !w.started {
		if !idr {
			return nil
		}
		w.started = true
	}
	if idr && !hasSPS && w.sps != nil {
		_, w.err = w.w.Write(w.sps)
	}
	if idr && !hasPPS && w.pps != nil && w.err == nil {
		_, w.err = w.w.Write(w.pps)
	}
	if w.err == nil {
		_, w.err = w.w.Write(s.Data)
	}
	return w.err
}

// Close flushes and closes the file. Calling it again returns nil.
func (w *H264Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.err
	if err == nil {
		err = w.w.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
