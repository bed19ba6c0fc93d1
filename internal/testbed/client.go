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

// ServerError is an ok:false response.
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

// Notification is a server-initiated message.
type Notification struct {
	Method string          `json:"method"`
	Data   json.RawMessage `json:"data"`
}

// Decode unmarshals the notification's data into v.
func (n Notification) Decode(v any) error { return json.Unmarshal(n.Data, v) }

// Client is a signaling connection to the test server, joined to one room.
type Client struct {
	conn *websocket.Conn

	// PeerID is the ID the server gave this client on join.
	PeerID string
	// Joined is the join response.
	Joined JoinResult

	nextID  atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan *Response
	err     error
	done    chan struct{}

	rawMu sync.Mutex
	raw   chan *Response // responses no typed call waits for

	nmu     sync.Mutex
	history []Notification
	queueCh []Notification
	queueCB []Notification
	nSignal chan struct{} // closed and replaced on each new notification
	onNotif func(Notification)
	notifCh chan Notification
	sigCh   chan struct{}
	sigCB   chan struct{}

	closeOnce sync.Once
}

// Dial connects to the server and joins room ("" means "default").
func (s *Server) Dial(ctx context.Context, room string) (*Client, error) {
	c, err := s.DialNoJoin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.Join(ctx, room); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// DialNoJoin connects to the server without joining a room.
func (s *Server) DialNoJoin(ctx context.Context) (*Client, error) {
	conn, _, err := websocket.Dial(ctx, s.URL(), nil)
	if err != nil {
		return nil, fmt.Errorf("testbed: dial %s: %w", s.URL(), err)
	}
	conn.SetReadLimit(64 << 20)
	c := &Client{
		conn:    conn,
		pending: make(map[uint64]chan *Response),
		done:    make(chan struct{}),
		raw:     make(chan *Response, 64),
		nSignal: make(chan struct{}),
		notifCh: make(chan Notification),
		sigCh:   make(chan struct{}, 1),
		sigCB:   make(chan struct{}, 1),
	}
	go c.readLoop()
	go c.pumpChannel()
	go c.pumpCallback()
	return c, nil
}

// Close closes the connection; the server then closes this peer's
// transports.
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
			if json.Unmarshal(b, &r) != nil {
				continue
			}
			c.deliver(&r)
		case probe.Notification:
			var n Notification
			if json.Unmarshal(b, &n) != nil {
				continue
			}
			c.nmu.Lock()
			c.history = append(c.history, n)
			c.queueCh = append(c.queueCh, n)
			if c.onNotif != nil {
				c.queueCB = append(c.queueCB, n)
			}
			close(c.nSignal)
			c.nSignal = make(chan struct{})
			c.nmu.Unlock()
			for _, sig := range []chan struct{}{c.sigCh, c.sigCB} {
				select {
				case sig <- struct{}{}:
				default:
				}
			}
		}
	}
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

// pumpChannel offers queued notifications on the channel, in order, without
// ever blocking the read loop.
func (c *Client) pumpChannel() {
	defer close(c.notifCh)
	for {
		c.nmu.Lock()
		if len(c.queueCh) == 0 {
			c.nmu.Unlock()
			select {
			case <-c.sigCh:
				continue
			case <-c.done:
				return
			}
		}
		n := c.queueCh[0]
		c.queueCh = c.queueCh[1:]
		c.nmu.Unlock()
		select {
		case c.notifCh <- n:
		case <-c.done:
			return
		}
	}
}

// pumpCallback runs the OnNotification callback for queued notifications, in
// order, independently of the channel's reader.
func (c *Client) pumpCallback() {
	for {
		c.nmu.Lock()
		if len(c.queueCB) == 0 {
			c.nmu.Unlock()
			select {
			case <-c.sigCB:
				continue
			case <-c.done:
				return
			}
		}
		n := c.queueCB[0]
		c.queueCB = c.queueCB[1:]
		cb := c.onNotif
		c.nmu.Unlock()
		if cb != nil {
			cb(n)
		}
	}
}

// Notifications returns the channel of server notifications, in arrival
// order. Unread notifications queue up without blocking responses; the
// channel is closed when the connection ends.
func (c *Client) Notifications() <-chan Notification { return c.notifCh }

// OnNotification sets a callback run, in order, for each notification that
// arrives from now on. It runs on a goroutine of the client's own, not on
// the read loop, and independently of Notifications().
func (c *Client) OnNotification(fn func(Notification)) {
	c.nmu.Lock()
	c.onNotif = fn
	c.nmu.Unlock()
}

// NotificationHistory returns every notification received so far.
func (c *Client) NotificationHistory() []Notification {
	c.nmu.Lock()
	defer c.nmu.Unlock()
	return append([]Notification(nil), c.history...)
}

// WaitNotification returns the first notification received since the
// connection opened (earlier ones included) whose method is method and for
// which match (if not nil) returns true, waiting for it until ctx ends.
// It does not consume anything from Notifications().
func (c *Client) WaitNotification(ctx context.Context, method string, match func(Notification) bool) (Notification, error) {
	seen := 0
	for {
		c.nmu.Lock()
		hist := c.history[seen:]
		seen = len(c.history)
		sig := c.nSignal
		c.nmu.Unlock()
		for _, n := range hist {
			if n.Method == method && (match == nil || match(n)) {
				return n, nil
			}
		}
		select {
		case <-sig:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("testbed: waiting for notification %s: %w", method, ctx.Err())
		case <-c.done:
			return Notification{}, fmt.Errorf("testbed: waiting for notification %s: %w", method, c.err)
		}
	}
}

// Call sends a request and decodes the response data into out (when not
// nil). An ok:false answer is a *ServerError.
func (c *Client) Call(ctx context.Context, method string, data, out any) error {
	raw, err := c.call(ctx, method, data)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("testbed: %s: decoding response: %w", method, err)
	}
	return nil
}

func (c *Client) call(ctx context.Context, method string, data any) (json.RawMessage, error) {
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
		return nil, fmt.Errorf("testbed: %s: encoding request: %w", method, err)
	}
	ch := make(chan *Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
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
		return nil, fmt.Errorf("testbed: %s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("testbed: %s: %w", method, ErrClosed)
		}
		if !r.OK {
			return nil, &ServerError{Method: method, Name: r.ErrorName, Message: r.Error}
		}
		return r.Data, nil
	case <-ctx.Done():
		drop()
		return nil, fmt.Errorf("testbed: %s: %w", method, ctx.Err())
	}
}

// CallRaw sends text exactly as given (it may be malformed) and returns the
// next response that no typed call is waiting for. Raw calls are serialized.
func (c *Client) CallRaw(ctx context.Context, text []byte) (*Response, error) {
	c.rawMu.Lock()
	defer c.rawMu.Unlock()
	// Drop stale unmatched responses.
	for {
		select {
		case <-c.raw:
			continue
		default:
		}
		break
	}
	if err := c.conn.Write(ctx, websocket.MessageText, bytes.Clone(text)); err != nil {
		return nil, fmt.Errorf("testbed: raw request: %w", err)
	}
	select {
	case r := <-c.raw:
		return r, nil
	case <-c.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("testbed: raw request: %w", ctx.Err())
	}
}
