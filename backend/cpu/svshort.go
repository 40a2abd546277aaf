package cpu

import (
	"fmt"

	"github.com/tern-llm/tern/quant"
)

// Short softmax·V with its lanes folded in registers. Block by block
// (axpyRows), one token's softmax·V adds each position's value row, times
// its weight, into accumulator row t mod 64 of each query head of the
// group, and foldLanes then sums the 64 rows: 64 KiB of accumulators for a
// group of four heads of 64 floats, twice a Zen 4 core's L1, which a
// decode step's weights, streamed through the core between two layers,
// have pushed out of its caches. Below svShortMax positions a lane holds
// at most two positions, so svShort makes foldLanes' first two folds,
// (row l + row l+32) + (row l+16 + row l+48), straight from the value
// rows in registers: 16 rows of a head (4 KiB) that foldClear folds on.
// The sums are the same, in the same order: each lane's position l, then
// l+64, fused, from +0.

// svShortMax is the most positions svShort takes: two a lane.
const svShortMax = 128

// svShortOps is the operands of one query head's short softmax·V.
type svShortOps struct {
	u    []float32    // 16 rows of hd: the lanes, folded twice
	segs [8][]float32 // segment k: the value rows of positions 16k to 16k+15, hd apart
	w    []float32    // the head's weights by position
	hd   int
	m    int // segments read: 1, 2, 4 or 8
}

// check panics unless rows l0 to l1 of sv.u, n of its m segments and
// their weights lie inside sv's slices: the vector path reads them
// unchecked.
func (sv *svShortOps) check(l0, l1, n int) {
	ok := 0 <= l0 && l0 <= l1 && l1 <= 16 && 1 <= n && n <= sv.m && (sv.m == 1 || sv.m == 2 || sv.m == 4 || sv.m == 8) &&
		len(sv.u) >= l1*sv.hd && len(sv.w) >= 16*(sv.m-1)+l1
	for _, s := range sv.segs[:sv.m] {
		ok = ok && len(s) >= l1*sv.hd
	}
	if !ok {
		panic(fmt.Sprintf("cpu: short softmax·V rows %d-%d of %d segments (%d read), %d weights", l0, l1, sv.m, n, len(sv.w)))
	}
}

// svShortGeneric sets rows l0 to l1 of sv.u from the first n segments
// (the later ones hold no position of these rows): row l is (lane l + lane
// l+32) + (lane l+16 + lane l+48), lane j being fma(w[j+64], v[j+64],
// fma(w[j], v[j], +0)) of its positions present.
func svShortGeneric(sv *svShortOps, l0, l1, n int) {
	sv.check(l0, l1, n)
	hd := sv.hd
	for l := l0; l < l1; l++ {
		for d := range hd {
			var a [4]float32
			for k := range min(n, 4) {
				a[k] = fma32(sv.w[16*k+l], sv.segs[k][l*hd+d], 0)
				if k+4 < n {
					a[k] = fma32(sv.w[16*(k+4)+l], sv.segs[k+4][l*hd+d], a[k])
				}
			}
			sv.u[l*hd+d] = (a[0] + a[2]) + (a[1] + a[3])
		}
	}
}

// svShortOK reports whether groups takes a one-token softmax·V over
// positions up to p by svShort: an F32 cache laid out by head in blocks of
// whole 16-slot segments, heads of a multiple of 16 floats, and a vector
// path.
func (r *attnArgs) svShortOK(p int) bool {
	return svShortFast() && p < svShortMax && r.typ == quant.F32 && r.kv.bs != 0 && r.kv.bs%16 == 0 &&
		r.rows == vecStep && r.hd%16 == 0
}

// svShortGroup makes the outputs of token i's query heads h0 to h0+group
// (key-value head kvh, sequence s, positions up to p) from their weights
// in buf (softmaxed) by svShort, and foldClear.
func (r *attnArgs) svShortGroup(buf *attnBuf, i, h0, s, p, kvh int) {
	hd, count := r.hd, p+1
	sv := svShortOps{hd: hd, m: 1}
	for 16*sv.m < count {
		sv.m *= 2
	}
	last := (count - 1) / 16 // segments past it are never read: they take its rows
	for k := range sv.m {
		off, _ := r.kv.head(r.b.Row(s, 16*min(k, last)), kvh, hd, r.rb, 4)
		sv.segs[k] = r.vf[off/4:][:16*hd]
	}
	// Rows below rem take one segment more than the rest.
	full, rem := count/16, count%16
	lanes := r.rows * hd
	for j := range r.group {
		acc := buf.acc[j*lanes:][:lanes]
		sv.u, sv.w = acc[:16*hd], buf.scores[j*buf.span:][:16*sv.m]
		if rem > 0 {
			svShort(&sv, 0, rem, full+1)
		}
		if full > 0 {
			svShort(&sv, rem, 16, full)
		}
		foldClear(r.os[i*r.oCols+(h0+j)*hd:][:hd], acc, hd, r.rows, 16)
	}
}
