package bufpool

import "testing"

func TestPut(t *testing.T) {
	tests := []struct {
		name string
		cap  int
		kept bool
	}{
		{"small", 100, true},
		{"at the limit", MaxKept, true},
		{"over the limit", MaxKept + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Pool
			b := make([]byte, 3, tt.cap)
			bp := &b
			p.Put(bp)
			if tt.kept && len(*bp) != 0 {
				t.Errorf("kept buffer has length %d, want 0", len(*bp))
			}
			if !tt.kept && len(*bp) != 3 {
				t.Errorf("dropped buffer was touched: length %d", len(*bp))
			}
			if got := p.Get(); len(*got) != 0 {
				t.Errorf("Get returned a buffer of length %d", len(*got))
			}
		})
	}
}
