// Package mediasoupclient is the Go client of mediasoup, the WebRTC SFU: a
// Go program joins a mediasoup router as a full participant and sends and
// receives audio, video and data. It mirrors mediasoup-client: a Device
// loads the router's RTP capabilities and creates send and receive
// Transports (each a pion PeerConnection), on which Produce, Consume,
// ProduceData and ConsumeData create Producers, Consumers, DataProducers and
// DataConsumers. The application keeps its own signaling: the wire types
// (RTPCapabilities, RTPParameters, ICEParameters, ...) are mediasoup's JSON,
// so server data unmarshals straight into the options structs.
//
// Translations from mediasoup-client: promises are blocking calls that take
// a context.Context; the connect, produce and producedata events are the
// hooks OnConnect, OnProduce and OnProduceData, called inside the operation
// that needs them; other events are OnX setters taking one handler each, as
// in pion (setting another replaces the first), where mediasoup-client's
// emitters take many; media objects are pion's (webrtc.TrackLocal to send, a
// consumer's RemoteTrack wrapping *webrtc.TrackRemote to receive); errors
// wrap ErrInvalidParameters (TypeError), ErrInvalidState and ErrUnsupported.
//
// Where callbacks run: the hooks, OnRTPSender and OnRTPReceiver run on the
// transport's operation queue; from them, Close of the transport or of any
// object works, and calls that would wait for another operation of the same
// transport fail at once with ErrInvalidState. Observer OnNew* events run on
// the caller's goroutine once the operation is done, and state and data
// channel events on pion's goroutines, with no lock of the SDK held: they
// may call anything. A transport's state callbacks are not called after
// its Close.
package mediasoupclient
