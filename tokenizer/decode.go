package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// renderPiece is llama.cpp's token_to_piece(id, special = true, lstrip = 0)
// without its cache: the bytes a token stands for.
func (t *Tokenizer) renderPiece(id int32) string {
	text, a := t.tokens[id], t.attrs[id]
	if a&(AttrUnknown|AttrControl|AttrUserDefined) != 0 {
		return text
	}
	switch {
	case a&AttrNormal != 0:
		if t.kind == kindBPE && !t.pret.escape {
			return decodeByteLevel(text)
		}
		return strings.ReplaceAll(text, "▁", " ")
	case a&AttrByte != 0:
		if t.kind == kindWPM {
			return ""
		}
		return string([]byte{tokenByte(text)})
	}
	return ""
}

// tokenByte is llama.cpp's token_to_byte: strtol of the two characters after
// "<0x" in a byte token's text, as base-16 (0 when they are not hex).
func tokenByte(text string) byte {
	if len(text) < 4 {
		return 0
	}
	end := min(len(text), 5)
	var v byte
	for _, c := range []byte(text[3:end]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return v
		}
		v = v<<4 | d
	}
	return v
}

// decodeByteLevel is llama.cpp's llama_decode_text: every code point of a
// byte-level BPE token maps back to its byte; one that is not in the
// GPT-2 byte table becomes "[UNK_BYTE_0x<its UTF-8 in hex><the token>]".
func decodeByteLevel(text string) string {
	var b []byte
	for i := 0; i < len(text); {
		c, n, ok := decodeCpt(text, i)
		if !ok {
			c, n = replacementChar, 1
		}
		i += n
		if c >= 0 && c < cpt(len(runeByte)) && runeByte[c] >= 0 {
			b = append(b, byte(runeByte[c]))
			continue
		}
		b = append(b, "[UNK_BYTE_0x"...)
		for _, x := range appendCpt(nil, c) {
			b = append(b, "0123456789abcdef"[x>>4], "0123456789abcdef"[x&15])
		}
		b = append(b, text...)
		b = append(b, ']')
	}
	return string(b)
}

// TokenPiece returns the bytes token id stands for, special tokens rendered
// as their text (llama_token_to_piece with special = true). It returns nil
// for an id outside the vocabulary.
func (t *Tokenizer) TokenPiece(id int32) []byte {
	if id < 0 || int(id) >= len(t.pieces) {
		return nil
	}
	return []byte(t.pieces[id])
}

// piece is token_to_piece with the cache: control and unknown tokens are
// empty unless special is set; ids outside the vocabulary are empty.
func (t *Tokenizer) piece(id int32, special bool) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	if !special && t.attrs[id]&(AttrUnknown|AttrControl) != 0 {
		return ""
	}
	return t.pieces[id]
}

// Decode turns ids into text as llama_detokenize does with remove_special
// and unparse_special false: control tokens (BOS, EOS, ...) render as
// nothing, the leading space SentencePiece adds is removed, and byte-level
// BPE vocabularies that ask for it get llama.cpp's clean-up of spaces before
// punctuation.
func (t *Tokenizer) Decode(ids []int32) string {
	return t.Detokenize(ids, false, false)
}

// Detokenize is llama_detokenize: removeSpecial drops a leading BOS and a
// trailing EOS when the vocabulary adds them; unparseSpecial renders control
// tokens as their text.
func (t *Tokenizer) Detokenize(ids []int32, removeSpecial, unparseSpecial bool) string {
	removeSpace := t.addSpacePrefix
	if removeSpecial && t.addBOS && len(ids) > 0 && ids[0] == t.bos {
		removeSpace = false
		ids = ids[1:]
	}
	if removeSpecial && t.addEOS && len(ids) > 0 && ids[len(ids)-1] == t.eos {
		ids = ids[:len(ids)-1]
	}
	var b []byte
	for _, id := range ids {
		p := t.piece(id, unparseSpecial)
		if removeSpace {
			p = strings.TrimPrefix(p, " ")
			removeSpace = false
		}
		b = append(b, p...)
	}
	if t.cleanSpaces {
		b = cleanSpaces(b)
	}
	return string(b)
}

