package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// attentionRef is Attention for one (token, head) in plain steps, every
// lane accumulator folded whether it holds terms or not, as ggml folds
// them: scores, softmax, the weighted values into lanes rows (64 for one
// token, 16 for several), then the lane tree. k and v are the head's
// cache rows, position by position.
func attentionRef(o, q []float32, k, v [][]float32, scale float32, rows int) {
	hd := len(q)
	scores := make([]float32, len(k))
	mx := float32(math.Inf(-1))
	for t := range k {
		scores[t] = vecDotF32(k[t], q) * scale
		mx = max(mx, scores[t])
	}
	softmax(scores, mx)
	acc := make([]float32, rows*hd)
	for t := range v {
		l := t % rows
		axpy(acc[l*hd:(l+1)*hd], v[t], scores[t])
	}
	if rows == 64 { // ggml_vec_dot_f32's four accumulators: 0+2, 1+3, 0+1
		addRows(acc[0:16*hd], acc[32*hd:48*hd])
		addRows(acc[16*hd:32*hd], acc[48*hd:64*hd])
		addRows(acc[0:16*hd], acc[16*hd:32*hd])
	}
	for _, w := range []int{8, 4, 2} { // reduce16's lanes
		addRows(acc[:w*hd], acc[w*hd:2*w*hd])
	}
	addF32(o, acc[:hd], acc[hd:2*hd])
}

// TestAttentionReference checks Attention against attentionRef bit for
// bit at every level: F32 and F16 caches, one token and several, positions
// on both sides of the 16 and 64 lane counts, grouped query heads, and
// values so small that a lane's terms are all -0 (the tree's sum is then
// +0 where lanes without terms are added).
func TestAttentionReference(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	const block = 16
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, typ := range []quant.Type{quant.F32, quant.F16} {
				for _, tc := range []struct {
					heads, kvHeads, hd int
					pos                []int32
					tiny               bool
				}{
					{4, 2, 64, []int32{0}, false},
					{4, 2, 64, []int32{1}, true},
					{4, 2, 64, []int32{5}, false},
					{4, 2, 64, []int32{5}, true},
					{4, 2, 64, []int32{20}, true},
					{4, 4, 32, []int32{16}, false},
					{4, 2, 64, []int32{40}, false},
					{4, 2, 64, []int32{63}, false},
					{4, 2, 64, []int32{64}, false},
					{2, 1, 64, []int32{100}, true},
					{4, 2, 64, []int32{3, 4, 5}, false},
					{4, 2, 64, []int32{15, 16, 17}, true},
					{4, 1, 64, []int32{30, 31, 32, 33}, false},
					{8, 2, 64, []int32{129, 130}, false},
					{6, 2, 32, []int32{70}, false},
					{4, 2, 64, []int32{1030}, false},
					// groups of four heads from 2048 positions: values by lane (addLanes)
					{8, 2, 64, []int32{2046}, false},
					{8, 2, 64, []int32{2047}, false},
					{8, 2, 64, []int32{2100}, true},
					{8, 1, 128, []int32{3100}, false},
					{16, 2, 64, []int32{2111}, false},
				} {
					name := fmt.Sprintf("%s %+v", typ, tc)
					checkAttention(t, r, name, typ, tc.heads, tc.kvHeads, tc.hd, tc.pos, tc.tiny, block)
				}
			}
		})
	}
}

