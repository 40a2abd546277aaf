package tokenizer

import (
	"fmt"
	"math"
	"strings"

	"github.com/tern-llm/tern/gguf"
)

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
		if t.pret.noMerges {
			t.ranks = map[uint64]merge{}
			return nil
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
	if t.pret != nil && t.pret.forceBOS {
		t.addBOS = true // llama.cpp overrides add_bos_token for Gemma 4
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
