package gguf_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/quant"
)

// A Writer takes metadata and tensors, then writes the file in one pass,
// calling each tensor's data function when its turn comes.
func ExampleWriter() {
	w := gguf.NewWriter()
	w.Set("general.architecture", "llama")
	w.Set("llama.block_count", uint32(2))
	w.Set("tokenizer.ggml.tokens", []string{"<unk>", "<s>", "</s>"})
	w.AddTensorData("norm", quant.F32, []int{2}, []byte{0, 0, 128, 63, 0, 0, 0, 64}) // 1, 2
	w.AddTensor("ramp", quant.F32, []int{4, 3}, func(out io.Writer) error {
		// Streamed: one row at a time, never the whole tensor.
		row := make([]byte, 4*4)
		for r := 0; r < 3; r++ {
			for i := 0; i < 4; i++ {
				binary.LittleEndian.PutUint32(row[4*i:], math.Float32bits(float32(4*r+i)))
			}
			if _, err := out.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		fmt.Println(err)
		return
	}

	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	// Header 24 bytes, metadata 45+33+81, tensor infos 36+44: 263, padded
	// to 288 where the data begins; each tensor is padded to 32 bytes.
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	fmt.Println(len(buf.Bytes()), "bytes, version", f.Version, "tokens", toks)
	for _, t := range f.Tensors {
		fmt.Printf("%s %s %v at %d: %d bytes\n", t.Name, t.Type, t.Shape, f.DataOffset+t.Offset, t.Size)
	}
	// Output:
	// 384 bytes, version 3 tokens [<unk> <s> </s>]
	// norm F32 [2] at 288: 8 bytes
	// ramp F32 [4 3] at 320: 48 bytes
}
