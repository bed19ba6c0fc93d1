package testbed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// ErrClosed is returned by calls on a closed client or after the connection
// dropped.
var ErrClosed = errors.New("testbed: signaling connection closed")

// ServerError is a request the server answered with ok:false.
type ServerError struct {
	// Method is the request's method.
	Method string
	// Name is the server-side error class (RequestError, TypeError, ...).
	Name string
	// Message is the server's error message.
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("testbed: %s: %s: %s", e.Method, e.Name, e.Message)
}

// Response is one raw response frame, as CallRaw returns it.
type Response struct {
	Response  bool            `json:"response"`
	ID        json.RawMessage `json:"id"`
	OK        bool            `json:"ok"`
	Data      json.RawMessage `json:"data,omitempty"`
	Error     string          `json:"error,omitempty"`
	ErrorName string          `json:"errorName,omitempty"`
}

// Notification is a message the server sends on its own.
type Notification struct {
	// Seq numbers the client's notifications from 1, in arrival order.
	Seq uint64 `json:"-"`
	// Method names the notification (see the Notify constants).
	Method string `json:"method"`
	// Data is the payload; see Decode.
	Data json.RawMessage `json:"data"`
}

// Decode unmarshals the notification's data into v.
func (n Notification) Decode(v any) error {
	if err := json.Unmarshal(n.Data, v); err != nil {
		return fmt.Errorf("testbed: decoding %s: %w", n.Method, err)
	}
	return nil
}

// DefaultHistoryLimit is the number of notifications a client keeps when
// ClientOptions.HistoryLimit is 0.
const DefaultHistoryLimit = 1024

// ClientOptions configure a Client. The zero value is ready to use.
//
// Notification callbacks run one at a time, in arrival order, on a
// goroutine of the client's own (never on the goroutine reading the
// connection), so they may make requests on the same client. Set them here
// rather than later to see every notification. A callback that blocks
// holds up the ones after it, not the responses.
type ClientOptions struct {
	// OnNotification is called for every notification, after the typed
	// callback (if any).
	OnNotification func(Notification)
	// OnNewProducer: another peer of the room produced.
	OnNewProducer func(ProducerInfo)
	// OnNewDataProducer: another peer (or the room's DirectTransport)
	// produced data.
	OnNewDataProducer func(DataProducerInfo)
	// OnConsumerClosed: a consumer's producer or transport closed.
	OnConsumerClosed func(ConsumerClosed)
	// OnConsumerPaused: a consumer's producer paused.
	OnConsumerPaused func(ConsumerEvent)
	// OnConsumerResumed: a consumer's producer resumed.
	OnConsumerResumed func(ConsumerEvent)
	// OnConsumerLayersChanged: a simulcast or SVC consumer's current layers
	// changed.
	OnConsumerLayersChanged func(ConsumerLayersChanged)
	// OnDataConsumerClosed: a data consumer's data producer or transport
	// closed.
	OnDataConsumerClosed func(DataConsumerClosed)
	// OnDecodeError receives notifications a typed callback could not
	// decode; nil ignores them.
	OnDecodeError func(Notification, error)

	// HistoryLimit is how many of the latest notifications are kept for
	// NotificationHistory and WaitNotification: 0 means
	// DefaultHistoryLimit, a negative value keeps none. Older ones are
	// dropped, so a client can run for days.
	HistoryLimit int
	// ReadLimit bounds the size of one message from the server (default
	// 64 MiB).
	ReadLimit int64
}

// Client is a signaling connection to the test server. Its methods are safe
// for concurrent use; each takes a context bounding it.
type Client struct {
	conn *websocket.Conn
	opts ClientOptions

	// PeerID is the ID the server gave this client on join.
	PeerID string
	// Joined is the answer to join.
	Joined JoinResult

	nextID  atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan *Response
	err     error
	done    chan struct{}

	rawMu sync.Mutex
	raw   chan *Response // responses no typed call waits for

	nmu      sync.Mutex
	seq      uint64
	history  []Notification
	limit    int
	queue    []Notification // waiting for the callbacks
	onNotif  func(Notification)
	nSignal  chan struct{} // closed and replaced on each new notification
	wake     chan struct{}
	dispDone chan struct{}

	closeOnce sync.Once
}

// Dial connects to the server's WebSocket URL (e.g. Server.URL()) without
// joining a room; see Join.
func Dial(ctx context.Context, url string, opts ClientOptions) (*Client, error) {
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("testbed: dial %s: %w", url, err)
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 64 << 20
	}
	conn.SetReadLimit(opts.ReadLimit)
	limit := opts.HistoryLimit
	if limit == 0 {
		limit = DefaultHistoryLimit
	}
	c := &Client{
		conn:     conn,
		opts:     opts,
		pending:  make(map[uint64]chan *Response),
		done:     make(chan struct{}),
		raw:      make(chan *Response, 64),
		limit:    max(limit, 0),
		onNotif:  opts.OnNotification,
		nSignal:  make(chan struct{}),
		wake:     make(chan struct{}, 1),
		dispDone: make(chan struct{}),
	}
	go c.readLoop()
	go c.dispatch()
	return c, nil
}

