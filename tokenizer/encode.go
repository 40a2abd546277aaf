package tokenizer

import "strings"

// fragment is a piece of the input: raw text, or a token matched by its
// special text (token >= 0).
type fragment struct {
	token int32
	text  string
}

// isSpaceASCII is C's isspace in the "C" locale.
func isSpaceASCII(b byte) bool { return b == ' ' || (b >= '\t' && b <= '\r') }

// partition is llama.cpp's tokenizer_st_partition: it cuts the special
// tokens' texts out of the input, longest token first, leftmost occurrence
// first. User-defined tokens are always cut out; control and unknown tokens
// only when parseSpecial is set.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	frags := []fragment{{token: null, text: text}}
	if text == "" {
		return nil
	}
	// Only tokens found in the text can be cut out of its fragments; find
	// them in one scan instead of searching for every special token.
	var present []bool
	for i := 0; i < len(text); i++ {
		for _, k := range t.byFirst[text[i]] {
			if !parseSpecial && t.attrs[t.special[k]]&(AttrControl|AttrUnknown) != 0 {
				continue
			}
			if strings.HasPrefix(text[i:], t.tokens[t.special[k]]) {
				if present == nil {
					present = make([]bool, len(t.special))
				}
				present[k] = true
			}
		}
	}
	if present == nil {
		return frags
	}
	var next []fragment
	for k, id := range t.special {
		if !present[k] {
			continue
		}
		a := t.attrs[id]
		tok := t.tokens[id]
		next = next[:0]
		changed := false
		for _, f := range frags {
			if f.token != null || !strings.Contains(f.text, tok) {
				next = append(next, f)
				continue
			}
			changed = true
			rest := f.text
			for {
				i := strings.Index(rest, tok)
				if i < 0 {
					if rest != "" {
						next = append(next, fragment{token: null, text: rest})
					}
					break
				}
				left := rest[:i]
				if a&AttrLStrip != 0 {
					for left != "" && isSpaceASCII(left[len(left)-1]) {
						left = left[:len(left)-1]
					}
				}
				if left != "" {
					next = append(next, fragment{token: null, text: left})
				}
				next = append(next, fragment{token: id})
				rest = rest[i+len(tok):]
				if a&AttrRStrip != 0 {
					for rest != "" && isSpaceASCII(rest[0]) {
						rest = rest[1:]
					}
				}
			}
		}
		if changed {
			frags, next = next, frags
		}
	}
	return frags
}

// Encode turns text into token ids as llama_tokenize does. With addSpecial
// it adds BOS and EOS as the vocabulary asks (BERT: CLS and SEP). With
// parseSpecial the texts of control tokens in the input ("<s>",
// "<|im_end|>", ...) become those tokens; user-defined tokens are always
// recognised. Any byte string is accepted.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	frags := t.partition(text, parseSpecial)
	var out []int32
	switch t.kind {
	case kindSPM:
		if addSpecial && t.addBOS {
			out = append(out, t.bos)
		}
		s := t.spmPool.Get().(*spmState)
		defer t.spmPool.Put(s)
		prevSpecial := true
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				prevSpecial = true
				continue
			}
			txt := f.text
			if t.addSpacePrefix && prevSpecial {
				txt = " " + txt
			}
			out = s.tokenize(strings.ReplaceAll(txt, " ", "▁"), out)
			prevSpecial = false
		}
		if addSpecial && t.addEOS {
			out = append(out, t.eos)
		}
	case kindBPE:
		if addSpecial && t.addBOS {
			out = append(out, t.bos)
		}
		s := t.bpePool.Get().(*bpeState)
		defer t.bpePool.Put(s)
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				continue
			}
			txt := f.text
			if t.pret.escape {
				txt = strings.ReplaceAll(txt, " ", "▁")
			}
			if t.wsSegments {
				out = t.whitespaceSegments(s, txt, out)
				continue
			}
			out = s.tokenize(txt, out)
		}
		if addSpecial && t.addEOS {
			out = append(out, t.eos)
		}
	case kindWPM:
		if addSpecial && t.bos != null {
			out = append(out, t.bos)
		}
		for _, f := range frags {
			if f.token != null {
				out = append(out, f.token)
				continue
			}
			out = t.wpmTokenize(f.text, out)
		}
		if addSpecial && t.sep != null {
			out = append(out, t.sep)
		}
	}
	return out
}

// whitespaceSegments is llm_tokenizer_whitespace_session::tokenize
// (tokenizer.ggml.model "whitespace"): the text is cut at White_Space, which
// is dropped, optionally lowercased, and each segment is BPE-encoded.
func (t *Tokenizer) whitespaceSegments(s *bpeState, text string, out []int32) []int32 {
	var seg []byte
	for _, c := range decodeCpts(text, nil) {
		if flagsOf(c).has(fWhitespace) {
			if len(seg) > 0 {
				out = s.tokenize(string(seg), out)
				seg = seg[:0]
			}
			continue
		}
		if t.lowercase {
			c = toLower(c)
		}
		seg = appendCpt(seg, c)
	}
	if len(seg) > 0 {
		out = s.tokenize(string(seg), out)
	}
	return out
}
