package budget

import (
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// streamDev is a fake host device that tells streamed mappings apart.
type streamDev struct {
	fakeDev
	mapped, streamed int
}

func (s *streamDev) Map(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	s.mapped++
	return s.fakeDev.Map(t, rows, cols, data)
}

func (s *streamDev) MapStreamed(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	s.streamed++
	return s.fakeDev.Map(t, rows, cols, data)
}

// TestStreamedViewMapsStreamed checks that only a Streamed view asks the
// inner device for a streamed mapping (one that keeps no derived copy),
// and that it charges nothing while a Weights view charges the bytes.
func TestStreamedViewMapsStreamed(t *testing.T) {
	inner := &streamDev{}
	acct := New("fake", 1<<20)
	d := Wrap(inner, acct)
	data := make([]byte, 4*32*4)
	for _, c := range []Class{Streamed, Weights} {
		v, err := As(d, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.(backend.HostMapper).Map(quant.F32, 4, 32, data); err != nil {
			t.Fatal(err)
		}
	}
	if inner.streamed != 1 || inner.mapped != 1 {
		t.Errorf("streamed maps %d, plain maps %d; want 1 and 1", inner.streamed, inner.mapped)
	}
	if u := acct.Usage(); u.Used != uint64(len(data)) {
		t.Errorf("charged %d bytes, want %d (the Weights mapping only)", u.Used, len(data))
	}
}
