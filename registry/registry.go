// Package registry owns the Dubbo URL (its text form, its parameters, its
// encoding into registry keys), the rule that matches a consumer to the
// providers it may call, and the Registry interface that registers URLs and
// delivers provider lists to subscribers. Implementations live below it
// (registry/etcd); an embedded etcd for one-machine runs lives in
// registry/etcd/embedded.
//
// Compatibility: URLs are written as Java Dubbo 2.7's URL.toFullString
// writes them (parameters sorted by key, values raw) and keys are encoded
// with java.net.URLEncoder's rules, so Java consumers find Pulse providers and
// Pulse consumers find Java providers in the same etcd. Keys written by
// dubbo-go v1.5.9 (Go's url.QueryEscape, timestamps in seconds) are read too.
//
// Subscribers receive full snapshots together with the difference to the
// previous one (Update): a directory may rebuild from Providers or apply
// Events. A registry delivers an Update only when it has read the truth from
// its backend; an unreachable backend delivers nothing, never an empty list.
package registry

import (
	"cmp"
	"context"
	"errors"
	"slices"
)

// ErrClosed is returned by the methods of a closed Registry.
var ErrClosed = errors.New("registry: closed")

// Registry registers URLs and watches providers.
type Registry interface {
	// Register publishes u (a provider URL under providers, a consumer
	// URL under consumers) for as long as the registry lives. It returns
	// once u is written or ctx ends; in the second case the registry keeps
	// trying in the background until Unregister or Close.
	Register(ctx context.Context, u URL) error
	// Unregister removes u.
	Unregister(ctx context.Context, u URL) error
	// Subscribe delivers the providers matching consumer (see IsMatch) to
	// l: first the current list, then every change. Calls to l are
	// sequential. The returned cancel stops the subscription and waits
	// until l is no longer called.
	Subscribe(ctx context.Context, consumer URL, l Listener) (cancel func(), err error)
	// Close unregisters everything this registry registered, stops all
	// subscriptions and releases the backend.
	Close() error
}

// EventType says how a provider changed.
type EventType uint8

// Provider changes.
const (
	EventAdd EventType = iota + 1
	EventUpdate
	EventDelete
)

func (t EventType) String() string {
	switch t {
	case EventAdd:
		return "add"
	case EventUpdate:
		return "update"
	case EventDelete:
		return "delete"
	}
	return "unknown"
}

// Event is one provider change between two snapshots. URL is the new URL for
// add and update, the removed URL for delete; Old is the replaced URL of an
// update.
type Event struct {
	Type EventType
	URL  URL
	Old  URL
}

// Update is what a subscriber receives: the complete current provider list
// (one URL per Identity, sorted by Identity) and the events that lead to it
// from the previous Update. The first Update of a subscription has an add
// event per provider and may have no providers at all.
type Update struct {
	Providers []URL
	Events    []Event
}

// Listener receives the Updates of one subscription. Notify must not block
// for long: it holds up the subscription's next change.
type Listener interface {
	Notify(Update)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(Update)

// Notify calls f(u).
func (f ListenerFunc) Notify(u Update) { f(u) }

// Snapshot turns successive full provider lists into Updates. It keeps one
// URL per Identity: when two registrations share one (a provider restarted
// before its old key expired), the later timestamp wins, then the greater
// string form. The zero value is ready; it is not safe for concurrent use.
type Snapshot struct {
	byID      map[string]URL
	delivered bool
}

// Replace takes the complete current provider list and returns the Update
// to deliver; ok is false when nothing changed since the previous Update (the
// first call always returns ok).
func (s *Snapshot) Replace(all []URL) (u Update, ok bool) {
	next := make(map[string]URL, len(all))
	for _, p := range all {
		id := p.Identity()
		if old, dup := next[id]; dup && !newer(p, old) {
			continue
		}
		next[id] = p
	}
	var events []Event
	for id, p := range next {
		old, had := s.byID[id]
		switch {
		case !had:
			events = append(events, Event{Type: EventAdd, URL: p})
		case !old.Equal(p):
			events = append(events, Event{Type: EventUpdate, URL: p, Old: old})
		}
	}
	for id, old := range s.byID {
		if _, ok := next[id]; !ok {
			events = append(events, Event{Type: EventDelete, URL: old})
		}
	}
	first := !s.delivered
	s.byID, s.delivered = next, true
	if !first && len(events) == 0 {
		return Update{}, false
	}
	slices.SortFunc(events, func(a, b Event) int { return cmp.Compare(a.URL.Identity(), b.URL.Identity()) })
	providers := make([]URL, 0, len(next))
	for _, p := range next {
		providers = append(providers, p)
	}
	slices.SortFunc(providers, func(a, b URL) int { return cmp.Compare(a.Identity(), b.Identity()) })
	return Update{Providers: providers, Events: events}, true
}

func newer(a, b URL) bool {
	ta, tb := a.Timestamp(), b.Timestamp()
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.String() > b.String()
}
