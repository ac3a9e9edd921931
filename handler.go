package pulse

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/pulse-rpc/pulse/exchange"
	"github.com/pulse-rpc/pulse/internal/service"
	"github.com/pulse-rpc/pulse/protocol/dubbo"
	"github.com/pulse-rpc/pulse/serialization"
)

// handle serves one call request: decode, find the service and method, call
// it, encode the result. It is the exchange.Handler of the Server.
func (s *Server) handle(ctx context.Context, req *exchange.Request) *exchange.Response {
	if serialization.ID(req.Serialization) != serialization.Hessian2 {
		return errorResponse(req, exchange.StatusBadRequest,
			fmt.Sprintf("unsupported serialization id %d: Pulse speaks hessian2 (2)", req.Serialization))
	}
	inv, err := dubbo.DecodeRequest(req.Body, s.decode...)
	if err != nil {
		s.cfg.logger.Warn("pulse: bad request body", "err", err)
		return errorResponse(req, exchange.StatusBadRequest, "pulse: cannot decode the request: "+err.Error())
	}
	group, _ := inv.Attachments["group"].(string)
	e := s.lookup(inv.Path, inv.Version, group)
	if e == nil {
		return errorResponse(req, exchange.StatusServiceNotFound, fmt.Sprintf(
			"Not found exported service: %s in %s (pulse)", serviceKey(group, inv.Path, inv.Version), s.exportedKeys()))
	}

	// The caller's attachments and timeout, in one allocation and with no
	// timer unless the method waits on Done (server_call.go).
	cc := newCallContext(ctx, Attachments(inv.Attachments), deadlineFrom(inv.Attachments))
	defer cc.end()
	var callCtx context.Context = cc
	call := &cc.call

	var value any
	if s.intercept != nil && inv.Method != "$echo" { // $echo is a liveness probe, answered before any filter as Java's EchoFilter does
		value, err = s.intercepted(ctx, callCtx, e, inv, group)
	} else {
		value, err = s.serve(&cc.self, e, inv, inv.Arguments)
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		// The caller's timeout ran out while the method ran: answer as a
		// timeout (the caller has given up already), not as an exception.
		return errorResponse(req, exchange.StatusServerTimeout, fmt.Sprintf(
			"pulse: %s.%s did not return within the caller's timeout", inv.Path, inv.Method))
	}
	res := &dubbo.Result{Value: value, Attachments: call.reply.take()}
	if err != nil {
		res.Value = nil
		res.Exception = javaException(err)
		var pe *service.PanicError
		if errors.As(err, &pe) {
			s.cfg.logger.Error("pulse: provider method panicked", "service", inv.Path, "method", inv.Method,
				"panic", pe.Value, "stack", string(pe.Stack))
		}
	}
	resp, _ := s.resps.Get().(*exchange.Response)
	if resp == nil {
		resp = &exchange.Response{}
	}
	body, err := dubbo.EncodeResponse(resp.Body[:0], res, inv.DubboVersion)
	if err != nil {
		s.resps.Put(resp)
		s.cfg.logger.Warn("pulse: cannot encode a result", "service", inv.Path, "method", inv.Method, "err", err)
		return errorResponse(req, exchange.StatusServiceError, "pulse: cannot encode the result: "+err.Error())
	}
	*resp = exchange.Response{ID: req.ID, Status: exchange.StatusOK, Serialization: req.Serialization, Body: body}
	return resp
}

// serve calls the method inv names with args. ctx is a pointer so that the
// plain path hands the call's context to the method without an allocation.
func (s *Server) serve(ctx *context.Context, e *exported, inv *dubbo.Invocation, args []any) (any, error) {
	switch inv.Method {
	case "$echo":
		if len(args) == 1 {
			return args[0], nil
		}
		return nil, nil
	case "$invoke", "$invokeAsync":
		return invokeGeneric(*ctx, e.svc, args)
	}
	m, err := e.svc.Lookup(inv.Method, strings.Join(inv.ParameterTypes, ""), len(args))
	if err != nil {
		return nil, err
	}
	return m.CallCtx(ctx, args)
}

// intercepted runs a call through the server's interceptors. A panic in an
// interceptor is answered as a panic in the method is (a
// java.lang.RuntimeException, logged with its stack).
func (s *Server) intercepted(connCtx, callCtx context.Context, e *exported, inv *dubbo.Invocation, group string) (value any, err error) {
	version := inv.Version
	if version == "0.0.0" { // Java's "no version", as a Client's CallInfo has it
		version = ""
	}
	ci := &CallInfo{Service: inv.Path, Version: version, Group: group, Method: inv.Method,
		Arguments: inv.Arguments, entry: e, inv: inv}
	if a := exchange.RemoteAddr(connCtx); a != nil {
		ci.Remote = a.String()
	}
	defer func() {
		if r := recover(); r != nil {
			value, err = nil, &service.PanicError{Method: inv.Method, Value: r, Stack: debug.Stack()}
		}
	}()
	return s.intercept(callCtx, ci)
}

