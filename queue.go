package mediasoupclient

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// opKind groups operations that can share one renegotiation.
type opKind int

const (
	opSingle opKind = iota
	opConsume
	opStopReceiving
)

// op is one queued transport operation. Its result is delivered once; a
// caller that gives up (context done) marks it abandoned so that the
// dispatcher cleans up what the operation created.
type op struct {
	kind opKind
	ctx  context.Context
	// run executes a single operation; the cleanup it returns undoes the
	// operation if its caller gave up meanwhile.
	run func(ctx context.Context) (cleanup func(), err error)
	// payload of batched operations.
	consume *consumeRequest
	stopMID string

	mu        sync.Mutex
	done      chan struct{}
	err       error
	delivered bool
	abandoned bool
	// cleanup undoes the operation's effect when nobody took its result.
	cleanup func()
}

func newOp(ctx context.Context, kind opKind) *op {
	return &op{ctx: ctx, kind: kind, done: make(chan struct{})}
}

// finish delivers the result, or runs cleanup if the caller gave up. An
// operation that failed because its batch's merged context ended reports
// its own context's error instead.
func (o *op) finish(err error, cleanup func()) {
	if err != nil && errors.Is(err, context.Canceled) {
		if own := o.ctx.Err(); own != nil && !errors.Is(err, own) {
			err = fmt.Errorf("%w (%v)", own, err)
		}
	}
	o.mu.Lock()
	o.err = err
	if o.abandoned {
		o.mu.Unlock()
		if err == nil && cleanup != nil {
			cleanup()
		}
		close(o.done)
		return
	}
	o.delivered = true
	o.mu.Unlock()
	close(o.done)
}

// wait blocks until the result or the caller's context, whichever first.
func (o *op) wait(ctx context.Context) error {
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.delivered {
			return o.err
		}
		o.abandoned = true
		return ctx.Err()
	}
}

// queue runs a transport's operations one after another on a dispatcher
// goroutine that exists only while work is pending. Consecutive consume
// operations (and consecutive consumer closes) are handed over as one batch,
// so they cost one renegotiation.
type queue struct {
	mu      sync.Mutex
	pending []*op
	running bool
	closed  bool
	wg      sync.WaitGroup
	exec    func(batch []*op)
	// arriving counts callers that are preparing an operation and about to
	// push it; the dispatcher waits for them before it takes a batch.
	arriving func() int64
	// gid is the dispatcher goroutine's id while it runs (0 otherwise).
	gid atomic.Int64
}

func newQueue(exec func(batch []*op)) *queue { return &queue{exec: exec} }

// push enqueues o; it reports false when the queue is closed.
func (q *queue) push(o *op) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.pending = append(q.pending, o)
	if !q.running {
		q.running = true
		q.wg.Add(1)
		go q.loop()
	}
	return true
}

func (q *queue) loop() {
	defer q.wg.Done()
	q.gid.Store(goroutineID())
	defer q.gid.Store(0)
	first := true
	for {
		if first {
			// Let callers that are about to enqueue do so: concurrent
			// Consume calls then land in the same batch.
			q.settle()
			first = false
		}
		q.mu.Lock()
		if len(q.pending) == 0 || q.closed {
			q.running = false
			q.gid.Store(0)
			q.mu.Unlock()
			return
		}
		n := 1
		if k := q.pending[0].kind; k != opSingle {
			for n < len(q.pending) && q.pending[n].kind == k {
				n++
			}
		}
		batch := make([]*op, n)
		copy(batch, q.pending[:n])
		q.pending = append(q.pending[:0], q.pending[n:]...)
		q.mu.Unlock()
		q.exec(batch)
	}
}

// settle waits, before a batch is taken, for callers that are about to
// enqueue. A lone caller (one op, nobody preparing) goes on at once; once
// concurrency shows, it waits until no operation arrived for quietWindow,
// at most maxSettle.
func (q *queue) settle() {
	const quietWindow, maxSettle = 2 * time.Millisecond, 50 * time.Millisecond
	start := time.Now()
	last, quietSince, concurrent := -1, start, false
	for time.Since(start) < maxSettle {
		q.mu.Lock()
		n := len(q.pending)
		q.mu.Unlock()
		arriving := q.arriving != nil && q.arriving() > 0
		if n > 1 || arriving {
			concurrent = true
		}
		switch {
		case n != last || arriving:
			last, quietSince = n, time.Now()
		case !concurrent || time.Since(quietSince) >= quietWindow:
			return
		}
		if concurrent {
			time.Sleep(50 * time.Microsecond)
		} else {
			runtime.Gosched()
		}
	}
}

// close stops accepting work, returns what was still pending and, when
// wait is set, waits for the running batch to end (a caller running on the
// dispatcher must not wait for itself).
func (q *queue) close(wait bool) []*op {
	q.mu.Lock()
	q.closed = true
	left := q.pending
	q.pending = nil
	q.mu.Unlock()
	if wait {
		q.wg.Wait()
	}
	return left
}

// onDispatcher reports whether the caller runs on the dispatcher goroutine
// (inside an operation's hook).
func (q *queue) onDispatcher() bool {
	id := q.gid.Load()
	return id != 0 && id == goroutineID()
}

// goroutineID returns the current goroutine's id, read from the first line
// of its stack trace ("goroutine 123 [running]:").
func goroutineID() int64 {
	var buf [40]byte
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) <= len(prefix) {
		return 0
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
