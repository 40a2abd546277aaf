package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/tokenizer"
)

// Encode a prompt with the BOS token the vocabulary asks for, then turn the
// ids back into text. Decode keeps llama.cpp's detokenize behaviour: the
// space SentencePiece puts before the first word is removed only when that
// word's token comes first, so with the BOS in front it comes back.
func Example() {
	f, err := gguf.Open("model.gguf")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.Encode("Hello world", true, false)
	fmt.Println(ids)                        // [1 15043 3186] for Llama 2
	fmt.Printf("%q\n", tok.Decode(ids))     // " Hello world"
	fmt.Printf("%q\n", tok.Decode(ids[1:])) // "Hello world"

	// Stream generated ids as text.
	d := tok.NewDecoder()
	for _, id := range []int32{15043, 29892, 3186, 29991} {
		fmt.Print(d.Add(id))
	}
	fmt.Println(d.Flush())
}
