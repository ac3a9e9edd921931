package pulse

import (
	"context"
	"maps"
	"sync"
)

// Attachments are the key/value pairs that travel beside a call (Dubbo's
// RpcContext attachments). Java peers read string values with
// getAttachment and any value with getObjectAttachment.
type Attachments map[string]any

type outgoingKey struct{}
type serverCallKey struct{} // *serverCall: a provider method's call
type replyKey struct{}      // *replyBox: a caller's capture of reply attachments

// WithAttachments returns a context whose calls carry a (merged over those
// already in ctx). Keys Dubbo uses itself (path, interface, version, group,
// timeout, dubbo) are set by Pulse and win.
func WithAttachments(ctx context.Context, a Attachments) context.Context {
	merged := Attachments{}
	if prev, ok := ctx.Value(outgoingKey{}).(Attachments); ok {
		maps.Copy(merged, prev)
	}
	maps.Copy(merged, a)
	return context.WithValue(ctx, outgoingKey{}, merged)
}

// OutgoingAttachments returns the attachments calls made with ctx carry.
// The map must not be changed.
func OutgoingAttachments(ctx context.Context) Attachments {
	a, _ := ctx.Value(outgoingKey{}).(Attachments)
	return a
}

// IncomingAttachments returns, inside a provider method, the attachments the
// caller sent (including Dubbo's own: path, version, timeout...). The map
// must not be changed.
func IncomingAttachments(ctx context.Context) Attachments {
	if sc, ok := ctx.Value(serverCallKey{}).(*serverCall); ok {
		return sc.incoming
	}
	return nil
}

// serverCall is what a provider method's context carries: the caller's
// attachments and the reply attachments the method sets. Calls the method
// makes itself with that context neither see nor fill its reply box: the
// capture of a caller (ReplyAttachments) uses another key.
type serverCall struct {
	incoming Attachments
	reply    replyBox
}

func withServerCall(ctx context.Context, a Attachments) (context.Context, *serverCall) {
	sc := &serverCall{incoming: a}
	return context.WithValue(ctx, serverCallKey{}, sc), sc
}

// replyBox collects attachments going the other way: the provider's method
// sets them, the consumer's caller reads them. A box made inside another's
// context (an interceptor's, inside its caller's) passes what it gets to
// the one above too, so that each of them sees the reply.
type replyBox struct {
	mu    sync.Mutex
	a     Attachments
	outer *replyBox
}

func (b *replyBox) set(k string, v any) {
	for ; b != nil; b = b.outer {
		b.mu.Lock()
		if b.a == nil {
			b.a = Attachments{}
		}
		b.a[k] = v
		b.mu.Unlock()
	}
}

func (b *replyBox) take() Attachments {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.a
}

// SetReplyAttachment, inside a provider method, adds an attachment to the
// response. Java consumers of Dubbo 2.7+ (body version 2.0.2) receive it in
// their RpcContext's server attachments; older callers get none.
func SetReplyAttachment(ctx context.Context, key string, value any) {
	if sc, ok := ctx.Value(serverCallKey{}).(*serverCall); ok {
		sc.reply.set(key, value)
	}
}

// ReplyAttachments returns a context for a call and a function that, once the
// call has returned, gives the attachments the provider sent back.
//
//	ctx, reply := pulse.ReplyAttachments(ctx)
//	_, err := greetings.SayHi(ctx, "pulse")
//	trace := reply()["trace"]
func ReplyAttachments(ctx context.Context) (context.Context, func() Attachments) {
	b := &replyBox{outer: replyBoxOf(ctx)}
	return context.WithValue(ctx, replyKey{}, b), b.take
}

func replyBoxOf(ctx context.Context) *replyBox {
	b, _ := ctx.Value(replyKey{}).(*replyBox)
	return b
}
