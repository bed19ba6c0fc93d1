package mediasoupclient

import "sync"

// keyFrameRouter sends a send transport's key frame requests to the
// producer that owns the requested SSRC.
type keyFrameRouter struct {
	mu     sync.Mutex
	bySSRC map[uint32]keyFrameTarget
}

type keyFrameTarget struct {
	p   *Producer
	rid string
}

func newKeyFrameRouter() *keyFrameRouter {
	return &keyFrameRouter{bySSRC: map[uint32]keyFrameTarget{}}
}

// add routes the producer's encodings; rids are the layers' RIDs in
// encoding order (nil without simulcast).
func (r *keyFrameRouter) add(p *Producer, rids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range p.rtp.Encodings {
		var rid string
		if i < len(rids) {
			rid = rids[i]
		}
		r.bySSRC[e.SSRC] = keyFrameTarget{p: p, rid: rid}
	}
}

func (r *keyFrameRouter) remove(p *Producer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ssrc, t := range r.bySSRC {
		if t.p == p {
			delete(r.bySSRC, ssrc)
		}
	}
}

// request is called on pion's RTCP goroutine for each PLI or FIR.
func (r *keyFrameRouter) request(ssrc uint32) {
	r.mu.Lock()
	t, ok := r.bySSRC[ssrc]
	r.mu.Unlock()
	if ok {
		t.p.onKeyFrameRequest.fire(t.rid)
	}
}

// stringCallback holds a func(string) callback set from any goroutine.
type stringCallback struct {
	mu sync.Mutex
	f  func(string)
}

func (c *stringCallback) set(f func(string)) { c.mu.Lock(); c.f = f; c.mu.Unlock() }

func (c *stringCallback) fire(s string) {
	c.mu.Lock()
	f := c.f
	c.mu.Unlock()
	if f != nil {
		f(s)
	}
}