// serveIntercepted is the end of the interceptor chain: the call with the
// context and arguments the interceptors pass on.
func (s *Server) serveIntercepted(ctx context.Context, ci *CallInfo) (any, error) {
	return s.serve(&ctx, ci.entry, ci.inv, ci.Arguments)
}

// provider is the exchange.Handler of a Server: it serves calls (handle)
// and takes the responses back once written, for the next calls.
type provider struct{ s *Server }

func (p provider) HandleRequest(ctx context.Context, req *exchange.Request) *exchange.Response {
	return p.s.handle(ctx, req)
}

// maxKeptBody is the largest response buffer kept for reuse.
const maxKeptBody = 64 << 10

func (p provider) RecycleResponse(resp *exchange.Response) {
	if cap(resp.Body) > maxKeptBody {
		return
	}
	*resp = exchange.Response{Body: resp.Body[:0]}
	p.s.resps.Put(resp)
}

// invokeGeneric serves Java's GenericService.$invoke(method, types, args):
// arguments arrive as maps for POJOs and the result goes back generalized.
func invokeGeneric(ctx context.Context, svc *service.Service, gargs []any) (any, error) {
	if len(gargs) != 3 {
		return nil, fmt.Errorf("generic call with %d arguments, want 3", len(gargs))
	}
	name, _ := gargs[0].(string)
	var types []string
	if gargs[1] != nil {
		v, err := service.Convert(gargs[1], typeOfStrings)
		if err != nil {
			return nil, fmt.Errorf("generic call: parameter types: %w", err)
		}
		types = v.Interface().([]string)
	}
	var args []any
	if gargs[2] != nil {
		v, err := service.Convert(gargs[2], typeOfAnys)
		if err != nil {
			return nil, fmt.Errorf("generic call: arguments: %w", err)
		}
		args = v.Interface().([]any)
	}
	descs := make([]string, len(types))
	for i, t := range types {
		d, err := typeDescriptor(t)
		if err != nil {
			return nil, fmt.Errorf("generic call: %w", err)
		}
		descs[i] = d
	}
	m, err := svc.Lookup(name, strings.Join(descs, ""), len(args))
	if err != nil {
		return nil, err
	}
	v, err := m.Call(ctx, args)
	if err != nil {
		return nil, err
	}
	return service.Generalize(v), nil
}

// javaException turns a method's error into the exception its Java caller
// receives: the class a *pulse.Error or a *dubbo.JavaException names, else
// java.lang.RuntimeException with the error's text. A call to a method the
// service lacks becomes java.lang.NoSuchMethodException.
func javaException(err error) error {
	var pe *Error
	if errors.As(err, &pe) && pe.JavaClass != "" {
		return &dubbo.JavaException{JavaClass: pe.JavaClass, Message: pe.Message}
	}
	var je *dubbo.JavaException
	if errors.As(err, &je) {
		return je
	}
	if errors.Is(err, service.ErrUnknownMethod) {
		return &dubbo.JavaException{JavaClass: "java.lang.NoSuchMethodException", Message: err.Error()}
	}
	var n dubbo.JavaClassNamer
	if errors.As(err, &n) && n.JavaClassName() != "" {
		return &dubbo.JavaException{JavaClass: n.JavaClassName(), Message: err.Error()}
	}
	var ae *service.ArgumentError
	if errors.As(err, &ae) {
		return &dubbo.JavaException{JavaClass: "java.lang.IllegalArgumentException", Message: err.Error()}
	}
	return &dubbo.JavaException{JavaClass: dubbo.DefaultExceptionClass, Message: err.Error()}
}

func (s *Server) exportedKeys() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.services))
	for k := range s.services {
		keys = append(keys, k)
	}
	return "[" + strings.Join(keys, ", ") + "]"
}

// errorResponse answers with a status and a message (a hessian string, as
// Java writes error responses).
func errorResponse(req *exchange.Request, st exchange.Status, msg string) *exchange.Response {
	return &exchange.Response{ID: req.ID, Status: st, Serialization: req.Serialization,
		Body: dubbo.EncodeErrorMessage(nil, msg)}
}

// readStatusMessage reads the error message of a non-OK response.
func readStatusMessage(resp *exchange.Response) string {
	if len(resp.Body) == 0 {
		return ""
	}
	msg, err := dubbo.DecodeErrorMessage(resp.Body)
	if err != nil {
		return fmt.Sprintf("(unreadable message: %v)", err)
	}
	return msg
}
