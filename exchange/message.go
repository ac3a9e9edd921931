package exchange

import "context"

// Request is one request frame: the header's fields and the body as opaque
// bytes in the frame's serialization. Heartbeats and READONLY are requests
// with Event set.
type Request struct {
	ID            int64
	TwoWay        bool
	Event         bool
	Serialization byte
	Body          []byte
}

// Response is one response frame. Status is StatusOK on success; any other
// status carries an error message as its body (a hessian string in Dubbo).
type Response struct {
	ID            int64
	Status        Status
	Event         bool
	Serialization byte
	Body          []byte
}

// Handler serves the non-event requests a Server receives. It returns the
// response to send for a two-way request, or nil for a one-way one. req.Body
// is valid only until HandleRequest returns. The context ends when the
// connection closes or the server's drain wait runs out.
type Handler interface {
	HandleRequest(ctx context.Context, req *Request) *Response
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) *Response

// HandleRequest calls f.
func (f HandlerFunc) HandleRequest(ctx context.Context, req *Request) *Response { return f(ctx, req) }
