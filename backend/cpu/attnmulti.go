package cpu

import "github.com/tern-llm/tern/quant"

// Several tokens' attention, key-value head by key-value head. Token by
// token (groups), every token of a prompt reads its sequence's keys and
// values anew: at 4096 positions a key-value head's F32 keys and values
// are 2 MiB, past a core's L2, so a 64-token prompt read them 64 times
// from L3 (and widened an F16 cache's 64 times). A unit here is one
// key-value head and a few tokens of one sequence (attnArgs.tokens): the
// head's rows of a chunk of attnChunk positions (cache blocks) are
// gathered (widened) once into one run, which every token and query head
// of the group then takes from L1, a kernel call a chunk rather than a
// block. Each (token, head) sums exactly as groups sums it: the same
// kernels on the same rows in the same order.

// attnUnit is a unit of a multi-token Attention: key-value head kvh for
// tokens [i0, i1) of one sequence.
type attnUnit struct{ kvh, i0, i1 int }

// attnTokens is the most tokens a unit takes, and attnScoreBytes the
// bytes of scores its tokens' query heads may hold (written, softmaxed and
// read back). BenchmarkAttentionPrompt (64 tokens after 4032 positions),
// F32, in turn: 8 tokens and 512 KiB 22.3 and 26.3 ms, 16 and 1 MiB 20.7
// and 23.5, then 16 and 1 MiB 24.7 and 22.5 against 32 and 2 MiB 23.3 and
// 20.5 (4 and 256 KiB: 25.4 and 28.6).
const (
	attnTokens     = 32
	attnScoreBytes = 2 << 20
)

// attnChunk is the fewest positions a unit gathers at once: 16 KiB of a
// head's F32 keys (or values) of 64 floats.
const attnChunk = 64

// chunkOf is the positions a multi-token unit gathers at once with cache
// blocks of bs positions: attnChunk, or a block where that is longer.
func chunkOf(bs int) int { return max(bs, (attnChunk+bs-1)/bs*bs) }

// prefetchChunk asks for head kvh's rows of the chunk positions from n
// of sequence s (none past p) in the cache c, block by block.
func (r *attnArgs) prefetchChunk(c []byte, s, p, n, chunk, kvh int) {
	for t := n; t < n+chunk && t <= p; t += r.b.BlockSize {
		r.prefetchBlock(c, s, p, t, kvh)
	}
}

// gather returns head kvh's rows of the cnt positions from t0 (a block's
// first) of sequence s and the floats from one to the next: in place in
// an F32 cache (f) where they lie in one block, else copied or widened
// from the cache c into w, one after another.
func (r *attnArgs) gather(f []float32, c []byte, w []float32, s, t0, cnt, kvh int) ([]float32, int) {
	hd, bs := r.hd, r.b.BlockSize
	if r.typ == quant.F32 && cnt <= bs {
		return r.block(f, c, w, s, t0, cnt, kvh)
	}
	for b0 := 0; b0 < cnt; b0 += bs {
		n := min(bs, cnt-b0)
		if r.typ == quant.F16 {
			r.block(f, c, w[b0*hd:], s, t0+b0, n, kvh)
			continue
		}
		k, stride := r.block(f, c, w, s, t0+b0, n, kvh)
		for i := range n {
			copy(w[(b0+i)*hd:(b0+i+1)*hd], k[i*stride:i*stride+hd])
		}
	}
	return w[:cnt*hd], hd
}

// unitTokens returns how many tokens a unit of a multi-token Attention
// of n tokens over up to positions positions takes: its group of query
// heads' scores within attnScoreBytes, and units enough for each of
// threads cores to claim four.
func unitTokens(n, group, positions, kvHeads, threads int) int {
	t := attnScoreBytes / max(1, 4*group*max(positions, svShortMax))
	if threads > 1 {
		t = min(t, n*kvHeads/(4*threads))
	}
	return max(1, min(t, attnTokens, n))
}

