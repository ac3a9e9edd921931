package transport

import (
	"os"
	"strings"
	"testing"
)

// getty.go reaches two unexported getty functions by name; their signatures
// were read from this version. Moving getty means reading them again.
func TestGettyVersionPinned(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "github.com/apache/dubbo-getty" || len(f) >= 3 && f[1] == "github.com/apache/dubbo-getty" {
			if !strings.Contains(line, "v1.5.0") || strings.Contains(line, "=>") {
				t.Fatalf("go.mod: %q: check newTCPSession and (*session).run in getty.go against that getty, then update this test", strings.TrimSpace(line))
			}
		}
	}
}