// Dial connects to the server and joins room ("" means "default").
func (s *Server) Dial(ctx context.Context, room string) (*Client, error) {
	return s.DialWith(ctx, room, ClientOptions{})
}

// DialWith connects to the server with opts and joins room.
func (s *Server) DialWith(ctx context.Context, room string, opts ClientOptions) (*Client, error) {
	c, err := Dial(ctx, s.URL(), opts)
	if err != nil {
		return nil, err
	}
	if _, err := c.Join(ctx, room); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// DialNoJoin connects to the server without joining a room.
func (s *Server) DialNoJoin(ctx context.Context) (*Client, error) {
	return Dial(ctx, s.URL(), ClientOptions{})
}

// Close closes the connection; the server then closes this peer's
// transports, producers and consumers. Callbacks stop being called (one
// running finishes). Idempotent.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.conn.Close(websocket.StatusNormalClosure, "")
		c.fail(ErrClosed)
	})
	return err
}

// Done is closed when the connection is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection is gone (nil while it is up).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	close(c.done)
}

func (c *Client) readLoop() {
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.fail(fmt.Errorf("%w: %v", ErrClosed, err))
			return
		}
		var probe struct {
			Response     bool `json:"response"`
			Notification bool `json:"notification"`
		}
		if json.Unmarshal(b, &probe) != nil {
			continue
		}
		switch {
		case probe.Response:
			var r Response
			if json.Unmarshal(b, &r) == nil {
				c.deliver(&r)
			}
		case probe.Notification:
			var n Notification
			if json.Unmarshal(b, &n) == nil {
				c.record(n)
			}
		}
	}
}

