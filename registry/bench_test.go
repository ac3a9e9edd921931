package registry

import (
	"net/url"
	"strconv"
	"testing"
)

// Peers in the same run: net/url's Parse and QueryEscape.

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(javaProvider); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNetURL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		u, err := url.Parse(javaProvider)
		if err != nil {
			b.Fatal(err)
		}
		_ = u.Query()
	}
}

func BenchmarkString(b *testing.B) {
	u := MustParse(javaProvider)
	b.ReportAllocs()
	for b.Loop() {
		_ = u.String()
	}
}

func BenchmarkEncodeKey(b *testing.B) {
	u := MustParse(javaProvider)
	b.ReportAllocs()
	for b.Loop() {
		_ = EncodeKey("", u)
	}
}

func BenchmarkEncodeComponent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = EncodeComponent(javaProvider)
	}
}

func BenchmarkQueryEscape(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = url.QueryEscape(javaProvider)
	}
}

func BenchmarkParseKey(b *testing.B) {
	key := EncodeKey("", MustParse(javaProvider))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKey(key); err != nil {
			b.Fatal(err)
		}
	}
}

func providers1000() []URL {
	all := make([]URL, 1000)
	for i := range all {
		all[i] = NewProviderURL("10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250), 20880, "com.foo.S", WithMethods("a", "b"))
	}
	return all
}

// BenchmarkSnapshotChange1000 is the cost of one provider change (a watch
// event) in a subscription of 1,000 providers: Put plus Flush.
func BenchmarkSnapshotChange1000(b *testing.B) {
	all := providers1000()
	var s Snapshot
	for _, u := range all {
		s.Put(u.String(), u)
	}
	s.Flush()
	alt := all[0].With(KeyWeight, "5")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u := all[0]
		if i%2 == 0 {
			u = alt
		}
		i++
		s.Put("k0", u)
		if _, ok := s.Flush(); !ok {
			b.Fatal("no change")
		}
	}
}

// BenchmarkSnapshotResync1000 is a full re-read of 1,000 providers (after a
// compaction or reconnect) that finds one change.
func BenchmarkSnapshotResync1000(b *testing.B) {
	all := providers1000()
	var s Snapshot
	s.Replace(all)
	alt, orig := all[0].With(KeyWeight, "5"), all[0]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			all[0] = alt
		} else {
			all[0] = orig
		}
		i++
		if _, ok := s.Replace(all); !ok {
			b.Fatal("no change")
		}
	}
}
