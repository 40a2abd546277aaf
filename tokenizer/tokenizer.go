// Package tokenizer turns text into token ids and back, from the tokenizer
// metadata of a GGUF file, with the results of llama.cpp (src/llama-vocab.cpp)
// to the token.
//
// It provides the three tokenizers of tokenizer.ggml.model that llama-family
// models use: "llama" (SentencePiece BPE over scores, with byte fallback),
// "gpt2" (byte-level BPE over ranked merges, after one of llama.cpp's
// pre-tokenizers chosen by tokenizer.ggml.pre) and "bert" (WordPiece). It
// leaves out the unigram (t5), RWKV and PLaMo-2 tokenizers, and chat
// templates. It imports only gguf.
//
// A Tokenizer is immutable after FromGGUF and safe for concurrent use; a
// Decoder belongs to one goroutine.
package tokenizer

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/tern-llm/tern/gguf"
)

// Attr is a token's attribute set, llama.cpp's llama_token_attr.
type Attr uint16

// Token attributes.
const (
	AttrUnknown     Attr = 1 << 0
	AttrUnused      Attr = 1 << 1
	AttrNormal      Attr = 1 << 2
	AttrControl     Attr = 1 << 3
	AttrUserDefined Attr = 1 << 4
	AttrByte        Attr = 1 << 5
	AttrNormalized  Attr = 1 << 6
	AttrLStrip      Attr = 1 << 7
	AttrRStrip      Attr = 1 << 8
	AttrSingleWord  Attr = 1 << 9
)

// kind is the tokenizer algorithm.
type kind int

const (
	kindSPM kind = iota // tokenizer.ggml.model "llama"
	kindBPE             // "gpt2"
	kindWPM             // "bert"
)

// null is llama.cpp's LLAMA_TOKEN_NULL: no such token.
const null int32 = -1

// Tokenizer encodes and decodes text for one vocabulary.
type Tokenizer struct {
	kind  kind
	model string
	pre   string
	pret  *preType // BPE only

	tokens []string         // id -> text
	scores []float32        // id -> score (SPM merge priority)
	attrs  []Attr           // id -> attributes
	ids    map[string]int32 // text -> id
	ranks  map[uint64]merge // BPE: (left id, right id) -> merge
	pieces []string         // id -> llama_token_to_piece(special = true)

	special []int32    // control, user-defined and unknown tokens, longest text first
	byFirst [256][]int // indices into special, by the first byte of the text
	eog     map[int32]bool

	maxTokenLen int
	byteTok     [256]int32 // SPM: <0xXX> (or the one-byte token) for each byte; null if none

	bos, eos, eot, eom, unk, sep, pad, mask int32
	fimPre, fimSuf, fimMid, fimPad, fimRep  int32
	fimSep                                  int32

	addBOS, addEOS, addSep  bool
	addSpacePrefix          bool
	ignoreMerges            bool
	cleanSpaces             bool
	lowercase, stripAccents bool // BERT normalizer

	spmPool, bpePool sync.Pool // reused encoding scratch (*spmState, *bpeState)
}

// Metadata keys.
const (
	keyModel        = "tokenizer.ggml.model"
	keyPre          = "tokenizer.ggml.pre"
	keyTokens       = "tokenizer.ggml.tokens"
	keyScores       = "tokenizer.ggml.scores"
	keyTypes        = "tokenizer.ggml.token_type"
	keyMerges       = "tokenizer.ggml.merges"
	keyAddBOS       = "tokenizer.ggml.add_bos_token"
	keyAddEOS       = "tokenizer.ggml.add_eos_token"
	keyAddSep       = "tokenizer.ggml.add_sep_token"
	keyAddPrefix    = "tokenizer.ggml.add_space_prefix"
	keyLowercase    = "tokenizer.ggml.normalizer.lowercase"
	keyStripAccents = "tokenizer.ggml.normalizer.strip_accents"
	keyGeneralName  = "general.name"
	keyGeneralArch  = "general.architecture"
)

// GGUF token types (tokenizer.ggml.token_type).
const (
	typeUndefined = iota
	typeNormal
	typeUnknown
	typeControl
	typeUserDefined
	typeUnused
	typeByte
)

