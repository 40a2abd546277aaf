package quant_test

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// synthFiles are the synth-tiny files llama-quantize --pure made from
// synth-tiny-f16.gguf: the type of every weight matrix in each, and the
// largest relative RMSE (against the F16 original, over the tensor's RMS)
// that type may show on these N(0, 0.02) weights. The bounds sit ~1.3x above
// the errors measured (see -v), so they are tied to each format's precision.
var synthFiles = []struct {
	file  string
	typ   quant.Type
	maxRE float64
}{
	{"synth-tiny-BF16.gguf", quant.BF16, 2.5e-3},
	{"synth-tiny-Q8_0.gguf", quant.Q8_0, 0.008},
	{"synth-tiny-Q4_0.gguf", quant.Q4_0, 0.12},
	{"synth-tiny-Q4_1.gguf", quant.Q4_1, 0.11},
	{"synth-tiny-Q5_0.gguf", quant.Q5_0, 0.06},
	{"synth-tiny-Q5_1.gguf", quant.Q5_1, 0.05},
	{"synth-tiny-Q2_K.gguf", quant.Q2_K, 0.4},
	{"synth-tiny-Q3_K_S.gguf", quant.Q3_K, 0.21},
	{"synth-tiny-Q4_K_S.gguf", quant.Q4_K, 0.095},
	{"synth-tiny-Q5_K_S.gguf", quant.Q5_K, 0.05},
	{"synth-tiny-Q6_K.gguf", quant.Q6_K, 0.025},
	{"synth-tiny-TQ1_0.gguf", quant.TQ1_0, 0.9},
	{"synth-tiny-TQ2_0.gguf", quant.TQ2_0, 0.9},
	{"synth-tiny-IQ4_NL.gguf", quant.IQ4_NL, 0.105},
}

func openGGUF(t *testing.T, name string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(testdata.Path(t, "synth-tiny", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// rowStride is how many rows the byte comparison steps by.
var rowStride = map[bool]int{false: 1, true: 16}[raceEnabled]

func sq(x float64) float64 { return x * x }

// For every llama.cpp-made file: each weight matrix is of the file's type,
// dequantizes to within that type's error of the F16 original, and Tern's
// quantizer, run on the original, reproduces llama.cpp's bytes exactly.
// Under the race detector only every rowStride'th row is checked.
func TestSynthTiny(t *testing.T) {
	orig := openGGUF(t, "synth-tiny-f16.gguf")
	for _, sf := range synthFiles {
		t.Run(sf.typ.String(), func(t *testing.T) {
			t.Parallel()
			f := openGGUF(t, sf.file)
			if len(f.Tensors) != len(orig.Tensors) {
				t.Fatalf("%d tensors, the original has %d", len(f.Tensors), len(orig.Tensors))
			}
			matrices, worst := 0, 0.0
			for i := range f.Tensors {
				tt := &f.Tensors[i]
				ot, ok := orig.Tensor(tt.Name)
				if !ok {
					t.Fatalf("%s: not in the original", tt.Name)
				}
				if ot.Type == quant.F32 {
					// Norms stay F32, bit for bit.
					if tt.Type != quant.F32 || !bytes.Equal(f.Data(tt), orig.Data(ot)) {
						t.Errorf("%s: F32 in the original, %s here or changed", tt.Name, tt.Type)
					}
					continue
				}
				matrices++
				if tt.Type != sf.typ || !slices.Equal(tt.Shape, ot.Shape) {
					t.Errorf("%s: %s %v, want %s %v", tt.Name, tt.Type, tt.Shape, sf.typ, ot.Shape)
					continue
				}
				c := compareTensor(t, orig, ot, f, tt)
				re := math.Sqrt(c.seTheirs / c.ss)
				worst = max(worst, re)
				if re > sf.maxRE {
					t.Errorf("%s: relative RMSE %.5f > %g", tt.Name, re, sf.maxRE)
				}
				if c.diffBlocks > 0 {
					t.Errorf("%s: %d of %d blocks differ from llama.cpp's; relative RMSE %.6f (Tern) vs %.6f (llama.cpp)",
						tt.Name, c.diffBlocks, c.blocks, math.Sqrt(c.seOurs/c.ss), re)
				}
			}
			if matrices != 16 {
				t.Errorf("%d weight matrices, want 16", matrices)
			}
			if !t.Failed() {
				t.Logf("%s: worst relative RMSE %.5f over %d matrices; Tern's bytes equal llama.cpp's", sf.typ, worst, matrices)
			}
		})
	}
}

// comparison sums up one tensor, over the rows compared.
type comparison struct {
	seTheirs, seOurs, ss float64 // squared errors of llama.cpp's and Tern's, and squared original
	blocks, diffBlocks   int     // blocks compared, and those whose bytes differ
}

// compareTensor compares tensor tt of f (llama.cpp's quantization) with the
// original ot of orig, row by row: the dequantized error, and whether Tern's
// quantizer reproduces the bytes.
func compareTensor(t *testing.T, orig *gguf.File, ot *gguf.Tensor, f *gguf.File, tt *gguf.Tensor) comparison {
	t.Helper()
	rowLen := tt.Shape[0]
	origRowBytes, err1 := ot.Type.RowBytes(rowLen)
	rowBytes, err2 := tt.Type.RowBytes(rowLen)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: rows of %d: %v %v", tt.Name, rowLen, err1, err2)
	}
	x := make([]float32, rowLen)         // the original row
	theirVals := make([]float32, rowLen) // llama.cpp's, dequantized
	oursVals := make([]float32, rowLen)  // Tern's, dequantized
	ours := make([]byte, rowBytes)
	bb := tt.Type.BlockBytes()
	var c comparison
	for r := 0; r < tt.Elements()/rowLen; r += rowStride {
		theirs := f.Data(tt)[r*rowBytes : (r+1)*rowBytes]
		if err := quant.Dequantize(ot.Type, x, orig.Data(ot)[r*origRowBytes:]); err != nil {
			t.Fatalf("%s: %v", ot.Name, err)
		}
		if err := quant.Dequantize(tt.Type, theirVals, theirs); err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
		if err := quant.Quantize(tt.Type, ours, x); err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
		if err := quant.Dequantize(tt.Type, oursVals, ours); err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
		for j := range x {
			c.seTheirs += sq(float64(theirVals[j]) - float64(x[j]))
			c.seOurs += sq(float64(oursVals[j]) - float64(x[j]))
			c.ss += sq(float64(x[j]))
		}
		for b := 0; b < rowBytes; b += bb {
			c.blocks++
			if !bytes.Equal(ours[b:b+bb], theirs[b:b+bb]) {
				c.diffBlocks++
			}
		}
	}
	return c
}
