package cuda

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestLayoutRoundTrip converts random rows to the device layout and back,
// and checks the device layout against its definition element by element.
func TestLayoutRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		t          quant.Type
		rows, cols int
	}{
		{quant.Q8_0, 3, 32}, {quant.Q8_0, 5, 96}, {quant.Q8_0, 2, 256},
		{quant.Q4_0, 3, 32}, {quant.Q4_0, 7, 160}, {quant.Q4_0, 1, 512},
	} {
		rb, _ := tc.t.RowBytes(tc.cols)
		src := make([]byte, tc.rows*rb)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		dev := make([]byte, len(src))
		if err := toDevice(tc.t, dev, src, tc.rows, tc.cols); err != nil {
			t.Fatal(err)
		}
		// element e of row r: its block's scale and quant byte, both ways
		q := 32
		if tc.t == quant.Q4_0 {
			q = 16
		}
		nb := tc.cols / 32
		for r := 0; r < tc.rows; r++ {
			for b := 0; b < nb; b++ {
				g := src[r*rb+b*(2+q):]
				o := dev[r*rb:]
				if binary.LittleEndian.Uint16(g) != binary.LittleEndian.Uint16(o[nb*q+2*b:]) {
					t.Fatalf("%s row %d block %d: scale moved wrongly", tc.t, r, b)
				}
				if !bytes.Equal(g[2:2+q], o[b*q:(b+1)*q]) {
					t.Fatalf("%s row %d block %d: quants moved wrongly", tc.t, r, b)
				}
			}
		}
		back := make([]byte, len(src))
		if err := fromDevice(tc.t, back, dev, tc.rows, tc.cols); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, src) {
			t.Errorf("%s %d×%d: round trip changed the bytes", tc.t, tc.rows, tc.cols)
		}
	}
	if err := toDevice(quant.Q8_0, make([]byte, 10), make([]byte, 34), 1, 32); err == nil {
		t.Error("short destination accepted")
	}
}
