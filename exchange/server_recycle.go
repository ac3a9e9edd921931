package exchange

// ResponseRecycler is a Handler that takes back the Responses it returns:
// the Server calls RecycleResponse once it has written (or dropped) one,
// after which neither the Response nor its Body are used again, so that
// both can be reused for a later call instead of allocated anew.
type ResponseRecycler interface {
	Handler
	RecycleResponse(*Response)
}
