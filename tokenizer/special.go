package tokenizer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tern-llm/tern/gguf"
)

// Texts that llama.cpp recognises as special tokens when the metadata does
// not name them (llama_vocab::impl::load).
var (
	eotTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	eomTexts    = []string{"<|eom_id|>"}
	fimPreTexts = []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"}
	fimSufTexts = []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"}
	fimMidTexts = []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	eogTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["}
	renderTexts = []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}
)

// detectSpecial finds unnamed special tokens by their text, marks them
// control, and builds the end-of-generation set, as llama.cpp does. Where
// llama.cpp takes whichever candidate its hash map yields first, this takes
// the one with the lowest id.
func (t *Tokenizer) detectSpecial() {
	find := func(id *int32, texts []string) {
		if *id != null {
			return
		}
		best := null
		for _, s := range texts {
			if i, ok := t.ids[s]; ok && (best == null || i < best) {
				best = i
			}
		}
		if best != null {
			*id = best
			t.attrs[best] |= AttrControl
		}
	}
	find(&t.eot, eotTexts)
	find(&t.eom, eomTexts)
	find(&t.fimPre, fimPreTexts)
	find(&t.fimSuf, fimSufTexts)
	find(&t.fimMid, fimMidTexts)
	find(&t.fimPad, fimPadTexts)
	find(&t.fimRep, fimRepTexts)
	find(&t.fimSep, fimSepTexts)

	for i, s := range t.tokens {
		if t.attrs[i]&AttrControl != 0 && strings.Contains(s, "unused") {
			t.attrs[i] |= AttrUnused
		}
	}

	t.eog = map[int32]bool{}
	for _, id := range []int32{t.fimPad, t.fimRep, t.fimSep} {
		if id != null {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if i, ok := t.ids[s]; ok {
			t.eog[i] = true
			t.attrs[i] |= AttrControl
		}
	}
	for _, s := range renderTexts {
		if i, ok := t.ids[s]; ok {
			t.attrs[i] = AttrUserDefined
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != null {
			t.eog[id] = true
		}
	}
	// o200k_harmony and solar-open: "<|end|>" ends a message, not generation.
	has := func(s string) (int32, bool) {
		i, ok := t.ids[s]
		return i, ok && t.eog[i]
	}
	_, ret := has("<|return|>")
	_, call := has("<|call|>")
	_, calls := has("<|calls|>")
	_, flush := has("<|flush|>")
	if end, ok := has("<|end|>"); ok && ((ret && (call || calls)) || ((call || calls) && flush)) {
		delete(t.eog, end)
		t.attrs[end] = AttrUserDefined
	}
	// gemma4 and paddleocr: "</s>" is not end of generation.
	if _, ok := has("<|tool_response>"); ok {
		if s, ok := has("</s>"); ok {
			delete(t.eog, s)
			t.attrs[s] = AttrNormal
		}
	}
}

// buildCaches builds the special-token list for Encode, the piece of every
// token, and the byte-fallback table.
func (t *Tokenizer) buildCaches() {
	for i, a := range t.attrs {
		if a&(AttrControl|AttrUserDefined|AttrUnknown) != 0 {
			t.special = append(t.special, int32(i))
		}
	}
	// llama.cpp sorts by length with std::sort, which leaves the order of
	// equal lengths unspecified; ties go by id here.
	sort.SliceStable(t.special, func(a, b int) bool {
		return len(t.tokens[t.special[a]]) > len(t.tokens[t.special[b]])
	})
	for k, id := range t.special {
		b := t.tokens[id][0]
		t.byFirst[b] = append(t.byFirst[b], k)
	}
	t.pieces = make([]string, len(t.tokens))
	for i := range t.tokens {
		t.pieces[i] = t.renderPiece(int32(i))
	}
	for b := 0; b < 256; b++ {
		t.byteTok[b], t.hexTok[b] = null, null
		if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
			t.hexTok[b] = id
		}
		switch t.kind {
		case kindSPM:
			if id := t.hexTok[b]; id != null {
				t.byteTok[b] = id
			} else if id, ok := t.ids[string([]byte{byte(b)})]; ok {
				t.byteTok[b] = id
			}
		default:
			if id, ok := t.ids[byteRuneStrings[b]]; ok {
				t.byteTok[b] = id
			}
		}
	}
}

// applyModelAttrs sets the strip attributes llama.cpp gives some models'
// special tokens by name.
func (t *Tokenizer) applyModelAttrs(f *gguf.File) {
	name, _ := f.String(keyGeneralName)
	name = strings.ToLower(name)
	arch, _ := f.String(keyGeneralArch)
	set := func(s string, a Attr, on bool) {
		if i, ok := t.ids[s]; ok {
			if on {
				t.attrs[i] |= a
			} else {
				t.attrs[i] &^= a
			}
		}
	}
	switch {
	case containsAny(t.pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(arch, "nomic-bert-moe", "jina-bert-v3"):
		set("<mask>", AttrLStrip, true)
	case containsAny(name, "phi-3", "phi3"):
		for _, id := range t.special {
			t.attrs[id] |= AttrRStrip
		}
		set("</s>", AttrRStrip, true)
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			set(s, AttrRStrip, false)
		}
	case containsAny(name, "modern-bert"):
		set("[MASK]", AttrLStrip, true)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
