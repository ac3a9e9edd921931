package exchange

// NotSentError returns the CHANNEL_INACTIVE error of a request that never
// left whole (its connection closed first, or its write failed): it matches
// ErrConnectionLost and ErrNotSent, and unwraps to cause (may be nil). The
// Client returns such errors; layers above and tests may build them too.
func NotSentError(msg string, cause error) *StatusError {
	return &StatusError{Status: StatusChannelInactive, Message: msg, cause: cause, notSent: true}
}
