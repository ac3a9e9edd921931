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
	"context"
	"errors"
	"slices"
	"time"
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

// Snapshot turns the registrations a subscription sees into Updates. Each
// registration has a name (the registry key); Put, Delete and Clear change
// them, Flush returns the Update since the previous Flush. It keeps one URL
// per Identity: when two registrations share one (a provider restarted
// before its old key expired), the later timestamp wins, then the greater
// string form. A change costs O(log n) plus O(n) in Flush to copy the
// provider list. The zero value is ready; it is not safe for concurrent use.
type Snapshot struct {
	byKey     map[string]snapEntry
	idKeys    map[string]map[string]struct{}
	dirty     map[string]struct{}
	current   map[string]snapEntry // by identity, as last flushed
	order     []string             // identities of current, sorted
	delivered bool
}

type snapEntry struct {
	id  string
	str string
	ts  time.Time
	url URL
}

func (s *Snapshot) init() {
	if s.byKey == nil {
		s.byKey = make(map[string]snapEntry)
		s.idKeys = make(map[string]map[string]struct{})
		s.dirty = make(map[string]struct{})
		s.current = make(map[string]snapEntry)
	}
}

// Put records (or replaces) the registration named key.
func (s *Snapshot) Put(key string, u URL) {
	s.init()
	str := u.String()
	if old, ok := s.byKey[key]; ok {
		if old.str == str {
			return
		}
		s.Delete(key)
	}
	e := snapEntry{id: u.Identity(), str: str, ts: u.Timestamp(), url: u}
	s.byKey[key] = e
	ks := s.idKeys[e.id]
	if ks == nil {
		ks = make(map[string]struct{}, 1)
		s.idKeys[e.id] = ks
	}
	ks[key] = struct{}{}
	s.dirty[e.id] = struct{}{}
}

// Delete forgets the registration named key.
func (s *Snapshot) Delete(key string) {
	old, ok := s.byKey[key]
	if !ok {
		return
	}
	delete(s.byKey, key)
	ks := s.idKeys[old.id]
	delete(ks, key)
	if len(ks) == 0 {
		delete(s.idKeys, old.id)
	}
	s.dirty[old.id] = struct{}{}
}

// Clear forgets every registration, before a full re-read; the next Flush
// reports what the re-read changed.
func (s *Snapshot) Clear() {
	s.init()
	for _, e := range s.byKey {
		s.dirty[e.id] = struct{}{}
	}
	for id := range s.current {
		s.dirty[id] = struct{}{}
	}
	clear(s.byKey)
	clear(s.idKeys)
}

// Flush returns the Update since the previous Flush; ok is false when
// nothing changed (the first Flush always returns ok).
func (s *Snapshot) Flush() (u Update, ok bool) {
	s.init()
	ids := make([]string, 0, len(s.dirty))
	for id := range s.dirty {
		ids = append(ids, id)
	}
	clear(s.dirty)
	slices.Sort(ids)
	var events []Event
	for _, id := range ids {
		win, has := s.winner(id)
		prev, had := s.current[id]
		switch {
		case !has && had:
			events = append(events, Event{Type: EventDelete, URL: prev.url})
			delete(s.current, id)
			if i, found := slices.BinarySearch(s.order, id); found {
				s.order = slices.Delete(s.order, i, i+1)
			}
		case has && !had:
			events = append(events, Event{Type: EventAdd, URL: win.url})
			s.current[id] = win
			i, _ := slices.BinarySearch(s.order, id)
			s.order = slices.Insert(s.order, i, id)
		case has && had && win.str != prev.str:
			events = append(events, Event{Type: EventUpdate, URL: win.url, Old: prev.url})
			s.current[id] = win
		}
	}
	first := !s.delivered
	s.delivered = true
	if !first && len(events) == 0 {
		return Update{}, false
	}
	providers := make([]URL, len(s.order))
	for i, id := range s.order {
		providers[i] = s.current[id].url
	}
	return Update{Providers: providers, Events: events}, true
}

func (s *Snapshot) winner(id string) (snapEntry, bool) {
	var best snapEntry
	found := false
	for key := range s.idKeys[id] {
		e := s.byKey[key]
		if !found || e.ts.After(best.ts) || e.ts.Equal(best.ts) && e.str > best.str {
			best, found = e, true
		}
	}
	return best, found
}

// Replace makes all the complete list of registrations (each named by its
// string form) and flushes.
func (s *Snapshot) Replace(all []URL) (u Update, ok bool) {
	s.Clear()
	for _, p := range all {
		s.Put(p.String(), p)
	}
	return s.Flush()
}
