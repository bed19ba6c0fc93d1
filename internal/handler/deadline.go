package handler

import (
	"sync"
	"time"
)

// Deadline is a read deadline that may change while a read waits for its
// receiver to start: both handlers' track readers keep it until the
// receiver can take it. The zero value has no deadline.
type Deadline struct {
	mu      sync.Mutex
	t       time.Time
	changed chan struct{}
}

// Set sets the deadline (the zero time means none) and wakes waiters.
func (d *Deadline) Set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t = t
	if d.changed != nil {
		close(d.changed)
		d.changed = nil
	}
}

// Get returns the deadline.
func (d *Deadline) Get() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.t
}

// Wait blocks until ready or stop is closed (it returns nil; a nil channel
// never is), or the deadline passes (ErrDeadline). A deadline set while it
// waits counts from then on.
func (d *Deadline) Wait(ready, stop <-chan struct{}) error {
	for {
		select {
		case <-ready:
			return nil
		case <-stop:
			return nil
		default:
		}
		d.mu.Lock()
		t := d.t
		if d.changed == nil {
			d.changed = make(chan struct{})
		}
		changed := d.changed
		d.mu.Unlock()
		var expired <-chan time.Time
		var timer *time.Timer
		if !t.IsZero() {
			wait := time.Until(t)
			if wait <= 0 {
				return ErrDeadline
			}
			timer = time.NewTimer(wait)
			expired = timer.C
		}
		select {
		case <-ready:
		case <-stop:
		case <-changed:
		case <-expired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}
