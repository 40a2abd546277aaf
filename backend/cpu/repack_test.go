package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// repackQ4_0Bytes is the group layout of repack.go (groups of gr rows)
// written out byte by byte: the reference for repackGroups. Groups of 8
// rows keep each block's scales and chunks together (16 + 128 bytes);
// groups of 16 pair their blocks: blocks 2j and 2j+1 take 576 bytes from
// 576j, their scales in bytes 0-31 and 32-63, their chunks from 64 and
// from 320; an odd last block takes its scales, then its chunks.
func repackQ4_0Bytes(dst, src []byte, rows, nb, gr int) {
	rb := nb * q4Block
	gb := gr * q4Block
	for g := range rows / gr {
		group := dst[g*nb*gb:][:nb*gb]
		for b := range nb {
			s, c := b*gb, b*gb+2*gr
			if gr == 16 && b%2 == 1 {
				s, c = (b-1)*288+32, (b-1)*288+320
			} else if gr == 16 && b+1 < nb {
				c = b*288 + 64
			}
			for r := range gr {
				blk := src[(g*gr+r)*rb+b*q4Block:][:q4Block]
				copy(group[s+2*r:s+2*r+2], blk[:2])
				for p := range 4 {
					for i := range 4 {
						group[c+4*gr*p+4*r+i] = blk[2+4*p+i]
					}
				}
			}
		}
	}
}

func TestRepackQ4_0(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, sz := range [][2]int{{8, 1}, {16, 3}, {24, 64}, {40, 65}, {48, 5}, {32, 1}, {16, 2}, {32, 65}} {
		rows, nb := sz[0], sz[1]
		src := make([]byte, rows*nb*q4Block)
		for i := range src {
			src[i] = byte(r.IntN(256))
		}
		want := make([]byte, len(src))
		repackQ4_0Bytes(want, src, rows, nb, q4GroupRows)
		if got := repackQ4_0(make([]byte, len(src)), src, rows, nb); string(got) != string(want) {
			t.Fatalf("rows=%d nb=%d: repackQ4_0 bytes differ", rows, nb)
		}
		// on the device's workers, in chunks of repackChunk groups, 16-row
		// groups where the machine takes them
		repackQ4_0Bytes(want, src, rows, nb, groupRows(rows))
		d := New(2)
		got := d.repacked(quant.Q4_0, src, rows, nb)
		if string(got) != string(want) {
			t.Fatalf("rows=%d nb=%d: repacked bytes differ (groups of %d)", rows, nb, groupRows(rows))
		}
	}
}

// TestMapRepacks checks that Map repacks the weights MatMul would repack
// (Q4_0 with rows in multiples of 8; Q8_0, Q5_0, Q4_1, Q5_1, IQ4_NL,
// TQ1_0, TQ2_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K in multiples of 16 with
// AVX-512 VNNI), and only those.
func TestMapRepacks(t *testing.T) {
	for _, tc := range []struct {
		typ  quant.Type
		rows int
		want int
	}{
		{quant.Q4_0, 16, 1}, {quant.Q4_0, 12, 0}, {quant.Q8_0, 16, b2i(wideQ8)}, {quant.Q8_0, 24, 0},
		{quant.TQ2_0, 32, b2i(wideTQ2)}, {quant.TQ2_0, 8, 0}, {quant.Q5_0, 32, b2i(wideQ50)}, {quant.Q5_0, 8, 0}, {quant.Q4_1, 16, b2i(wideQ41)}, {quant.Q5_1, 48, b2i(wideQ41)}, {quant.Q5_1, 24, 0}, {quant.IQ4_NL, 16, b2i(wideIQ4NL)}, {quant.IQ4_NL, 40, 0}, {quant.TQ1_0, 16, b2i(wideTQ1)}, {quant.TQ1_0, 8, 0}, {quant.Q2_K, 16, b2i(wideQ2K)}, {quant.Q2_K, 24, 0}, {quant.Q4_K, 16, b2i(wideQ4K)}, {quant.Q4_K, 24, 0}, {quant.Q5_K, 32, b2i(wideQ5K)}, {quant.Q5_K, 8, 0}, {quant.Q6_K, 16, b2i(wideQ6K)}, {quant.Q6_K, 8, 0}, {quant.Q3_K, 32, b2i(wideQ3K)}, {quant.Q3_K, 24, 0},
	} {
		d := New(1)
		k := 2 * tc.typ.BlockSize()
		rb, _ := tc.typ.RowBytes(k)
		w, err := d.Map(tc.typ, tc.rows, k, make([]byte, tc.rows*rb))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(d.repack.entries); got != tc.want {
			t.Errorf("%s %d rows: %d repacked entries after Map, want %d", tc.typ, tc.rows, got, tc.want)
		}
		d.Free(w)
	}
}

// BenchmarkRepackQ4_0 repacks a 8192×2048 matrix (bytes/s of weights) on
// the device's workers, as Map does.
func BenchmarkRepackQ4_0(b *testing.B) {
	const rows, nb = 8192, 64
	src := make([]byte, rows*nb*q4Block)
	dst := make([]byte, len(src))
	d := New(0)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		d.parallel(rows/q4GroupRows, repackChunk, func(lo, hi int) { repackGroups(dst, src, lo, hi, nb, q4GroupRows) })
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
