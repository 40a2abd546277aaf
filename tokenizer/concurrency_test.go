package tokenizer

import (
	"sync"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestConcurrentEncode runs Encode and Decode from several goroutines on
// one Tokenizer (run with -race): results must match a serial run.
func TestConcurrentEncode(t *testing.T) {
	for _, name := range []string{"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf"} {
		path := testdata.Path(t, "vocab", name)
		tok := loadTokenizer(t, path)
		cases := readVocabCases(t, path)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 3; i++ {
					for _, c := range cases {
						ids := tok.Encode(c.in, false, false)
						if !equalIDs(ids, c.ids) {
							t.Errorf("%s: Encode(%q) = %v, want %v", name, c.in, ids, c.ids)
							return
						}
						tok.Decode(ids)
					}
				}
			}()
		}
		wg.Wait()
	}
}