// record numbers a notification, keeps it in the history and queues it for
// the callbacks.
func (c *Client) record(n Notification) {
	c.nmu.Lock()
	c.seq++
	n.Seq = c.seq
	if c.limit > 0 {
		c.history = append(c.history, n)
		if len(c.history) >= 2*c.limit {
			c.history = append([]Notification(nil), c.history[len(c.history)-c.limit:]...)
		}
	}
	if c.hasCallbacks() {
		c.queue = append(c.queue, n)
	}
	close(c.nSignal)
	c.nSignal = make(chan struct{})
	c.nmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// hasCallbacks reports whether any callback is set; c.nmu is held.
func (c *Client) hasCallbacks() bool {
	o := &c.opts
	return c.onNotif != nil || o.OnNewProducer != nil || o.OnNewDataProducer != nil || o.OnConsumerClosed != nil ||
		o.OnConsumerPaused != nil || o.OnConsumerResumed != nil || o.OnConsumerLayersChanged != nil || o.OnDataConsumerClosed != nil
}

func (c *Client) deliver(r *Response) {
	if id, err := strconv.ParseUint(string(r.ID), 10, 64); err == nil {
		c.mu.Lock()
		ch, ok := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if ok {
			ch <- r
			return
		}
	}
	select {
	case c.raw <- r:
	default: // nobody waits for it
	}
}

// dispatch runs the callbacks for queued notifications, in order, until the
// connection is gone.
func (c *Client) dispatch() {
	defer close(c.dispDone)
	for {
		c.nmu.Lock()
		if len(c.queue) == 0 {
			c.queue = nil // let a burst's backing array go
			c.nmu.Unlock()
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		n := c.queue[0]
		c.queue = c.queue[1:]
		all := c.onNotif
		c.nmu.Unlock()
		select {
		case <-c.done:
			return
		default:
		}
		c.runTyped(n)
		if all != nil {
			all(n)
		}
	}
}

func typed[T any](c *Client, n Notification, fn func(T)) {
	if fn == nil {
		return
	}
	var v T
	if err := n.Decode(&v); err != nil {
		if c.opts.OnDecodeError != nil {
			c.opts.OnDecodeError(n, err)
		}
		return
	}
	fn(v)
}

func (c *Client) runTyped(n Notification) {
	o := &c.opts
	switch n.Method {
	case NotifyNewProducer:
		typed(c, n, o.OnNewProducer)
	case NotifyNewDataProducer:
		typed(c, n, o.OnNewDataProducer)
	case NotifyConsumerClosed:
		typed(c, n, o.OnConsumerClosed)
	case NotifyConsumerPaused:
		typed(c, n, o.OnConsumerPaused)
	case NotifyConsumerResumed:
		typed(c, n, o.OnConsumerResumed)
	case NotifyConsumerLayersChanged:
		typed(c, n, o.OnConsumerLayersChanged)
	case NotifyDataConsumerClosed:
		typed(c, n, o.OnDataConsumerClosed)
	}
}

// OnNotification sets (nil: removes) the callback called for every
// notification that arrives from now on, as ClientOptions.OnNotification.
func (c *Client) OnNotification(fn func(Notification)) {
	c.nmu.Lock()
	c.onNotif = fn
	c.nmu.Unlock()
}

// NotificationHistory returns the notifications kept so far, oldest first:
// the last ClientOptions.HistoryLimit at least.
func (c *Client) NotificationHistory() []Notification {
	c.nmu.Lock()
	defer c.nmu.Unlock()
	h := c.history
	if len(h) > c.limit {
		h = h[len(h)-c.limit:]
	}
	return append([]Notification(nil), h...)
}

// NotificationCount is the number of notifications received so far
// (including those dropped from the history).
func (c *Client) NotificationCount() uint64 {
	c.nmu.Lock()
	defer c.nmu.Unlock()
	return c.seq
}

// WaitNotification returns the first notification in the history (earlier
// ones included) or arriving later whose method is method and for which
// match (if not nil) returns true, waiting until ctx ends or the
// connection is gone. It consumes nothing: two waits may return the same
// notification.
func (c *Client) WaitNotification(ctx context.Context, method string, match func(Notification) bool) (Notification, error) {
	return c.WaitNotificationAfter(ctx, 0, method, match)
}

// WaitNotificationAfter is WaitNotification for notifications whose Seq is
// greater than after (see NotificationCount): those that arrive after a
// given point.
func (c *Client) WaitNotificationAfter(ctx context.Context, after uint64, method string, match func(Notification) bool) (Notification, error) {
	seen := after
	for {
		c.nmu.Lock()
		var fresh []Notification
		for i := len(c.history) - 1; i >= 0 && c.history[i].Seq > seen; i-- {
			fresh = c.history[i:]
		}
		fresh = append([]Notification(nil), fresh...)
		seen = max(seen, c.seq)
		sig := c.nSignal
		c.nmu.Unlock()
		for _, n := range fresh {
			if n.Method == method && (match == nil || match(n)) {
				return n, nil
			}
		}
		select {
		case <-sig:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("testbed: waiting for notification %s: %w", method, ctx.Err())
		case <-c.done:
			return Notification{}, fmt.Errorf("testbed: waiting for notification %s: %w", method, c.Err())
		}
	}
}

// Call sends a request and decodes the response's data into out (when not
// nil). A request the server refuses returns a *ServerError.
func (c *Client) Call(ctx context.Context, method string, data, out any) error {
	if data == nil {
		data = struct{}{}
	}
	id := c.nextID.Add(1)
	msg, err := json.Marshal(struct {
		ID     uint64 `json:"id"`
		Method string `json:"method"`
		Data   any    `json:"data"`
	}{id, method, data})
	if err != nil {
		return fmt.Errorf("testbed: %s: encoding request: %w", method, err)
	}
	ch := make(chan *Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("testbed: %s: %w", method, err)
	}
	c.pending[id] = ch
	c.mu.Unlock()
	drop := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	if err := c.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		drop()
		return fmt.Errorf("testbed: %s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("testbed: %s: %w", method, ErrClosed)
		}
		if !r.OK {
			return &ServerError{Method: method, Name: r.ErrorName, Message: r.Error}
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("testbed: %s: decoding response: %w", method, err)
		}
		return nil
	case <-ctx.Done():
		drop()
		return fmt.Errorf("testbed: %s: %w", method, ctx.Err())
	}
}

// CallRaw sends text exactly as given (it may be malformed) and returns the
// next response no typed call is waiting for. Raw calls are serialized.
func (c *Client) CallRaw(ctx context.Context, text []byte) (*Response, error) {
	c.rawMu.Lock()
	defer c.rawMu.Unlock()
	for drained := false; !drained; { // drop stale unmatched responses
		select {
		case <-c.raw:
		default:
			drained = true
		}
	}
	if err := c.conn.Write(ctx, websocket.MessageText, bytes.Clone(text)); err != nil {
		return nil, fmt.Errorf("testbed: raw request: %w", err)
	}
	select {
	case r := <-c.raw:
		return r, nil
	case <-c.done:
		return nil, fmt.Errorf("testbed: raw request: %w", ErrClosed)
	case <-ctx.Done():
		return nil, fmt.Errorf("testbed: raw request: %w", ctx.Err())
	}
}
