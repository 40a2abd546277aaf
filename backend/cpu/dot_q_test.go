package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q8Rows makes rows of nb random Q8_0 blocks, stride bytes apart (with
// junk between rows), and one random Q8_0 activation row.
func q8Rows(r *rand.Rand, rows, nb, pad int) (w []byte, stride int, x []byte) {
	stride = nb*q8Block + pad
	w = make([]byte, rows*stride)
	for i := range w {
		w[i] = byte(r.IntN(256))
	}
	for i := range rows {
		if err := quant.Quantize(quant.Q8_0, w[i*stride:i*stride+nb*q8Block], randRow(r, nb*32)); err != nil {
			panic(err)
		}
	}
	x = make([]byte, nb*q8Block)
	if err := quantizeActivations(quant.Q8_0, x, randRow(r, nb*32)); err != nil {
		panic(err)
	}
	return w, stride, x
}

func TestDotRowsQ8_0(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 5}, {7, 9, 0}, {16, 64, 3}, {5, 65, 1}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, x := q8Rows(r, rows, nb, pad)
				got := make([]float32, rows)
				want := make([]float32, rows)
				dotRowsQ8_0(got, w, stride, x, nb)
				dotRowsQ8_0Generic(want, w, stride, x, nb)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func BenchmarkDotRowsQ8_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 64 // 256 rows of 2048
	w, stride, x := q8Rows(r, rows, nb, 0)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsQ8_0(out, w, stride, x, nb)
			}
		})
	}
}

// q4Groups makes rows (a multiple of 8) of nb random Q4_0 blocks, their
// repacked form and a random activation row.
func q4Groups(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w = make([]byte, rows*nb*q4Block)
	for i := range rows {
		if err := quant.Quantize(quant.Q4_0, w[i*nb*q4Block:(i+1)*nb*q4Block], randRow(r, nb*32)); err != nil {
			panic(err)
		}
	}
	x = make([]byte, nb*q8Block)
	if err := quantizeActivations(quant.Q8_0, x, randRow(r, nb*32)); err != nil {
		panic(err)
	}
	a = &q4Act{}
	a.fill(x, make([]int32, nb), make([]float32, nb))
	return w, repackQ4_0(make([]byte, len(w)), w, rows, nb), x, a
}

// q4Wide is q4Groups with rows (a multiple of 16) repacked in 16-row groups.
func q4Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, _, x, a = q4Groups(r, rows, nb)
	packed = make([]byte, len(w))
	repackGroups(packed, w, 0, rows/q4WideRows, nb, q4WideRows)
	return w, packed, x, a
}

// q4Pack makes rows of nb random Q4_0 blocks, their repacked form, an
// activation row and its q4Act: q4Groups or q4Wide.
type q4Pack func(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act)

// q4Kernel is a one-token repacked Q4_0 kernel.
type q4Kernel func(out []float32, w []byte, nb int, a *q4Act)

// testQ4Groups checks a repacked Q4_0 kernel (weights from pack, rows of
// nb blocks for each size {rows, nb}) against the one-row reference
// (ggml's repacked order), bit for bit, at every level.
func testQ4Groups(t *testing.T, r *rand.Rand, pack q4Pack, kernel q4Kernel, sizes [][2]int) {
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range sizes {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := pack(r, rows, nb)
				got := make([]float32, rows)
				kernel(got, packed, nb, a)
				for i := range got {
					want := dotBlocks(nb, q4Block, w[i*nb*q4Block:], x, q4Vals)
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
				}
			}
		})
	}
}

// benchQ4Groups measures a repacked Q4_0 kernel on 256 rows of 2048 at
// every level (bytes/s of weights).
func benchQ4Groups(b *testing.B, pack q4Pack, kernel q4Kernel) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 64
	_, packed, _, a := pack(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				kernel(out, packed, nb, a)
			}
		})
	}
}