// FromGGUF builds the tokenizer that f's metadata describes. It returns an
// error naming the key when metadata is missing or inconsistent.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	t := &Tokenizer{
		eot: null, eom: null, sep: null, pad: null, mask: null,
		fimPre: null, fimSuf: null, fimMid: null, fimPad: null, fimRep: null, fimSep: null,
		lowercase: true,
	}
	model, ok := f.String(keyModel)
	if !ok {
		return nil, fmt.Errorf("tokenizer: %s is missing", keyModel)
	}
	t.model = model
	t.pre, _ = f.String(keyPre)

	switch model {
	case "llama":
		t.kind = kindSPM
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addSpacePrefix, t.addBOS = true, true
	case "gpt2":
		t.kind = kindBPE
		t.bos, t.eos, t.unk = 11, 11, null
		t.cleanSpaces = true
		p, ok := preTypes[t.pre]
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s %q is not supported", keyPre, t.pre)
		}
		t.pret = p
		t.cleanSpaces = !p.keepSpaces
		t.ignoreMerges = p.ignoreMerges
		t.addBOS = p.addBOS
		if p.noBOS {
			t.bos = null
		}
	case "bert":
		t.kind = kindWPM
		t.bos, t.eos, t.unk, t.sep, t.pad, t.mask = 101, null, 100, 102, 0, 103
		t.addBOS, t.addSep, t.cleanSpaces = true, true, true
	default:
		return nil, fmt.Errorf("tokenizer: %s %q is not supported (want llama, gpt2 or bert)", keyModel, model)
	}
	if v, ok := f.Bool(keyAddPrefix); ok {
		t.addSpacePrefix = v
	}

	if err := t.loadTokens(f); err != nil {
		return nil, err
	}
	if t.kind == kindBPE {
		if err := t.loadMerges(f); err != nil {
			return nil, err
		}
	}
	if err := t.loadSpecialIDs(f); err != nil {
		return nil, err
	}
	if v, ok := f.Bool(keyLowercase); ok {
		t.lowercase = v
	}
	t.stripAccents = t.lowercase
	if v, ok := f.Bool(keyStripAccents); ok {
		t.stripAccents = v
	}
	t.detectSpecial()
	t.buildCaches()
	t.applyModelAttrs(f)
	t.spmPool.New = func() any { return &spmState{t: t} }
	t.bpePool.New = func() any { return &bpeState{t: t} }
	return t, nil
}

// loadTokens reads the token texts, scores and types.
func (t *Tokenizer) loadTokens(f *gguf.File) error {
	toks, ok := f.Strings(keyTokens)
	if !ok {
		if _, present := f.Lookup(keyTokens); present {
			return fmt.Errorf("tokenizer: %s is not an array of strings", keyTokens)
		}
		return fmt.Errorf("tokenizer: %s is missing", keyTokens)
	}
	n := len(toks)
	if n == 0 {
		return fmt.Errorf("tokenizer: %s is empty", keyTokens)
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("tokenizer: %s has %d tokens", keyTokens, n)
	}
	t.scores = make([]float32, n)
	if _, present := f.Lookup(keyScores); present {
		if s, ok := f.Float32s(keyScores); ok {
			if len(s) != n {
				return fmt.Errorf("tokenizer: %s has %d entries for %d tokens", keyScores, len(s), n)
			}
			copy(t.scores, s)
		} else if s, ok := f.Int32s(keyScores); ok {
			if len(s) != n {
				return fmt.Errorf("tokenizer: %s has %d entries for %d tokens", keyScores, len(s), n)
			}
			for i, v := range s {
				t.scores[i] = float32(v)
			}
		} else {
			return fmt.Errorf("tokenizer: %s is not an array of float32 or int32", keyScores)
		}
	}
	t.attrs = make([]Attr, n)
	var types []int32
	if _, present := f.Lookup(keyTypes); present {
		types, ok = f.Int32s(keyTypes)
		if !ok {
			return fmt.Errorf("tokenizer: %s is not an array of integers", keyTypes)
		}
		if len(types) != n {
			return fmt.Errorf("tokenizer: %s has %d entries for %d tokens", keyTypes, len(types), n)
		}
	}
	t.tokens = make([]string, n)
	t.ids = make(map[string]int32, n)
	for i, s := range toks {
		if s == "" {
			s = fmt.Sprintf("[EMPTY_%d]", i)
		}
		if j, dup := t.ids[s]; dup {
			return fmt.Errorf("tokenizer: %s: duplicate token %q at ids %d and %d", keyTokens, s, j, i)
		}
		t.ids[s] = int32(i)
		t.tokens[i] = s
		t.maxTokenLen = max(t.maxTokenLen, len(s))
		a := AttrNormal
		if types != nil {
			switch types[i] {
			case typeUnknown:
				a = AttrUnknown
			case typeUnused:
				a = AttrUnused
			case typeNormal:
				a = AttrNormal
			case typeControl:
				a = AttrControl
			case typeUserDefined:
				a = AttrUserDefined
			case typeByte:
				a = AttrByte
			default:
				a = 0
			}
		}
		t.attrs[i] = a
	}
	return nil
}

