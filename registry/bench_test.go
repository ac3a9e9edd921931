package registry

import (
	"net/url"
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