// cleanSpaces is the clean_up_tokenization_spaces step of llama.cpp's
// detokenize, done in place like there: remove the space before ?!., and
// before 's 'm 're 've, and the spaces around a lone apostrophe.
func cleanSpaces(text []byte) []byte {
	total := len(text)
	if total == 0 {
		return text
	}
	// First pass: " ?", " !", " .", " ,".
	t1 := total
	total = 1
	for i := 1; i < t1; i++ {
		x := text[i]
		if text[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			total--
		}
		text[total] = x
		total++
	}
	// Second pass: " ' ".
	t2 := total
	total = 1
	for i := 1; i < t2; i++ {
		x := text[i]
		if x == '\'' && i+1 < t2 && text[i-1] == ' ' && text[i+1] == ' ' {
			total--
			i++
			text[i] = 0
		}
		text[total] = x
		total++
	}
	// Third pass: " 's", " 'm", " 're", " 've".
	t3 := total
	total = 1
	for i := 1; i < t3; i++ {
		x := text[i]
		if text[i-1] == ' ' && x == '\'' && i+1 < t3 {
			x1 := text[i+1]
			if x1 == 's' || x1 == 'm' {
				total--
			} else if i+2 < t3 {
				x2 := text[i+2]
				if (x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e') {
					total--
				}
			}
		}
		text[total] = x
		total++
	}
	return text[:total]
}

// A Decoder turns a stream of ids into text as they come: what Add returns,
// followed by what Flush returns, is Decode of all the ids. It holds back the
// end of an incomplete UTF-8 sequence and, where spaces are cleaned up, the
// last few bytes that a following token could still change. A Decoder is not
// safe for concurrent use.
type Decoder struct {
	t       *Tokenizer
	started bool
	raw     []byte // pieces not yet cleaned up, from a safe cut on
	out     []byte // cleaned bytes not yet returned (an incomplete UTF-8 tail)
}

// NewDecoder returns a streaming decoder with Decode's settings.
func (t *Tokenizer) NewDecoder() *Decoder { return &Decoder{t: t} }

// Add takes the next id and returns the text that is now final.
func (d *Decoder) Add(id int32) string {
	p := d.t.piece(id, false)
	if !d.started {
		d.started = true
		if d.t.addSpacePrefix {
			p = strings.TrimPrefix(p, " ")
		}
	}
	old := len(d.raw)
	d.raw = append(d.raw, p...)
	if !d.t.cleanSpaces {
		d.out = append(d.out, d.raw...)
		d.raw = d.raw[:0]
	} else if c := safeCut(d.raw, old); c > 0 {
		d.out = append(d.out, cleanSpaces(d.raw[:c])...)
		d.raw = append(d.raw[:0], d.raw[c:]...)
	}
	n := completeUTF8(d.out)
	s := string(d.out[:n])
	d.out = append(d.out[:0], d.out[n:]...)
	return s
}

// Flush returns everything held back and resets the decoder.
func (d *Decoder) Flush() string {
	if d.t.cleanSpaces {
		d.out = append(d.out, cleanSpaces(d.raw)...)
	} else {
		d.out = append(d.out, d.raw...)
	}
	s := string(d.out)
	d.raw, d.out, d.started = d.raw[:0], d.out[:0], false
	return s
}

// inert reports whether the space clean-up never removes or looks for b.
func inert(b byte) bool {
	switch b {
	case ' ', '\'', '?', '!', '.', ',', 0:
		return false
	}
	return true
}

// safeCut returns the last position c > 0 of raw such that cleaning up
// raw[:c] and raw[c:] apart gives the same bytes as cleaning up raw, or 0.
// Every rule of cleanSpaces looks at a space or an apostrophe and at most
// two bytes after it, so a cut with four inert bytes around it (two on each
// side) is safe: no rule's window can hold both sides and a byte it needs.
// The cuts whose four bytes all lie in raw[:checked] were tried before and
// are not tried again.
func safeCut(raw []byte, checked int) int {
	for c := len(raw) - 2; c >= max(2, checked-1); c-- {
		if inert(raw[c-2]) && inert(raw[c-1]) && inert(raw[c]) && inert(raw[c+1]) {
			return c
		}
	}
	return 0
}

// completeUTF8 returns the length of b without a trailing UTF-8 sequence
// that more bytes could still complete.
func completeUTF8(b []byte) int {
	n := len(b)
	for k := 1; k <= utf8.UTFMax-1 && k <= n; k++ {
		if utf8.RuneStart(b[n-k]) {
			if utf8.FullRune(b[n-k:]) {
				return n
			}
			return n - k
		}
	}
	return n
}
