package mediasoupclient

import "github.com/soupkit/mediasoup-client-go/internal/params"

// Sentinel errors. Every error the SDK returns for these causes wraps one of
// them, so errors.Is matches across the stack.
var (
	// ErrUnsupported reports a codec, kind or feature the device can't handle
	// (mediasoup-client's UnsupportedError).
	ErrUnsupported = params.ErrUnsupported
	// ErrInvalidState reports a call on a closed or not-yet-loaded object
	// (mediasoup-client's InvalidStateError).
	ErrInvalidState = params.ErrInvalidState
	// ErrInvalidParameters reports malformed parameters or options
	// (mediasoup-client's TypeError).
	ErrInvalidParameters = params.ErrInvalidParameters
)