func checkAttention(t *testing.T, r *rand.Rand, name string, typ quant.Type, heads, kvHeads, hd int, pos []int32, tiny bool, block int) {
	t.Helper()
	d := New(2)
	n := len(pos)
	positions := int(pos[n-1]) + 1
	blocks := (positions + block - 1) / block
	table := make([]int32, blocks)
	for i := range table { // blocks out of order, to check the table is followed
		table[i] = int32(blocks - 1 - i)
	}
	b := &backend.Batch{Pos: pos, Seq: make([]int32, n), Slots: make([]int32, n), Tables: [][]int32{table}, BlockSize: block}
	cols := kvHeads * hd
	kc, _ := d.Alloc(typ, blocks*block, cols)
	vc, _ := d.Alloc(typ, blocks*block, cols)
	rows := make([][2][]float32, positions) // keys and values as the cache holds them
	for p := range positions {
		kr, vr := randRow(r, cols), randRow(r, cols)
		if tiny { // -1e-45·w rounds to -0 for weights up to ½
			for e := range vr[:hd] {
				vr[e] = -math.SmallestNonzeroFloat32
			}
		}
		for c, src := range [2][]float32{kr, vr} {
			cache := []*backend.Tensor{kc, vc}[c]
			cb, _ := d.bytes(cache)
			rb := cache.RowBytes()
			row := int(table[p/block])*block + p%block
			if err := quant.Quantize(typ, cb[row*rb:(row+1)*rb], src); err != nil {
				t.Fatal(err)
			}
			rows[p][c] = make([]float32, cols)
			if err := quant.Dequantize(typ, rows[p][c], cb[row*rb:(row+1)*rb]); err != nil {
				t.Fatal(err)
			}
		}
	}
	q, _ := d.Alloc(quant.F32, n, heads*hd)
	if err := d.Upload(q, f32Bytes(randRow(r, n*heads*hd))); err != nil {
		t.Fatal(err)
	}
	out, _ := d.Alloc(quant.F32, n, heads*hd)
	if err := d.Upload(out, f32Bytes(randRow(r, n*heads*hd))); err != nil {
		t.Fatal(err)
	}
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	for range 2 { // twice: the first call must leave its scratch as it found it
		if err := d.Attention(out, q, kc, vc, a, b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	got, _ := F32(out)
	qs, _ := F32(q)
	lanes := 64
	if n >= 2 {
		lanes = 16
	}
	want := make([]float32, hd)
	for i := range n {
		for h := range heads {
			kvh := h / (heads / kvHeads)
			var ks, vs [][]float32
			for p := range int(pos[i]) + 1 {
				ks = append(ks, rows[p][0][kvh*hd:(kvh+1)*hd])
				vs = append(vs, rows[p][1][kvh*hd:(kvh+1)*hd])
			}
			attentionRef(want, qs[(i*heads+h)*hd:(i*heads+h+1)*hd], ks, vs, a.Scale, lanes)
			for e, w := range want {
				if g := got[(i*heads+h)*hd+e]; math.Float32bits(g) != math.Float32bits(w) {
					t.Fatalf("%s: token %d head %d [%d] = %g (%#x), want %g (%#x)", name, i, h, e, g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
		}
	}
}

// TestAttentionWidenedAnew checks that the widened F16 rows (attnBuf.kw,
// vw) are made anew for each call: a second call over a cache whose rows
// changed between the calls equals the first call of a fresh device.
func TestAttentionWidenedAnew(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	const heads, kvHeads, hd, block = 4, 2, 64, 16
	pos := []int32{20}
	b := &backend.Batch{Pos: pos, Seq: []int32{0}, Slots: []int32{0}, Tables: [][]int32{{1, 0}}, BlockSize: block}
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	qv := randRow(r, heads*hd)
	run := func(d *Device, kc, vc *backend.Tensor) []float32 {
		q, _ := d.Alloc(quant.F32, 1, heads*hd)
		qf, _ := F32(q)
		copy(qf, qv)
		out, _ := d.Alloc(quant.F32, 1, heads*hd)
		if err := d.Attention(out, q, kc, vc, a, b); err != nil {
			t.Fatal(err)
		}
		of, _ := F32(out)
		return of
	}
	fill := func(d *Device, kc, vc *backend.Tensor, vals []float32) {
		for _, c := range []*backend.Tensor{kc, vc} {
			cb, _ := d.bytes(c)
			rb := c.RowBytes()
			for row := range c.Rows {
				if err := quant.Quantize(quant.F16, cb[row*rb:(row+1)*rb], vals[row*c.Cols:(row+1)*c.Cols]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	d := New(2)
	kc, _ := d.Alloc(quant.F16, 2*block, kvHeads*hd)
	vc, _ := d.Alloc(quant.F16, 2*block, kvHeads*hd)
	fill(d, kc, vc, randRow(r, 2*block*kvHeads*hd))
	first := run(d, kc, vc)
	second := randRow(r, 2*block*kvHeads*hd)
	fill(d, kc, vc, second)
	got := run(d, kc, vc)
	f := New(2)
	fk, _ := f.Alloc(quant.F16, 2*block, kvHeads*hd)
	fv, _ := f.Alloc(quant.F16, 2*block, kvHeads*hd)
	fill(f, fk, fv, second)
	want := run(f, fk, fv)
	for e := range want {
		if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
			t.Fatalf("[%d] = %g after the cache changed, want %g (the first call's: %g)", e, got[e], want[e], first[e])
		}
	}
}

// TestFoldClear checks foldClear (its vector path where there is one)
// against foldLanes and a clear, bit for bit: one-token lane rows (64) of
// which 1 to 64 hold terms (each of the 16-, 32- and 64-row folds, and all
// rows, where foldLanes adds no +0), heads of 16 to 128 and 40 (no vector path),
// some terms ±0 and some columns all -0, and every row of acc zero after.
func TestFoldClear(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, hd := range []int{16, 40, 64, 128} {
		for used := 1; used <= vecStep; used++ {
			acc := make([]float32, vecStep*hd)
			for i := range acc[:used*hd] {
				switch c := i % hd; {
				case c == 3: // a column of -0 terms: +0 after the fold
					acc[i] = float32(math.Copysign(0, -1))
				case r.IntN(8) == 0:
					acc[i] = 0
				default:
					acc[i] = float32(r.NormFloat64())
				}
			}
			want := make([]float32, hd)
			ref := append([]float32(nil), acc...)
			foldLanes(want, ref, hd, vecStep, used)
			got := make([]float32, hd)
			foldClear(got, acc, hd, vecStep, used)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("hd %d, %d rows used: o[%d] = %v (%#x), want %v (%#x)", hd, used, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
			for i, v := range acc {
				if math.Float32bits(v) != 0 {
					t.Fatalf("hd %d, %d rows used: acc[%d] = %v after the fold, want +0", hd, used, i, v)
				}
			}
		}
	}
}