// merge is a BPE merge: its rank (lower merges first) and the token of the
// merged text (null when the vocabulary lacks it).
type merge struct {
	rank, id int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// loadMerges reads the BPE merges; the first occurrence of a pair sets its
// rank, as in llama.cpp. Both sides of a merge must be tokens, so merges can
// be looked up by token ids.
func (t *Tokenizer) loadMerges(f *gguf.File) error {
	merges, ok := f.Strings(keyMerges)
	if !ok {
		if _, present := f.Lookup(keyMerges); present {
			return fmt.Errorf("tokenizer: %s is not an array of strings", keyMerges)
		}
		return fmt.Errorf("tokenizer: %s is missing (needed by a gpt2 tokenizer)", keyMerges)
	}
	t.ranks = make(map[uint64]merge, len(merges))
	var ab []byte
	for i, m := range merges {
		sp := -1
		if len(m) > 1 {
			sp = strings.IndexByte(m[1:], ' ')
		}
		if sp < 0 {
			return fmt.Errorf("tokenizer: %s[%d] = %q is not two tokens separated by a space", keyMerges, i, m)
		}
		a, b := m[:sp+1], m[sp+2:]
		ia, ok := t.ids[a]
		if !ok {
			return fmt.Errorf("tokenizer: %s[%d] = %q: %q is not a token", keyMerges, i, m, a)
		}
		ib, ok := t.ids[b]
		if !ok {
			return fmt.Errorf("tokenizer: %s[%d] = %q: %q is not a token", keyMerges, i, m, b)
		}
		k := pairKey(ia, ib)
		if _, dup := t.ranks[k]; dup {
			continue
		}
		ab = append(append(ab[:0], a...), b...)
		id, ok := t.ids[string(ab)]
		if !ok {
			id = null
		}
		t.ranks[k] = merge{rank: int32(i), id: id}
	}
	return nil
}

// specialKeys are the special-token id keys in llama.cpp's order; later
// deprecated keys override the FIM ids like there.
func (t *Tokenizer) specialKeys() []struct {
	key string
	id  *int32
} {
	return []struct {
		key string
		id  *int32
	}{
		{"tokenizer.ggml.bos_token_id", &t.bos},
		{"tokenizer.ggml.eos_token_id", &t.eos},
		{"tokenizer.ggml.eot_token_id", &t.eot},
		{"tokenizer.ggml.eom_token_id", &t.eom},
		{"tokenizer.ggml.unknown_token_id", &t.unk},
		{"tokenizer.ggml.seperator_token_id", &t.sep},
		{"tokenizer.ggml.padding_token_id", &t.pad},
		{"tokenizer.ggml.mask_token_id", &t.mask},
		{"tokenizer.ggml.fim_pre_token_id", &t.fimPre},
		{"tokenizer.ggml.fim_suf_token_id", &t.fimSuf},
		{"tokenizer.ggml.fim_mid_token_id", &t.fimMid},
		{"tokenizer.ggml.fim_pad_token_id", &t.fimPad},
		{"tokenizer.ggml.fim_rep_token_id", &t.fimRep},
		{"tokenizer.ggml.fim_sep_token_id", &t.fimSep},
		{"tokenizer.ggml.prefix_token_id", &t.fimPre},
		{"tokenizer.ggml.suffix_token_id", &t.fimSuf},
		{"tokenizer.ggml.middle_token_id", &t.fimMid},
	}
}

// loadSpecialIDs reads the special token ids and the add_bos/add_eos flags.
// A default id outside the vocabulary is dropped, as llama.cpp does; an id
// given in the metadata must be in range, except the conventional "none"
// values 0xFFFFFFFF and -1, which keep the default.
func (t *Tokenizer) loadSpecialIDs(f *gguf.File) error {
	n := int64(len(t.tokens))
	for _, s := range t.specialKeys() {
		if *s.id >= 0 && int64(*s.id) >= n {
			*s.id = null
		}
		v, present := f.Lookup(s.key)
		if !present {
			continue
		}
		id, ok := f.Int(s.key)
		if !ok {
			if u, isU := f.Uint(s.key); isU {
				return fmt.Errorf("tokenizer: %s = %d is out of range (vocabulary of %d)", s.key, u, n)
			}
			return fmt.Errorf("tokenizer: %s is a %T, want an integer", s.key, v)
		}
		if id == -1 || id == math.MaxUint32 {
			continue
		}
		if id < 0 || id >= n {
			return fmt.Errorf("tokenizer: %s = %d is out of range (vocabulary of %d)", s.key, id, n)
		}
		*s.id = int32(id)
	}
	for _, b := range []struct {
		key string
		v   *bool
	}{{keyAddBOS, &t.addBOS}, {keyAddEOS, &t.addEOS}, {keyAddSep, &t.addSep}} {
		if _, present := f.Lookup(b.key); !present {
			continue
		}
		v, ok := f.Bool(b.key)
		if !ok {
			return fmt.Errorf("tokenizer: %s is not a bool", b.key)
		}
		*b.v = v
	}
	if t.addBOS && t.bos == null {
		return fmt.Errorf("tokenizer: %s is true, but tokenizer.ggml.bos_token_id is not set", keyAddBOS)
	}
	if t.addEOS && t.eos == null {
		return fmt.Errorf("tokenizer: %s is true, but tokenizer.ggml.eos_token_id is not set", keyAddEOS)
	}
	if t.addSep && t.sep == null {
		return fmt.Errorf("tokenizer: %s is true, but tokenizer.ggml.seperator_token_id is not set", keyAddSep)
	}
	return nil
}

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
		t.byteTok[b] = null
		switch t.kind {
		case kindSPM:
			if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
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

// BOS returns the beginning-of-sequence token (CLS for BERT).
func (t *Tokenizer) BOS() (int32, bool) { return t.bos, t.bos != null }

// EOS returns the end-of-sequence token.
func (t *Tokenizer) EOS() (int32, bool) { return t.eos, t.eos != null }

// EOT returns the end-of-turn token, named in the metadata or found by text.
func (t *Tokenizer) EOT() (int32, bool) { return t.eot, t.eot != null }

// Sep returns the separator token (BERT's SEP).
func (t *Tokenizer) Sep() (int32, bool) { return t.sep, t.sep != null }

// Unk returns the unknown token.
func (t *Tokenizer) Unk() (int32, bool) { return t.unk, t.unk != null }

// IsEOG reports whether id ends generation: EOS, EOT, EOM and the other
// end-of-generation tokens llama.cpp recognises.
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// EOGs returns the end-of-generation tokens in increasing order.
func (t *Tokenizer) EOGs() []int32 {
	out := make([]int32, 0, len(t.eog))
	for id := range t.eog {
		out = append(out, id)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Model returns tokenizer.ggml.model.
func (t *Tokenizer) Model() string { return t.model }

// Pre returns tokenizer.ggml.pre ("" when absent).
func (t *Tokenizer) Pre() string { return t.pre }

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode with addSpecial appends EOS.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// Token returns the text of token id as stored in the vocabulary.
func (t *Tokenizer) Token(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.tokens) {
		return "", false
	}
	return t.tokens[id], true
}

// TokenAttr returns the attributes of token id (0 when out of range).
func (t *Tokenizer) TokenAttr(id int32) Attr {
	if id < 0 || int(id) >= len(t.attrs) {
		return 0
	}
	return t.attrs[id]
}

// ID returns the token whose text is s.
func (t *Tokenizer) ID(s string) (int32, bool) {
	id, ok := t.ids[s]
	return id, ok
}
