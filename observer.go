package mediasoupclient

import "sync"

// TransportObserver carries a transport's observer events. Handlers run
// on the goroutine that caused the event and may call back into the SDK.
type TransportObserver struct {
	mu                sync.Mutex
	onClose           func()
	onNewProducer     func(*Producer)
	onNewConsumer     func(*Consumer)
	onNewDataProducer func(*DataProducer)
	onNewDataConsumer func(*DataConsumer)
	onConnState       func(ConnectionState)
}

// OnClose sets the handler called when the transport closes.
func (o *TransportObserver) OnClose(f func()) { o.mu.Lock(); o.onClose = f; o.mu.Unlock() }

// OnNewProducer sets the handler called for each new producer.
func (o *TransportObserver) OnNewProducer(f func(*Producer)) {
	o.mu.Lock()
	o.onNewProducer = f
	o.mu.Unlock()
}

// OnNewConsumer sets the handler called for each new consumer.
func (o *TransportObserver) OnNewConsumer(f func(*Consumer)) {
	o.mu.Lock()
	o.onNewConsumer = f
	o.mu.Unlock()
}

// OnNewDataProducer sets the handler called for each new data producer.
func (o *TransportObserver) OnNewDataProducer(f func(*DataProducer)) {
	o.mu.Lock()
	o.onNewDataProducer = f
	o.mu.Unlock()
}

// OnNewDataConsumer sets the handler called for each new data consumer.
func (o *TransportObserver) OnNewDataConsumer(f func(*DataConsumer)) {
	o.mu.Lock()
	o.onNewDataConsumer = f
	o.mu.Unlock()
}

// OnConnectionStateChange sets the handler of connection state changes.
func (o *TransportObserver) OnConnectionStateChange(f func(ConnectionState)) {
	o.mu.Lock()
	o.onConnState = f
	o.mu.Unlock()
}

func (o *TransportObserver) close() {
	o.mu.Lock()
	f := o.onClose
	o.mu.Unlock()
	if f != nil {
		f()
	}
}

func (o *TransportObserver) newProducer(p *Producer) {
	o.mu.Lock()
	f := o.onNewProducer
	o.mu.Unlock()
	if f != nil {
		f(p)
	}
}

func (o *TransportObserver) newConsumer(c *Consumer) {
	o.mu.Lock()
	f := o.onNewConsumer
	o.mu.Unlock()
	if f != nil {
		f(c)
	}
}

func (o *TransportObserver) newDataProducer(p *DataProducer) {
	o.mu.Lock()
	f := o.onNewDataProducer
	o.mu.Unlock()
	if f != nil {
		f(p)
	}
}

func (o *TransportObserver) newDataConsumer(c *DataConsumer) {
	o.mu.Lock()
	f := o.onNewDataConsumer
	o.mu.Unlock()
	if f != nil {
		f(c)
	}
}

func (o *TransportObserver) connectionStateChange(s ConnectionState) {
	o.mu.Lock()
	f := o.onConnState
	o.mu.Unlock()
	if f != nil {
		f(s)
	}
}

// MediaObserver carries the observer events of a producer or consumer:
// close, pause, resume and track ended. Handlers run on the goroutine that
// caused the event.
type MediaObserver struct {
	mu           sync.Mutex
	onClose      func()
	onPause      func()
	onResume     func()
	onTrackEnded func()
}

// OnClose sets the handler called when the object closes.
func (o *MediaObserver) OnClose(f func()) { o.mu.Lock(); o.onClose = f; o.mu.Unlock() }

// OnPause sets the handler called when the object is paused.
func (o *MediaObserver) OnPause(f func()) { o.mu.Lock(); o.onPause = f; o.mu.Unlock() }

// OnResume sets the handler called when the object is resumed.
func (o *MediaObserver) OnResume(f func()) { o.mu.Lock(); o.onResume = f; o.mu.Unlock() }

// OnTrackEnded sets the handler called when the object's track ends.
func (o *MediaObserver) OnTrackEnded(f func()) { o.mu.Lock(); o.onTrackEnded = f; o.mu.Unlock() }

func (o *MediaObserver) fire(pick func(*MediaObserver) func()) {
	o.mu.Lock()
	f := pick(o)
	o.mu.Unlock()
	if f != nil {
		f()
	}
}

func obsClose(o *MediaObserver) func()      { return o.onClose }
func obsPause(o *MediaObserver) func()      { return o.onPause }
func obsResume(o *MediaObserver) func()     { return o.onResume }
func obsTrackEnded(o *MediaObserver) func() { return o.onTrackEnded }

// DataObserver carries the observer events of a data producer or consumer.
type DataObserver struct {
	mu      sync.Mutex
	onClose func()
}

// OnClose sets the handler called when the object closes.
func (o *DataObserver) OnClose(f func()) { o.mu.Lock(); o.onClose = f; o.mu.Unlock() }

func (o *DataObserver) close() {
	o.mu.Lock()
	f := o.onClose
	o.mu.Unlock()
	if f != nil {
		f()
	}
}

// callbacks holds a plain func() callback set from any goroutine.
type callback struct {
	mu sync.Mutex
	f  func()
}

func (c *callback) set(f func()) { c.mu.Lock(); c.f = f; c.mu.Unlock() }

func (c *callback) fire() {
	c.mu.Lock()
	f := c.f
	c.mu.Unlock()
	if f != nil {
		f()
	}
}
