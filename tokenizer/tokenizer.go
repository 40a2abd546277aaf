// Package tokenizer turns text into token ids and back, from the tokenizer
// metadata of a GGUF file, with the results of llama.cpp (src/llama-vocab.cpp)
// to the token.
//
// It provides the tokenizers of tokenizer.ggml.model that llama-family
// models use: "llama" (SentencePiece BPE over scores, with byte fallback),
// "gpt2" (byte-level BPE over ranked merges, after one of llama.cpp's
// pre-tokenizers chosen by tokenizer.ggml.pre; see pretok_table.go),
// "gemma4" and "whitespace" (BPE over raw UTF-8 with byte fallback) and
// "bert" (WordPiece). It leaves out the unigram (t5), RWKV, PLaMo-2 and
// "hybriddna" tokenizers, and chat templates. Unicode categories come from
// Go's unicode package, so code points assigned after Unicode 15 may be
// classified differently from llama.cpp's tables. It imports only gguf.
//
// A Tokenizer is immutable after FromGGUF, does not refer to the file
// afterwards, and is safe for concurrent use; a Decoder belongs to one
// goroutine.
package tokenizer

import (
	"fmt"
	"sort"
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
	byteTok     [256]int32 // SPM: <0xXX> (or the one-byte token); BPE: the byte-level character's token; null if none
	hexTok      [256]int32 // <0xXX> for each byte, null if none

	bos, eos, eot, eom, unk, sep, pad, mask int32
	fimPre, fimSuf, fimMid, fimPad, fimRep  int32
	fimSep                                  int32

	addBOS, addEOS, addSep  bool
	addSpacePrefix          bool
	ignoreMerges            bool
	cleanSpaces             bool
	lowercase, stripAccents bool // BERT normalizer (and the whitespace model's lowercasing)
	wsSegments              bool // tokenizer.ggml.model "whitespace": BPE per whitespace-free segment

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
	case "gpt2", "gemma4", "whitespace":
		t.kind = kindBPE
		t.wsSegments = model == "whitespace"
		t.bos, t.eos, t.unk = 11, 11, null
		if model == "gemma4" {
			t.bos, t.eos = null, null
			t.pre = "gemma4"
		}
		p, ok := preTypes[t.pre]
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s %q is not supported", keyPre, t.pre)
		}
		t.pret = p
		t.cleanSpaces = !p.keepSpaces
		t.ignoreMerges = p.ignoreMerges
		t.addBOS, t.addSep = p.addBOS, p.addSep
		t.lowercase = !p.noLower
		if p.noBOS {
			t.bos = null
		}
	case "bert":
		t.kind = kindWPM
		t.bos, t.eos, t.unk, t.sep, t.pad, t.mask = 101, null, 100, 102, 0, 103
		t.addBOS, t.addSep, t.cleanSpaces = true, true, true
	default:
		return nil, fmt.Errorf("tokenizer: %s %q is not supported (want llama, gpt2, gemma4, whitespace or bert)", keyModel, model)
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

// AddSep reports whether the vocabulary asks for a separator token at the
// end (BERT-style encoders; Encode adds BERT's SEP itself).
func (t *Tokenizer) AddSep() bool { return t.addSep }

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