// cutUnits sets r.units to the units of a multi-token Attention: for
// each key-value head, the tokens in runs of one sequence, at most
// r.a.tokens a unit. The cores then take the same head's keys and
// values, from L3 (BenchmarkAttentionPrompt, F32: 21.0-21.4 ms against
// 22.6-22.9 with each run's heads one after another).
func (r *attnRun) cutUnits() {
	a := &r.a
	n := len(a.b.Pos)
	r.units = r.units[:0]
	for kvh := range a.nkv {
		for i := 0; i < n; {
			j := i + 1
			for j < n && j-i < a.tokens && a.b.Seq[j] == a.b.Seq[i] {
				j++
			}
			r.units = append(r.units, attnUnit{kvh, i, j})
			i = j
		}
	}
}

// claimUnits is a participant's share of a multi-token Attention: units
// claimed from r.next until none is left.
func (r *attnRun) claimUnits(share, _ int) {
	for {
		u := int(r.next.Add(1) - 1)
		if u >= len(r.units) {
			return
		}
		r.unit(share, r.units[u])
	}
}

// unit runs attention for key-value head u.kvh's query heads of tokens
// u.i0 to u.i1 (one sequence) over an F32 or F16 cache with share's
// buffers: every token's scores chunk by chunk, their softmax, then
// softmax·V chunk by chunk, each chunk of the cache read once for all of
// them.
func (run *attnRun) unit(share int, u attnUnit) {
	r := &run.a
	g, b, hd, rows := r.group, r.b, r.hd, r.rows
	if u.i1-u.i0 == 1 && r.typ == quant.F32 {
		// Nothing to share, and an F32 block is read in place: the
		// token's group as groups takes it. BenchmarkAttentionBatch (eight
		// sequences a token each), F32: 1.28-1.29 ms here as a unit,
		// 1.22 ms so (1.17-1.21 before units); F16 gains as a unit
		// (1.06-1.07 ms against 1.22-1.25), its chunks widened at once.
		lo := u.i0*r.nh + u.kvh*g
		run.groups(share, lo, lo+g)
		return
	}
	buf := &r.bufs[share]
	s, last := int(b.Seq[u.i0]), 0
	for i := u.i0; i < u.i1; i++ {
		last = max(last, int(b.Pos[i]))
	}
	r.unitPass(buf, u, s, last, false)
	for i := u.i0; i < u.i1; i++ {
		for j := range g {
			sc := buf.scores[((i-u.i0)*g+j)*buf.span:][:b.Pos[i]+1]
			softmax(sc, maxF32(sc))
		}
	}
	r.unitPass(buf, u, s, last, true)
	lanes := rows * hd
	for i := u.i0; i < u.i1; i++ {
		used := min(int(b.Pos[i])+1, rows) // rows from used on are zero (cleared after each use)
		for j := range g {
			o := r.os[i*r.oCols+(u.kvh*g+j)*hd:][:hd]
			foldClear(o, buf.acc[((i-u.i0)*g+j)*lanes:][:lanes], hd, rows, used)
		}
	}
}

// unitPass runs one of unit's passes over the cache, positions up to
// last of sequence s chunk by chunk: each token's scores (token i's query
// head j's at row (i-u.i0)·group+j of buf.scores) from the keys, or, with
// values, softmax·V into buf.acc's rows alike.
func (r *attnArgs) unitPass(buf *attnBuf, u attnUnit, s, last int, values bool) {
	g, b, hd := r.group, r.b, r.hd
	lanes := r.rows * hd
	f, c, w := r.kf, r.kb, buf.kw
	if values {
		f, c, w = r.vf, r.vb, buf.vw
	}
	ahead := (last+1)*hd*r.rb/r.kCols >= kvAheadBytes
	chunk := chunkOf(b.BlockSize)
	for t0 := 0; t0 <= last; t0 += chunk {
		cnt := min(chunk, last+1-t0)
		if ahead {
			r.prefetchChunk(c, s, last, t0+chunk, chunk, u.kvh)
		}
		rows, stride := r.gather(f, c, w, s, t0, cnt, u.kvh)
		for i := u.i0; i < u.i1; i++ {
			n := min(cnt, int(b.Pos[i])+1-t0)
			if n <= 0 {
				continue
			}
			for j := range g {
				h := (i-u.i0)*g + j
				sc := buf.scores[h*buf.span+t0:][:n]
				if values {
					axpyLanes16(buf.acc[h*lanes:][:lanes], hd, t0, rows, stride, sc)
				} else {
					kqScores(sc, rows, stride, r.qs[i*r.qCols+(u.kvh*g+j)*hd:][:hd], r.scale)
				}
			}
		}
	}
}
