package mediafile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"time"

	msc "github.com/soupkit/mediasoup-client-go"
)

// Ogg framing (RFC 3533) and Opus in Ogg (RFC 7845).
const (
	oggHeaderLen    = 27
	oggContinued    = 0x01
	oggBOS          = 0x02
	oggEOS          = 0x04
	oggNoGranule    = math.MaxUint64 // no packet ends on the page
	opusRate        = 48000
	oggMaxSegments  = 255
	opusHeadMinSize = 19
)

// oggCRCTable is the CRC-32 of Ogg pages: polynomial 0x04c11db7, no
// reflection, initial value 0, no final xor.
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(crc uint32, b []byte) uint32 {
	for _, c := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}

// ReadOgg returns the Opus packets of an Ogg file, as opusenc, ffmpeg and
// NewOggWriter write them: packets are split by the pages' lacing values,
// several to a page or one across pages. Each packet lasts what its TOC
// byte says (RFC 6716 section 3.1), so that a loop keeps RTP timestamps
// steady even when the last page's granule position trims the end (the
// decoder drops those samples; the packets still carry them). Only the
// first Opus stream of the file is read.
func ReadOgg(path string) ([]Frame, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readOgg(path, b)
}

// readOggPackets calls f with each whole packet of the first Opus stream
// in b, in order, checking the pages' framing and CRCs.
func readOggPackets(path string, b []byte, f func(p []byte) error) error {
	var serial uint32
	haveStream := false
	var partial []byte // a packet continued on the next page
	var lastSeq uint32
	for off := 0; off < len(b); {
		if len(b)-off < oggHeaderLen || string(b[off:off+4]) != "OggS" {
			return formatError(path, fmt.Sprintf("no Ogg page at byte %d", off), nil)
		}
		h := b[off : off+oggHeaderLen]
		if h[4] != 0 {
			return formatError(path, fmt.Sprintf("Ogg version %d at byte %d", h[4], off), nil)
		}
		flags := h[5]
		pageSerial := binary.LittleEndian.Uint32(h[14:18])
		seq := binary.LittleEndian.Uint32(h[18:22])
		crc := binary.LittleEndian.Uint32(h[22:26])
		nseg := int(h[26])
		if len(b)-off < oggHeaderLen+nseg {
			return formatError(path, fmt.Sprintf("Ogg page at byte %d cut short", off), nil)
		}
		lacing := b[off+oggHeaderLen : off+oggHeaderLen+nseg]
		size := 0
		for _, l := range lacing {
			size += int(l)
		}
		end := off + oggHeaderLen + nseg + size
		if end > len(b) {
			return formatError(path, fmt.Sprintf("Ogg page at byte %d cut short", off), nil)
		}
		page := b[off:end]
		sum := oggCRC(0, page[:22])
		sum = oggCRC(sum, []byte{0, 0, 0, 0})
		sum = oggCRC(sum, page[26:])
		if sum != crc {
			return formatError(path, fmt.Sprintf("Ogg page at byte %d fails its CRC", off), nil)
		}
		body := page[oggHeaderLen+nseg:]
		off = end

		if !haveStream {
			// The Opus stream starts with a BOS page holding only OpusHead.
			if flags&oggBOS == 0 || len(body) < 8 || string(body[:8]) != "OpusHead" {
				continue
			}
			serial, haveStream = pageSerial, true
		} else if pageSerial != serial {
			continue // another logical stream
		} else if seq != lastSeq+1 {
			return formatError(path, fmt.Sprintf("Ogg page %d follows page %d: pages missing", seq, lastSeq), nil)
		}
		lastSeq = seq
		if flags&oggContinued == 0 && len(partial) > 0 {
			return formatError(path, fmt.Sprintf("Ogg page %d does not continue the packet before it", seq), nil)
		}
		if flags&oggContinued != 0 && partial == nil {
			// A continued packet whose start we did not see: skip its rest.
			for len(lacing) > 0 && lacing[0] == 255 {
				body, lacing = body[255:], lacing[1:]
			}
			if len(lacing) > 0 {
				body, lacing = body[lacing[0]:], lacing[1:]
			}
		}
		for _, l := range lacing {
			partial = append(partial, body[:l]...)
			body = body[l:]
			if l < 255 {
				p := partial
				partial = nil
				if err := f(p); err != nil {
					return err
				}
			}
		}
		if flags&oggEOS != 0 {
			break
		}
	}
	if !haveStream {
		return formatError(path, "not an Ogg Opus file (no OpusHead page)", nil)
	}
	if len(partial) > 0 {
		return formatError(path, "the last Ogg packet is cut short", nil)
	}
	return nil
}

