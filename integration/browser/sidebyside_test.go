package browser

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	msc "github.com/soupkit/mediasoup-client-go"
)

// logSideBySide logs two sides' RTP parameters aspect by aspect (codec,
// RTX, RTCP feedback, header extensions, encodings, RTCP), marking the
// aspects that differ with "<>" so a mismatch shows at a glance. Payload
// types, header extension IDs and SSRCs are shown but, where each side
// picks its own, left out of the comparison.
func logSideBySide(t testing.TB, title, leftName string, left msc.RTPParameters, rightName string, right msc.RTPParameters) {
	t.Helper()
	type row struct{ aspect, l, r, lKey, rKey string }
	var rows []row
	add := func(aspect string, l, r, lKey, rKey string) {
		rows = append(rows, row{aspect, l, r, lKey, rKey})
	}
	lm, lr := splitCodecs(left)
	rm, rr := splitCodecs(right)
	add("codec", codecStr(lm, true), codecStr(rm, true), codecStr(lm, false), codecStr(rm, false))
	add("rtx", codecStr(lr, true), codecStr(rr, true), rtxKey(lr), rtxKey(rr))
	add("rtcp-fb", fbStr(lm), fbStr(rm), fbStr(lm), fbStr(rm))
	lh, rh := extMap(left), extMap(right)
	uris := map[string]bool{}
	for u := range lh {
		uris[u] = true
	}
	for u := range rh {
		uris[u] = true
	}
	sorted := make([]string, 0, len(uris))
	for u := range uris {
		sorted = append(sorted, u)
	}
	sort.Strings(sorted)
	for _, u := range sorted {
		l, lok := lh[u]
		r, rok := rh[u]
		if !lok {
			l = "-"
		}
		if !rok {
			r = "-"
		}
		add("hdrext", l, r, fmt.Sprint(lok), fmt.Sprint(rok))
	}
	add("encodings", encStr(left), encStr(right), encKey(left), encKey(right))
	add("rtcp", rtcpStr(left), rtcpStr(right), rtcpKey(left), rtcpKey(right))

	w := len(leftName)
	for _, r := range rows {
		w = max(w, len(r.l))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n   %-10s %-*s | %s\n", title, "", w, leftName, rightName)
	for _, r := range rows {
		mark := "  "
		if r.lKey != r.rKey {
			mark = "<>"
		}
		fmt.Fprintf(&b, "%s %-10s %-*s | %s\n", mark, r.aspect, w, r.l, r.r)
	}
	t.Log(b.String())
}

// splitCodecs returns the media codec (the first non-RTX one) and the RTX
// codec pointing at it, if any.
func splitCodecs(p msc.RTPParameters) (media, rtx *msc.RTPCodecParameters) {
	for i := range p.Codecs {
		c := &p.Codecs[i]
		if strings.HasSuffix(strings.ToLower(c.MimeType), "/rtx") {
			continue
		}
		if media == nil {
			media = c
		}
	}
	if media == nil {
		return nil, nil
	}
	for i := range p.Codecs {
		c := &p.Codecs[i]
		if apt, ok := c.Parameters.Int("apt"); ok && strings.HasSuffix(strings.ToLower(c.MimeType), "/rtx") && apt == int(media.PayloadType) {
			rtx = c
		}
	}
	return media, rtx
}

func codecStr(c *msc.RTPCodecParameters, withPT bool) string {
	if c == nil {
		return "-"
	}
	s := c.MimeType
	if withPT {
		s = fmt.Sprintf("%s pt=%d", s, c.PayloadType)
	}
	s = fmt.Sprintf("%s %d", s, c.ClockRate)
	if c.Channels != nil {
		s = fmt.Sprintf("%s/%d", s, *c.Channels)
	}
	if ps := paramStr(c.Parameters, withPT); ps != "" {
		s += " " + ps
	}
	return s
}

// paramStr lists codec parameters sorted; apt (an RTX codec's payload
// type) only when withPT.
func paramStr(p msc.CodecParameters, withPT bool) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k == "apt" && !withPT {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, _ := json.Marshal(p[k])
		parts[i] = k + "=" + strings.Trim(string(v), `"`)
	}
	return strings.Join(parts, ";")
}

func rtxKey(c *msc.RTPCodecParameters) string {
	if c == nil {
		return "-"
	}
	return c.MimeType
}

