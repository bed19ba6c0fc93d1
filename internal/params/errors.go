package params

import "errors"

// Sentinel errors of the SDK. The root package re-exports them; every error
// the SDK returns for these causes wraps one, so errors.Is matches.
var (
	// ErrUnsupported reports a codec, kind or feature the endpoint can't do.
	ErrUnsupported = errors.New("mediasoupclient: unsupported")
	// ErrInvalidState reports a call on a closed or not-yet-ready object.
	ErrInvalidState = errors.New("mediasoupclient: invalid state")
	// ErrInvalidParameters reports malformed parameters.
	ErrInvalidParameters = errors.New("mediasoupclient: invalid parameters")
)
