package gguf

import (
	"encoding/binary"
	"math"
)

// enc builds GGUF bytes by hand, field by field, so that tests can state the
// exact bytes a file should hold without going through Writer, and can make
// files no Writer would write (version 2, hostile counts, bad offsets).
type enc struct{ b []byte }

// newFile starts a file: magic, version, tensor count, metadata count.
func newFile(version uint32, tensors, kvs uint64) *enc {
	e := &enc{b: []byte("GGUF")}
	return e.u32(version).u64(tensors).u64(kvs)
}

func (e *enc) u8(v uint8) *enc   { e.b = append(e.b, v); return e }
func (e *enc) u16(v uint16) *enc { e.b = binary.LittleEndian.AppendUint16(e.b, v); return e }
func (e *enc) u32(v uint32) *enc { e.b = binary.LittleEndian.AppendUint32(e.b, v); return e }
func (e *enc) u64(v uint64) *enc { e.b = binary.LittleEndian.AppendUint64(e.b, v); return e }
func (e *enc) f32(v float32) *enc {
	return e.u32(math.Float32bits(v))
}
func (e *enc) f64(v float64) *enc { return e.u64(math.Float64bits(v)) }
func (e *enc) str(s string) *enc  { e.u64(uint64(len(s))); e.b = append(e.b, s...); return e }
func (e *enc) raw(b ...byte) *enc { e.b = append(e.b, b...); return e }

// kv starts a metadata entry: key and type tag (the value follows).
func (e *enc) kv(key string, t ValueType) *enc { return e.str(key).u32(uint32(t)) }

// arr starts an array value: element type and count (the elements follow).
func (e *enc) arr(elem ValueType, n uint64) *enc { return e.u32(uint32(elem)).u64(n) }

// tensor writes a tensor info.
func (e *enc) tensor(name string, typ uint32, offset uint64, shape ...uint64) *enc {
	e.str(name).u32(uint32(len(shape)))
	for _, d := range shape {
		e.u64(d)
	}
	return e.u32(typ).u64(offset)
}

// pad appends zeros up to a multiple of a.
func (e *enc) pad(a int) *enc {
	for len(e.b)%a != 0 {
		e.b = append(e.b, 0)
	}
	return e
}

// fill appends n bytes counting up from seed, so tensor data is not all zero.
func (e *enc) fill(n int, seed byte) *enc {
	for i := 0; i < n; i++ {
		e.b = append(e.b, seed+byte(i))
	}
	return e
}

func (e *enc) bytes() []byte { return e.b }

// tinyFile is a valid v3 file with metadata of several types and two F32
// tensors, small enough to corrupt at every byte.
func tinyFile() []byte {
	e := newFile(3, 2, 4)
	e.kv("general.architecture", TypeString).str("llama")
	e.kv("llama.block_count", TypeUint32).u32(2)
	e.kv("tokenizer.ggml.tokens", TypeArray).arr(TypeString, 3).str("a").str("").str("bc")
	e.kv("nested", TypeArray).arr(TypeArray, 2).arr(TypeInt8, 2).u8(1).u8(0xff).arr(TypeFloat32, 1).f32(0.5)
	e.tensor("w", 0, 0, 3, 2) // F32 3x2 = 24 bytes at 0
	e.tensor("b", 0, 32, 4)   // F32 4 = 16 bytes at 32
	e.pad(32).fill(24, 1).pad(32).fill(16, 100).pad(32)
	return e.bytes()
}