// readOgg returns the audio packets of the first Opus stream in b.
func readOgg(path string, b []byte) ([]Frame, error) {
	var out []Frame
	n := 0
	err := readOggPackets(path, b, func(p []byte) error {
		n++
		switch n {
		case 1:
			if len(p) < opusHeadMinSize || string(p[:8]) != "OpusHead" || p[8]&0xf0 != 0 || p[9] == 0 {
				return formatError(path, "bad OpusHead", nil)
			}
			return nil
		case 2:
			if len(p) < 8 || string(p[:8]) != "OpusTags" {
				return formatError(path, "no OpusTags after OpusHead", nil)
			}
			return nil
		}
		d, ok := opusDuration(p)
		if !ok {
			return formatError(path, fmt.Sprintf("Opus packet %d has no valid TOC", len(out)), nil)
		}
		out = append(out, Frame{Data: p, Duration: d, KeyFrame: true})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, formatError(path, "no Opus packets", nil)
	}
	return out, nil
}

// OpusPacketDuration is the play time of one Opus packet, read from its TOC
// byte (RFC 6716 section 3.1): the frame size of its configuration times its
// frame count. It reports false for a packet it cannot read.
func OpusPacketDuration(p []byte) (time.Duration, bool) { return opusDuration(p) }

// opusDuration is the play time of one Opus packet from its TOC byte: the
// frame size of its configuration times its frame count.
func opusDuration(p []byte) (time.Duration, bool) {
	if len(p) == 0 {
		return 0, false
	}
	config := int(p[0] >> 3)
	var frame time.Duration
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [...]time.Duration{10, 20, 40, 60}[config%4] * time.Millisecond
	case config < 16: // hybrid: 10, 20 ms
		frame = [...]time.Duration{10, 20}[config%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [...]time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
	}
	var frames int
	switch p[0] & 3 {
	case 0:
		frames = 1
	case 1, 2:
		frames = 2
	default:
		if len(p) < 2 || p[1]&0x3f == 0 {
			return 0, false
		}
		frames = int(p[1] & 0x3f)
	}
	d := time.Duration(frames) * frame
	return d, d <= 120*time.Millisecond
}

// OggOptions configures an OggWriter. The zero value writes stereo with no
// pre-skip, one packet per page.
type OggOptions struct {
	// Channels in OpusHead: 1 or 2 (0: 2, as WebRTC signals Opus).
	Channels int
	// PreSkip is how many samples at 48 kHz the decoder drops at the
	// start.
	PreSkip uint16
	// PageDuration is how much audio a page gathers before it is written
	// (0: each packet on its own page). Larger pages cost less space;
	// whatever a page has not written yet is lost if the program dies.
	PageDuration time.Duration
	// Serial is the stream's serial number (0: 0x5d0c1e47).
	Serial uint32
	// Vendor is the OpusTags vendor string (empty: "mediasoup-client-go").
	Vendor string
}

// OggWriter writes Opus packets to an Ogg Opus file (RFC 7845). Its methods
// are safe for concurrent use.
type OggWriter struct {
	mu        sync.Mutex
	f         *os.File
	w         *bufio.Writer
	path      string
	opts      OggOptions
	seq       uint32
	granule   uint64        // samples at 48 kHz of the packets given so far
	elapsed   time.Duration // their duration
	pending   []oggPacket   // packets of the page being gathered
	pendStart time.Duration // elapsed when the page's first packet began
	closed    bool
	err       error
}

// NewOggWriter creates path and writes the Ogg Opus headers.
func NewOggWriter(path string, opts OggOptions) (*OggWriter, error) {
	if opts.Channels == 0 {
		opts.Channels = 2
	}
	if opts.Channels < 1 || opts.Channels > 2 {
		return nil, fmt.Errorf("%w: %s: %d channels (want 1 or 2)", ErrFormat, path, opts.Channels)
	}
	if opts.Serial == 0 {
		opts.Serial = 0x5d0c1e47
	}
	if opts.Vendor == "" {
		opts.Vendor = "mediasoup-client-go"
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &OggWriter{f: f, w: bufio.NewWriter(f), path: path, opts: opts}
	head := make([]byte, opusHeadMinSize)
	copy(head, "OpusHead")
	head[8] = 1 // version
	head[9] = byte(opts.Channels)
	binary.LittleEndian.PutUint16(head[10:], opts.PreSkip)
	binary.LittleEndian.PutUint32(head[12:], opusRate) // input sample rate
	// Output gain 0 and channel mapping family 0 are zero bytes.
	tags := make([]byte, 0, 16+len(opts.Vendor))
	tags = append(tags, "OpusTags"...)
	tags = binary.LittleEndian.AppendUint32(tags, uint32(len(opts.Vendor)))
	tags = append(tags, opts.Vendor...)
	tags = binary.LittleEndian.AppendUint32(tags, 0) // no user comments
	if err := w.writePages([]oggPacket{{data: head}}, oggBOS); err == nil {
		err = w.writePages([]oggPacket{{data: tags}}, 0)
	}
	if err == nil {
		err = w.w.Flush()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	w.granule = uint64(opts.PreSkip)
	return w, nil
}

// WriteSample appends one Opus packet. Its Duration sets the granule
// position (at 48 kHz); a sample without one lasts what its TOC byte says.
// A packet without a valid TOC byte fails with ErrFormat.
func (w *OggWriter) WriteSample(s *msc.Sample) error {
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
	toc, ok := opusDuration(s.Data)
	if !ok {
		return fmt.Errorf("%w: %s: Opus packet of %d bytes has no valid TOC byte", ErrFormat, w.path, len(s.Data))
	}
	d := s.Duration
	if d <= 0 {
		d = toc
	}
	if len(w.pending) > 0 && w.elapsed-w.pendStart >= w.opts.PageDuration {
		if w.err = w.flushPage(0); w.err != nil {
			return w.err
		}
	}
	if len(w.pending) == 0 {
		w.pendStart = w.elapsed
	}
	w.elapsed += d
	w.granule = uint64(w.opts.PreSkip) + uint64((w.elapsed*opusRate+time.Second/2)/time.Second)
	w.pending = append(w.pending, oggPacket{data: append([]byte(nil), s.Data...), granule: w.granule})
	return nil
}

// oggPacket is a packet and the granule position where it ends.
type oggPacket struct {
	data    []byte
	granule uint64
}

// flushPage writes the gathered packets.
func (w *OggWriter) flushPage(flags byte) error {
	err := w.writePages(w.pending, flags)
	w.pending = w.pending[:0]
	if err == nil {
		err = w.w.Flush()
	}
	return err
}

// writePages writes packets on as few pages as hold their lacing values
// (255 a page). Each page carries the granule position of the last packet
// that ends on it, or none when none does; the first page carries BOS and
// the last EOS if flags say so.
func (w *OggWriter) writePages(packets []oggPacket, flags byte) error {
	type segment struct {
		data    []byte
		end     bool // the packet's last segment
		granule uint64
	}
	var segs []segment
	for _, p := range packets {
		d := p.data
		for len(d) >= 255 {
			segs = append(segs, segment{data: d[:255]})
			d = d[255:]
		}
		segs = append(segs, segment{data: d, end: true, granule: p.granule})
	}
	continued := false
	for first := true; first || len(segs) > 0; first = false {
		n := min(len(segs), oggMaxSegments)
		page := segs[:n]
		segs = segs[n:]
		var hdr [oggHeaderLen]byte
		copy(hdr[:], "OggS")
		if continued {
			hdr[5] |= oggContinued
		}
		if first {
			hdr[5] |= flags & oggBOS
		}
		if len(segs) == 0 {
			hdr[5] |= flags & oggEOS
		}
		pageGranule := uint64(oggNoGranule)
		if len(packets) == 0 {
			pageGranule = w.granule // an empty last page
		}
		for i := n - 1; i >= 0; i-- {
			if page[i].end {
				pageGranule = page[i].granule
				break
			}
		}
		binary.LittleEndian.PutUint64(hdr[6:], pageGranule)
		binary.LittleEndian.PutUint32(hdr[14:], w.opts.Serial)
		binary.LittleEndian.PutUint32(hdr[18:], w.seq)
		hdr[26] = byte(n)
		lacing := make([]byte, n)
		for i, s := range page {
			lacing[i] = byte(len(s.data))
		}
		crc := oggCRC(0, hdr[:])
		crc = oggCRC(crc, lacing)
		for _, s := range page {
			crc = oggCRC(crc, s.data)
		}
		binary.LittleEndian.PutUint32(hdr[22:], crc)
		if _, err := w.w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := w.w.Write(lacing); err != nil {
			return err
		}
		for _, s := range page {
			if _, err := w.w.Write(s.data); err != nil {
				return err
			}
		}
		w.seq++
		continued = n > 0 && !page[n-1].end
	}
	return nil
}

// Close writes the last page, marked as the end of the stream, and closes
// the file. Calling it again returns nil.
func (w *OggWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.err
	if err == nil {
		err = w.flushPage(oggEOS)
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