// TestDotWideQ4_0 checks the 16-row group kernels against the one-row
// reference (ggml's repacked order), bit for bit.
func TestDotWideQ4_0(t *testing.T) {
	testQ4Groups(t, rand.New(rand.NewPCG(61, 62)), q4Wide, dotWideQ4_0, [][2]int{{16, 1}, {32, 3}, {48, 7}, {16, 64}, {80, 65}})
}

func BenchmarkDotWideQ4_0(b *testing.B) { benchQ4Groups(b, q4Wide, dotWideQ4_0) }

func TestDotGroupsQ4_0(t *testing.T) {
	testQ4Groups(t, rand.New(rand.NewPCG(11, 12)), q4Groups, dotGroupsQ4_0, [][2]int{{8, 1}, {16, 3}, {24, 7}, {8, 64}, {40, 65}})
}

func BenchmarkDotGroupsQ4_0(b *testing.B) { benchQ4Groups(b, q4Groups, dotGroupsQ4_0) }

// q4Acts makes multiToken random Q8_0 activation rows of nb blocks in one
// buffer, spaced as scratch spaces them, and their q4Acts.
func q4Acts(t testing.TB, r *rand.Rand, nb int) []q4Act {
	xb := nb * q8Block
	xq := make([]byte, multiToken*xb)
	bias := make([]int32, multiToken*nb)
	d := make([]float32, multiToken*nb)
	acts := make([]q4Act, multiToken)
	for tk := range acts {
		if err := quantizeActivations(quant.Q8_0, xq[tk*xb:(tk+1)*xb], randRow(r, 32*nb)); err != nil {
			t.Fatal(err)
		}
		acts[tk].fill(xq[tk*xb:(tk+1)*xb], bias[tk*nb:(tk+1)*nb], d[tk*nb:(tk+1)*nb])
	}
	return acts
}

// tokenRows returns multiToken output rows of n floats, one after another
// in one buffer.
func tokenRows(n int) (out [multiToken][]float32) {
	all := make([]float32, multiToken*n)
	for tk := range out {
		out[tk] = all[tk*n : (tk+1)*n]
	}
	return out
}

// q4x4Kernel is a four-token repacked kernel (run) with what it is
// checked against: pack makes its weights, ref is the one-token Go
// reference, and on says whether run must run at the current level
// (feature names that condition in failures); acts, when set, makes the
// four activation records (else q4Acts: Q8_0 rows).
type q4x4Kernel struct {
	pack    q4Pack
	run     func(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool
	ref     q4Kernel
	on      func() bool
	feature string
	acts    func(t testing.TB, r *rand.Rand, nb int) []q4Act
}

// testQ4x4 checks k against its one-token reference for each token, bit
// for bit, on activation rows spaced as scratch spaces them, for each size
// {rows, nb} at every level: k must run exactly when k.on says, and
// decline rows spaced unevenly.
func testQ4x4(t *testing.T, r *rand.Rand, k q4x4Kernel, sizes [][2]int) {
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range sizes {
				rows, nb := sz[0], sz[1]
				_, packed, _, _ := k.pack(r, rows, nb)
				makeActs := k.acts
				if makeActs == nil {
					makeActs = q4Acts
				}
				acts := makeActs(t, r, nb)
				out := tokenRows(rows)
				ran := k.run(out, packed, nb, acts)
				if on := k.on(); ran != on {
					t.Fatalf("rows=%d nb=%d: ran = %v with %s %v", rows, nb, ran, k.feature, on)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range acts {
					k.ref(want, packed, nb, &acts[tk])
					for i := range want {
						if out[tk][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tk, i, out[tk][i], want[i])
						}
					}
				}
				// an activation row out of step: the kernel must decline
				skewed := append([]q4Act(nil), acts...)
				skewed[3].q = append([]byte(nil), acts[3].q...)
				if k.run(out, packed, nb, skewed) {
					t.Fatalf("rows=%d nb=%d: ran on unevenly spaced activations", rows, nb)
				}
			}
		})
	}
}
