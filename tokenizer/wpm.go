package tokenizer

import "strings"

// wpmTokenize is llm_tokenizer_wpm_session::tokenize: normalise and split
// into words, then cover each word ("▁" + word) greedily with the longest
// tokens; a word that cannot be covered becomes the unknown token.
func (t *Tokenizer) wpmTokenize(text string, out []int32) []int32 {
	for _, word := range t.wpmPreprocess(text) {
		w := "▁" + word
		n := len(w)
		mark := len(out)
		for i := 0; i < n; i++ {
			matched := false
			for j := min(n, i+t.maxTokenLen+1); j > i; j-- {
				if id, ok := t.ids[w[i:j]]; ok {
					out = append(out, id)
					matched = true
					i = j - 1
					break
				}
			}
			if !matched {
				out = out[:mark]
				break
			}
		}
		if len(out) == mark && t.unk != null {
			out = append(out, t.unk)
		}
	}
	return out
}

// wpmPreprocess is llm_tokenizer_wpm_session::preprocess: optional accent
// stripping (first code point of the NFD, marks dropped) and lowercasing,
// control characters dropped, and words split at whitespace, with every
// punctuation mark, ASCII symbol and CJK ideograph a word of its own.
func (t *Tokenizer) wpmPreprocess(text string) []string {
	cpts := decodeCpts(text, nil)
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	var buf []byte
	for _, c := range cpts {
		if t.stripAccents {
			c = nfdFirst(c)
		}
		f := flagsOf(c)
		if f.has(fWhitespace) {
			flush()
			continue
		}
		if c == 0 || c == replacementChar || f.has(fControl) {
			continue
		}
		if t.stripAccents && f.has(fMark) {
			continue
		}
		lc := c
		if t.lowercase {
			lc = toLower(c)
		}
		buf = appendCpt(buf[:0], lc)
		if f.has(fPunct) || (c < 0x7F && f.has(fSymbol)) || isChineseChar(c) {
			flush()
			words = append(words, string(buf))
			continue
		}
		cur.Write(buf)
	}
	flush()
	return words
}

// isChineseChar is llama.cpp's WordPiece CJK test (BERT's ranges, with the
// 0x2B920 start that Hugging Face's Rust code uses).
func isChineseChar(c cpt) bool {
	return (c >= 0x4E00 && c <= 0x9FFF) ||
		(c >= 0x3400 && c <= 0x4DBF) ||
		(c >= 0x20000 && c <= 0x2A6DF) ||
		(c >= 0x2A700 && c <= 0x2B73F) ||
		(c >= 0x2B740 && c <= 0x2B81F) ||
		(c >= 0x2B920 && c <= 0x2CEAF) ||
		(c >= 0xF900 && c <= 0xFAFF) ||
		(c >= 0x2F800 && c <= 0x2FA1F)
}
