package modelgen

import (
	"fmt"
	"strings"

	"github.com/tern-llm/tern/gguf"
)

// Token types of tokenizer.ggml.token_type (llama.cpp's llama_token_type).
const (
	tokenNormal  int32 = 1
	tokenUnknown int32 = 2
	tokenControl int32 = 3
	tokenByte    int32 = 6
)

// The special tokens of the synthetic vocabulary, where SentencePiece's
// llama vocabularies have them.
const (
	unkID = 0
	bosID = 1
	eosID = 2
)

// minVocab is the smallest synthetic vocabulary: three specials and the
// 256 byte tokens.
const minVocab = 3 + 256

// spmSpace is SentencePiece's word-boundary mark, standing for a space.
const spmSpace = "▁"

// singlePieces are the one-character pieces after the byte tokens.
const singlePieces = spmSpace + "etaoinshrdlcumwfgypbvkjxqzETAOINSHRDLCUMWFGYPBVKJXQZ0123456789.,!?'\"-:;()"

// wordLetters make the longer pieces.
const wordLetters = "etaoinshrdlcumwfgypbvkjxqz"

// Vocab is tokenizer metadata: the tokenizer.* keys of a GGUF file.
type Vocab struct {
	KV     []gguf.KV
	Tokens int
}

// SyntheticVocab makes a valid SentencePiece-style ("llama") vocabulary of
// n tokens: <unk>, <s>, </s>, the byte tokens <0x00>…<0xFF>, then pieces
// made of letters in order of length (every longer piece is the merge of a
// shorter piece and a letter, so the tokenizer can reach it), scored so that
// earlier pieces merge first. It is what a random-weight model needs to be
// runnable by any GGUF reader; its text means nothing.
func SyntheticVocab(n int) (Vocab, error) {
	if n < minVocab {
		return Vocab{}, fmt.Errorf("modelgen: a vocabulary of %d tokens is too small (want at least %d)", n, minVocab)
	}
	tokens := make([]string, 0, n)
	types := make([]int32, 0, n)
	tokens = append(tokens, "<unk>", "<s>", "</s>")
	types = append(types, tokenUnknown, tokenControl, tokenControl)
	for b := range 256 {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, tokenByte)
	}
	for _, r := range singlePieces {
		if len(tokens) == n {
			break
		}
		tokens = append(tokens, string(r))
		types = append(types, tokenNormal)
	}
	// Longer pieces: for length L, the word-initial "▁" + L-1 letters, then
	// L letters, each in odometer order over wordLetters.
	for length := 2; len(tokens) < n; length++ {
		for _, lead := range []string{spmSpace, ""} {
			letters := length
			if lead != "" {
				letters = length - 1
			}
			idx := make([]int, letters)
			for len(tokens) < n {
				var sb strings.Builder
				sb.WriteString(lead)
				for _, i := range idx {
					sb.WriteByte(wordLetters[i])
				}
				tokens = append(tokens, sb.String())
				types = append(types, tokenNormal)
				if !odometer(idx, len(wordLetters)) {
					break
				}
			}
		}
	}
	scores := make([]float32, n)
	for i := range scores {
		if types[i] == tokenNormal {
			scores[i] = -float32(i)
		}
	}
	return Vocab{Tokens: n, KV: []gguf.KV{
		{Key: "tokenizer.ggml.model", Value: "llama"},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Array{Elem: gguf.TypeString, Values: tokens}},
		{Key: "tokenizer.ggml.scores", Value: gguf.Array{Elem: gguf.TypeFloat32, Values: scores}},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Array{Elem: gguf.TypeInt32, Values: types}},
		{Key: "tokenizer.ggml.unknown_token_id", Value: uint32(unkID)},
		{Key: "tokenizer.ggml.bos_token_id", Value: uint32(bosID)},
		{Key: "tokenizer.ggml.eos_token_id", Value: uint32(eosID)},
		{Key: "tokenizer.ggml.add_bos_token", Value: true},
		{Key: "tokenizer.ggml.add_eos_token", Value: false},
	}}, nil
}

// odometer advances idx to the next combination (last digit fastest) and
// reports false when it wraps around to all zeros.
func odometer(idx []int, base int) bool {
	for i := len(idx) - 1; i >= 0; i-- {
		idx[i]++
		if idx[i] < base {
			return true
		}
		idx[i] = 0
	}
	return false
}

// VocabFrom takes the tokenizer metadata (every tokenizer.* key) of a GGUF
// file, such as one of llama.cpp's vocab-only files.
func VocabFrom(f *gguf.File) (Vocab, error) {
	toks, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok || len(toks) == 0 {
		return Vocab{}, fmt.Errorf("modelgen: no tokenizer.ggml.tokens array of strings")
	}
	v := Vocab{Tokens: len(toks)}
	for _, kv := range f.KV {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			v.KV = append(v.KV, kv)
		}
	}
	return v, nil
}
