package modelgen

import "github.com/tern-llm/tern/gguf"

// fileSize is the size of the GGUF file the gguf Writer makes of metadata
// kv and tensors infos, with the default alignment (generated files set no
// general.alignment): the header, each entry, each tensor description, then
// the data, each tensor padded to the alignment. TestSizeMatchesGenerate
// holds it to what the Writer writes.
func fileSize(kv []gguf.KV, infos []TensorInfo) int64 {
	const align = gguf.DefaultAlignment
	n := int64(4 + 4 + 8 + 8) // magic, version, tensor count, entry count
	for _, e := range kv {
		n += 8 + int64(len(e.Key)) + 4 + valueSize(e.Value)
	}
	for _, t := range infos {
		n += 8 + int64(len(t.Name)) + 4 + 8*int64(len(t.Shape)) + 4 + 8
	}
	if len(infos) > 0 {
		n = alignUp(n, align)
	}
	for _, t := range infos {
		n += alignUp(t.Bytes, align)
	}
	return n
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// valueSize is the encoded size of a metadata value, without its type tag.
func valueSize(v any) int64 {
	switch v := v.(type) {
	case uint8, int8, bool:
		return 1
	case uint16, int16:
		return 2
	case uint32, int32, float32:
		return 4
	case uint64, int64, float64:
		return 8
	case string:
		return 8 + int64(len(v))
	case gguf.Array:
		n := int64(4 + 8) // element type, count
		switch vs := v.Values.(type) {
		case []string:
			for _, s := range vs {
				n += 8 + int64(len(s))
			}
		case []gguf.Array:
			for _, a := range vs {
				n += valueSize(a)
			}
		default:
			n += int64(v.Len()) * elemSize(v.Elem)
		}
		return n
	}
	return 0 // not a metadata type: Size has had gguf.Writer.Set reject it
}

func elemSize(t gguf.ValueType) int64 {
	switch t {
	case gguf.TypeUint8, gguf.TypeInt8, gguf.TypeBool:
		return 1
	case gguf.TypeUint16, gguf.TypeInt16:
		return 2
	case gguf.TypeUint32, gguf.TypeInt32, gguf.TypeFloat32:
		return 4
	}
	return 8
}
