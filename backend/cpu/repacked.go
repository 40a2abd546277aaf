package cpu

import (
	"encoding/binary"

	"github.com/tern-llm/tern/quant"
)

// repacks reports whether MatMul takes m×k weights of type t repacked
// (repackInto): Q4_0 with rows in multiples of 8; the formats of
// wideFormatOf with rows in multiples of 16 where the machine has AVX-512
// VNNI.
func repacks(t quant.Type, m, k int) bool {
	if m <= 0 || k <= 0 || k%t.BlockSize() != 0 {
		return false
	}
	switch t {
	case quant.Q4_0:
		return m%q4GroupRows == 0
	}
	f := wideFormatOf(t)
	return f.repack != nil && f.on && m%q4WideRows == 0
}

// repackedFormat is a format MatMul repacks in 16-row groups (and no
// other way): its repacking, pickKernel's kernel for its repacked weights
// (m rows of nb blocks), and whether this machine's kernels read it (the
// format's flag: AVX-512 VNNI).
type repackedFormat struct {
	repack func(dst, src []byte, lo, hi, nb int)
	kernel func(d *Device, n, m, nb int, wb, packed []byte, transient bool, xq []byte, xb int) kernel
	on     bool
}

// wideFormatOf returns t's repackedFormat; a zero one for the others.
func wideFormatOf(t quant.Type) repackedFormat {
	switch t {
	case quant.Q8_0:
		return repackedFormat{repackQ8Groups, (*Device).wideQ8Kernel, wideQ8}
	case quant.Q5_0:
		return repackedFormat{repackQ50Groups, (*Device).wideQ50Kernel, wideQ50}
	case quant.Q4_1:
		return repackedFormat{repackQ41Groups, (*Device).wideQ41Kernel, wideQ41}
	case quant.Q5_1:
		return repackedFormat{repackQ51Groups, (*Device).wideQ51Kernel, wideQ41}
	case quant.IQ4_NL:
		return repackedFormat{repackIQ4NLGroups, (*Device).wideIQ4NLKernel, wideIQ4NL}
	case quant.TQ1_0:
		return repackedFormat{repackTQ1Groups, (*Device).wideTQ1Kernel, wideTQ1}
	case quant.TQ2_0:
		return repackedFormat{repackTQ2Groups, (*Device).wideTQ2Kernel, wideTQ2}
	case quant.Q2_K:
		return repackedFormat{repackQ2KGroups, (*Device).wideQ2KKernel, wideQ2K}
	case quant.Q4_K:
		return repackedFormat{repackQ4KGroups, (*Device).wideQ4KKernel, wideQ4K}
	case quant.Q5_K:
		return repackedFormat{repackQ5KGroups, (*Device).wideQ5KKernel, wideQ5K}
	case quant.Q6_K:
		return repackedFormat{repackQ6KGroups, (*Device).wideQ6KKernel, wideQ6K}
	case quant.Q3_K:
		return repackedFormat{repackQ3KGroups, (*Device).wideQ3KKernel, wideQ3K}
	}
	return repackedFormat{}
}

// repacked returns the repacked form of weights that MatMul repacks (m
// rows of nb blocks, repacks), made on first use (Map makes it for the
// weights it wraps) and kept until the tensor is freed (Free) or the
// device is collected. An entry whose source bytes no longer match its fingerprint
// (memory unmapped and reused without Free) is rebuilt.
func (d *Device) repacked(t quant.Type, wb []byte, m, nb int) []byte {
	key, fp := keyOf(wb), fingerprint(wb)
	if e, ok := d.repack.entries[key]; ok && e.fp == fp {
		return e.packed
	} else if ok {
		e.release()
		delete(d.repack.entries, key)
	}
	p, release := hugeBytes(repackedBytes(t, m, nb))
	d.repackInto(p, t, wb, m, nb)
	d.repack.entries[key] = repackEntry{packed: p, fp: fp, release: release}
	return p
}

// packedFor returns the repacked form of m rows of nb blocks of t (wb) a
// product reads: packed where Map made it, the device's transient buffer
// for streamed weights, else the device's kept copy (made on first use).
func (d *Device) packedFor(t quant.Type, wb, packed []byte, transient bool, m, nb int) []byte {
	switch {
	case packed != nil:
		return packed
	case transient:
		return d.repackTransient(t, wb, m, nb)
	}
	return d.repacked(t, wb, m, nb)
}

// repackTransient repacks streamed weights into the device's one
// transient buffer, overwritten by the next product that needs it: the
// memory of a streamed model stays its pages plus the largest matrix.
func (d *Device) repackTransient(t quant.Type, wb []byte, m, nb int) []byte {
	n := repackedBytes(t, m, nb)
	if cap(d.transient) < n {
		d.transient = make([]byte, n)
	}
	p := d.transient[:n]
	d.repackInto(p, t, wb, m, nb)
	return p
}

// repackedBytes is the bytes of m rows of nb blocks of t, repacked or
// not.
func repackedBytes(t quant.Type, m, nb int) int { return m * nb * t.BlockBytes() }

// repackInto repacks m rows of nb blocks of t (a type that repacks) from
// wb into p (as many bytes), on the device's workers.
func (d *Device) repackInto(p []byte, t quant.Type, wb []byte, m, nb int) {
	if wide := wideFormatOf(t).repack; wide != nil {
		d.parallel(m/q4WideRows, repackChunk/2, func(lo, hi int) { wide(p, wb, lo, hi, nb) })
		return
	}
	gr := groupRows(m) // Q4_0: groups of 8 or 16 rows
	d.parallel(m/gr, repackChunk, func(lo, hi int) { repackGroups(p, wb, lo, hi, nb, gr) })
}

// repackChunk is the fewest 8-row groups a worker repacks at once (about
// 150 KB of 2048-wide rows): enough to pay for waking it.
const repackChunk = 16

// repackCache holds a device's repacked weights by the memory they came
// from. Its own type so that the device's cleanup can release it without
// keeping the device alive.
type repackCache struct {
	entries map[bytesKey]repackEntry
}

type repackEntry struct {
	packed  []byte
	fp      uint64 // fingerprint of the source bytes
	release func()
}

// forget releases the entry made from b, if any.
func (c *repackCache) forget(b []byte) {
	if len(b) == 0 {
		return
	}
	key := keyOf(b)
	if e, ok := c.entries[key]; ok {
		e.release()
		delete(c.entries, key)
	}
}

func (c *repackCache) releaseAll() {
	for k, e := range c.entries {
		e.release()
		delete(c.entries, k)
	}
}

// fingerprint hashes a sample of b (its ends and a few blocks between):
// enough to notice that different weights now live at the same address.
// It reads eight-byte words: MatMul asks for it on every product.
func fingerprint(b []byte) uint64 {
	h := uint64(14695981039346656037)
	mix := func(p []byte) {
		for ; len(p) >= 8; p = p[8:] {
			h = (h ^ binary.LittleEndian.Uint64(p)) * 1099511628211
		}
		for _, c := range p {
			h = (h ^ uint64(c)) * 1099511628211
		}
	}
	const piece = 64
	if len(b) <= 8*piece {
		mix(b)
		return h
	}
	for i := range 8 {
		off := (len(b) - piece) * i / 7
		mix(b[off : off+piece])
	}
	return h ^ uint64(len(b))
}
