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
	// Q6_K: every part of every block lands in its region
	for _, tc := range []struct{ rows, cols int }{{2, 256}, {3, 2304}} {
		rb, _ := quant.Q6_K.RowBytes(tc.cols)
		src := make([]byte, tc.rows*rb)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		dev := make([]byte, len(src))
		if err := toDevice(quant.Q6_K, dev, src, tc.rows, tc.cols); err != nil {
			t.Fatal(err)
		}
		nb := tc.cols / 256
		for r := 0; r < tc.rows; r++ {
			for b := 0; b < nb; b++ {
				g := src[r*rb+210*b:]
				o := dev[r*rb:]
				parts := [][2]int{{0, 128}, {128, 64}, {192, 16}, {208, 2}} // GGUF offset, size
				regions := []int{0, 128 * nb, 192 * nb, 208 * nb}
				for i, pt := range parts {
					at := regions[i] + b*pt[1]
					if !bytes.Equal(g[pt[0]:pt[0]+pt[1]], o[at:at+pt[1]]) {
						t.Fatalf("Q6_K row %d block %d: part %d moved wrongly", r, b, i)
					}
				}
			}
		}
		back := make([]byte, len(src))
		if err := fromDevice(quant.Q6_K, back, dev, tc.rows, tc.cols); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, src) {
			t.Errorf("Q6_K %d×%d: round trip changed the bytes", tc.rows, tc.cols)
		}
	}
	if err := toDevice(quant.Q8_0, make([]byte, 10), make([]byte, 34), 1, 32); err == nil {
		t.Error("short destination accepted")
	}
}