func fbStr(c *msc.RTPCodecParameters) string {
	if c == nil {
		return "-"
	}
	parts := make([]string, 0, len(c.RTCPFeedback))
	for _, f := range c.RTCPFeedback {
		parts = append(parts, strings.TrimSpace(f.Type+" "+f.Parameter))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}

// extMap maps each header extension URI to "id short-uri".
func extMap(p msc.RTPParameters) map[string]string {
	out := make(map[string]string, len(p.HeaderExtensions))
	for _, h := range p.HeaderExtensions {
		full := fmt.Sprintf("%d %s", h.ID, shortURI(h.URI))
		if h.Encrypt {
			full += " (encrypted)"
		}
		out[h.URI] = full
	}
	return out
}

func shortURI(u string) string {
	for _, p := range []string{"urn:ietf:params:rtp-hdrext:", "http://www.webrtc.org/experiments/rtp-hdrext/", "http://www.ietf.org/id/", "https://aomediacodec.github.io/av1-rtp-spec/"} {
		if strings.HasPrefix(u, p) {
			return strings.TrimPrefix(u, p)
		}
	}
	return u
}

func encStr(p msc.RTPParameters) string {
	parts := make([]string, 0, len(p.Encodings))
	for _, e := range p.Encodings {
		var s []string
		if e.RID != "" {
			s = append(s, "rid="+e.RID)
		}
		if e.SSRC != 0 {
			s = append(s, fmt.Sprintf("ssrc=%d", e.SSRC))
		}
		if e.RTX != nil {
			s = append(s, fmt.Sprintf("rtx=%d", e.RTX.SSRC))
		}
		if e.ScalabilityMode != "" {
			s = append(s, e.ScalabilityMode)
		}
		if e.MaxBitrate != 0 {
			s = append(s, fmt.Sprintf("max=%d", e.MaxBitrate))
		}
		if e.ScaleResolutionDownBy != 0 {
			s = append(s, fmt.Sprintf("scale=%g", e.ScaleResolutionDownBy))
		}
		if e.DTX {
			s = append(s, "dtx")
		}
		parts = append(parts, "{"+strings.Join(s, " ")+"}")
	}
	return strings.Join(parts, " ")
}

// encKey compares the encodings' shape: count, SSRC vs RID, RTX presence.
func encKey(p msc.RTPParameters) string {
	parts := make([]string, 0, len(p.Encodings))
	for _, e := range p.Encodings {
		k := ""
		if e.RID != "" {
			k += "rid"
		}
		if e.SSRC != 0 {
			k += "ssrc"
		}
		if e.RTX != nil {
			k += "+rtx"
		}
		parts = append(parts, k)
	}
	return strings.Join(parts, ",")
}

func rtcpStr(p msc.RTPParameters) string {
	s := "cname=" + p.RTCP.CNAME
	if p.RTCP.ReducedSize != nil {
		s += fmt.Sprintf(" reducedSize=%v", *p.RTCP.ReducedSize)
	}
	if p.MID != "" {
		s += " mid=" + p.MID
	}
	return s
}

func rtcpKey(p msc.RTPParameters) string {
	s := fmt.Sprintf("cname:%v", p.RTCP.CNAME != "")
	if p.RTCP.ReducedSize != nil {
		s += fmt.Sprintf(" reducedSize=%v", *p.RTCP.ReducedSize)
	}
	return s
}

// logCapsSideBySide logs what each device can receive: codecs and header
// extensions, marking entries only one side has.
func logCapsSideBySide(t testing.TB, title string, goCaps, brCaps msc.RTPCapabilities) {
	t.Helper()
	key := func(c msc.RTPCodecCapability) string {
		return fmt.Sprintf("%s %s %s", c.Kind, c.MimeType, paramStr(c.Parameters, false))
	}
	set := func(cs []msc.RTPCodecCapability) map[string]msc.RTPCodecCapability {
		m := map[string]msc.RTPCodecCapability{}
		for _, c := range cs {
			m[key(c)] = c
		}
		return m
	}
	gs, bs := set(goCaps.Codecs), set(brCaps.Codecs)
	var b strings.Builder
	fmt.Fprintf(&b, "%s (codecs: == both, G only Go, B only browser; rtcp-fb per side)\n", title)
	all := map[string]bool{}
	for k := range gs {
		all[k] = true
	}
	for k := range bs {
		all[k] = true
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fbs := func(c msc.RTPCodecCapability) string {
		cp := msc.RTPCodecParameters{RTCPFeedback: c.RTCPFeedback}
		return fbStr(&cp)
	}
	for _, k := range keys {
		g, gok := gs[k]
		br, bok := bs[k]
		switch {
		case gok && bok:
			fb := ""
			if fbs(g) != fbs(br) {
				fb = fmt.Sprintf("   <> rtcp-fb Go[%s] browser[%s]", fbs(g), fbs(br))
			}
			fmt.Fprintf(&b, "  == %s%s\n", k, fb)
		case gok:
			fmt.Fprintf(&b, "  G  %s\n", k)
		default:
			fmt.Fprintf(&b, "   B %s\n", k)
		}
	}
	hk := func(h msc.RTPHeaderExtension) string {
		return fmt.Sprintf("%s %s %s", h.Kind, shortURI(h.URI), h.Direction)
	}
	hs := map[string]int{}
	for _, h := range goCaps.HeaderExtensions {
		hs[hk(h)] |= 1
	}
	for _, h := range brCaps.HeaderExtensions {
		hs[hk(h)] |= 2
	}
	hkeys := make([]string, 0, len(hs))
	for k := range hs {
		hkeys = append(hkeys, k)
	}
	sort.Strings(hkeys)
	fmt.Fprintf(&b, "header extensions:\n")
	for _, k := range hkeys {
		fmt.Fprintf(&b, "  %s %s\n", [...]string{"", "G ", " B", "=="}[hs[k]], k)
	}
	t.Log(b.String())
}
