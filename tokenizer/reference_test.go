package tokenizer

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

// refBPE is plain byte-level BPE over one byte-encoded word: merge the
// adjacent pair with the lowest rank (leftmost on ties) until none is left.
// ranks comes straight from the merges list, keyed by "left right".
func refBPE(t *Tokenizer, ranks map[string]int, word string) []int32 {
	var syms []string
	for _, r := range word {
		syms = append(syms, string(r))
	}
	for {
		best, at := -1, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := ranks[syms[i]+" "+syms[i+1]]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		syms[at] += syms[at+1]
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	var out []int32
	for _, s := range syms {
		if id, ok := t.ids[s]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(s); j++ {
			if id, ok := t.ids[s[j:j+1]]; ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// refSPM is plain SentencePiece BPE: merge the adjacent pair that forms the
// token with the highest score (leftmost on ties) until none is left; what
// is not a token becomes byte tokens.
func refSPM(t *Tokenizer, text string) []int32 {
	var syms []string
	for i := 0; i < len(text); {
		n := min(utf8Len(text[i]), len(text)-i)
		syms = append(syms, text[i:i+n])
		i += n
	}
	for {
		at := -1
		var best float32
		for i := 0; i+1 < len(syms); i++ {
			if id, ok := t.ids[syms[i]+syms[i+1]]; ok && (at < 0 || t.scores[id] > best) {
				best, at = t.scores[id], i
			}
		}
		if at < 0 {
			break
		}
		syms[at] += syms[at+1]
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	var out []int32
	for _, s := range syms {
		if id, ok := t.ids[s]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(s); j++ {
			out = append(out, t.byteTok[s[j]])
		}
	}
	return out
}

// randomText mixes pieces of vocabulary tokens with random characters,
// spaces and punctuation, in odd lengths.
func randomText(rng *rand.Rand, tok *Tokenizer) string {
	alphabet := []string{" ", "  ", "\n", "\t", "'", "s", "e", "th", ",", ".", "!", "?", "é", "ß", "日本", "😀", "\u00a0", "\xff", "12", "3"}
	var b strings.Builder
	for n := rng.IntN(40) + 1; n > 0; n-- {
		if rng.IntN(2) == 0 {
			s := tok.pieces[rng.IntN(len(tok.pieces))]
			if utf8.ValidString(s) {
				b.WriteString(s)
			}
		} else {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
	}
	return b.String()
}

func TestBPEAgainstReference(t *testing.T) {
	for _, name := range []string{"ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf"} {
		t.Run(name, func(t *testing.T) {
			path := testdata.Path(t, "vocab", name)
			tok := loadTokenizer(t, path)
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			merges, _ := f.Strings(keyMerges)
			ranks := make(map[string]int, len(merges))
			for i, m := range merges {
				if _, dup := ranks[m]; !dup {
					ranks[m] = i
				}
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			s := bpeState{t: tok}
			words := 0
			for range 120 {
				text := randomText(rng, tok)
				s.r.reset(text)
				offs := splitPieces(&s.r, tok.pret.splitters)
				start := 0
				for _, n := range offs {
					var raw, word []byte
					for _, c := range s.r.c[start : start+n] {
						raw = appendCpt(raw, c)
					}
					start += n
					for _, b := range raw {
						word = append(word, byteRuneStrings[b]...)
					}
					got := s.merge(raw, nil)
					want := refBPE(tok, ranks, string(word))
					if tok.ignoreMerges {
						t.Fatal("reference does not model ignore_merges")
					}
					if !equalIDs(got, want) {
						t.Fatalf("word %q: got %v, want %v", word, got, want)
					}
					words++
				}
			}
			if words < 400 {
				t.Fatalf("only %d words", words)
			}
		})
	}
}

func TestSPMAgainstReference(t *testing.T) {
	tok := loadTokenizer(t, testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	rng := rand.New(rand.NewPCG(2, 3))
	s := spmState{t: tok}
	for range 500 {
		text := strings.ReplaceAll(" "+randomText(rng, tok), " ", "▁")
		got := s.tokenize(text, nil)
		want := refSPM(tok, text)
		if !equalIDs(got, want) {
			t.Fatalf("%q: got %v, want %v", text, got, want)
		}
	}
}

// TestDecoderRandom streams random id sequences, rich in spaces, apostrophes
// and punctuation (what the space clean-up acts on) and in multi-byte
// characters, and compares with Decode.
func TestDecoderRandom(t *testing.T) {
	for _, name := range []string{"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-bert-bge.gguf"} {
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, testdata.Path(t, "vocab", name))
			var pool []int32
			for _, s := range []string{" ", "'", " '", "' ", "s", "m", "re", "ve", "ll", "t", "?", "!", ".", ",", " ,", " .", " ?", " !", " 's", " 're", " 've", " 'm", "é", "日", "😀", "a", " a", "\n"} {
				pool = append(pool, tok.Encode(s, false, false)...)
			}
			for i := 0; i < 50; i++ {
				pool = append(pool, int32(i*997%tok.VocabSize()))
			}
			rng := rand.New(rand.NewPCG(4, 5))
			for range 2000 {
				ids := make([]int32, rng.IntN(12))
				for i := range ids {
					ids[i] = pool[rng.IntN(len(pool))]
				}
				d := tok.NewDecoder()
				var b strings.Builder
				for _, id := range ids {
					b.WriteString(d.Add(id))
				}
				b.WriteString(d.Flush())
				if want := tok.Decode(ids); b.String() != want {
					t.Fatalf("%v: stream %q, Decode %q", ids, b.String(), want)
				}
			}
		})
	}
}

// TestCleanSpaces checks llama.cpp's clean-up on hand-worked cases.
func TestCleanSpaces(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{" ,", ","},
		{"a , b . c ? d !", "a, b. c? d!"},
		{"  ,", " ,"},
		{"x ' y", "x'y"},
		{" ' ' ", "'' "},
		{"it 's he 'm we 're they 've", "it's he'm we're they've"},
		{"don 't I 'd we 'll", "don 't I 'd we 'll"},
		{" 'x", " 'x"},
		{"'s", "'s"},
		{"a 're", "a're"},
		{"a 'r", "a 'r"},
	} {
		if got := string(cleanSpaces([]byte(c.in))); got != c.want {
			t.Errorf("cleanSpaces(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
