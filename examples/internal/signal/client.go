// Package signal is a small signaling client for the bundled mediasoup test
// server (testbed/server/server.js): JSON requests, responses and
// notifications over one WebSocket. It also wires a mediasoupclient Device
// and its transports to that signaling, the way any application does with
// its own protocol.
//
// The protocol:
//
//	request       {id, method, data}
//	response      {response: true, id, ok: true, data}
//	              {response: true, id, ok: false, error, errorName}
//	notification  {notification: true, method, data}
package signal

import (
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
var ErrClosed = errors.New("signal: connection closed")

// ServerError is a request the server answered with ok:false.
type ServerError struct {
	// Method is the request's method.
	Method string
	// Name is the server-side error class (RequestError, TypeError...).
	Name string
	// Message is the server's error message.
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("signal: %s: %s: %s", e.Method, e.Name, e.Message)
}

// Notification is a message the server sends on its own.
type Notification struct {
	// Method names the notification (newProducer, consumerClosed...).
	Method string `json:"method"`
	// Data is the notification's payload; see Decode.
	Data json.RawMessage `json:"data"`
}

// Decode unmarshals the notification's data into v.
func (n Notification) Decode(v any) error { return json.Unmarshal(n.Data, v) }

type response struct {
	ID        json.RawMessage `json:"id"`
	OK        bool            `json:"ok"`
	Data      json.RawMessage `json:"data"`
	Error     string          `json:"error"`
	ErrorName string          `json:"errorName"`
}

// Client is one WebSocket connection to the server. Its methods are safe
// for concurrent use.
type Client struct {
	conn   *websocket.Conn
	nextID atomic.Uint64

	mu      sync.Mutex
	pending map[uint64]chan *response
	err     error
	done    chan struct{}

	nmu    sync.Mutex
	queue  []Notification
	wake   chan struct{}
	notifs chan Notification

	closeOnce sync.Once
}

// Dial connects to the server's WebSocket URL, e.g. ws://127.0.0.1:3000/.
// Notifications queue up from this moment on: read them from
// Notifications.
func Dial(ctx context.Context, url string) (*Client, error) {
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("signal: dial %s: %w", url, err)
	}
	conn.SetReadLimit(16 << 20)
	c := &Client{
		conn:    conn,
		pending: make(map[uint64]chan *response),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		notifs:  make(chan Notification),
	}
	go c.readLoop()
	go c.pump()
	return c, nil
}

// Close closes the connection; the server then closes this peer's
// transports, producers and consumers. Idempotent.
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

// Notifications returns the server's notifications in arrival order. They
// queue without limit and never hold up responses, so a reader may make
// requests while handling one. The channel is closed when the connection
// ends.
func (c *Client) Notifications() <-chan Notification { return c.notifs }

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
			var r response
			if json.Unmarshal(b, &r) == nil {
				c.deliver(&r)
			}
		case probe.Notification:
			var n Notification
			if json.Unmarshal(b, &n) != nil {
				continue
			}
			c.nmu.Lock()
			c.queue = append(c.queue, n)
			c.nmu.Unlock()
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (c *Client) deliver(r *response) {
	id, err := strconv.ParseUint(string(r.ID), 10, 64)
	if err != nil {
		return
	}
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		ch <- r
	}
}

// pump hands queued notifications to the channel's reader, in order.
func (c *Client) pump() {
	defer close(c.notifs)
	for {
		c.nmu.Lock()
		if len(c.queue) == 0 {
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
		c.nmu.Unlock()
		select {
		case c.notifs <- n:
		case <-c.done:
			return
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
		return fmt.Errorf("signal: %s: encoding request: %w", method, err)
	}
	ch := make(chan *response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("signal: %s: %w", method, err)
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
		return fmt.Errorf("signal: %s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("signal: %s: %w", method, ErrClosed)
		}
		if !r.OK {
			return &ServerError{Method: method, Name: r.ErrorName, Message: r.Error}
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("signal: %s: decoding response: %w", method, err)
		}
		return nil
	case <-ctx.Done():
		drop()
		return fmt.Errorf("signal: %s: %w", method, ctx.Err())
	}
}
