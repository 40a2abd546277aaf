package tokenizer

import (
	"sync"
	"unicode"
)

// cpt is one code point as llama.cpp's unicode.cpp sees it: any value its
// lenient UTF-8 decoder produces, including surrogates and values above
// U+10FFFF (a four-byte sequence with lead byte 0xF5..0xF7).
type cpt = rune

// replacementChar is what an undecodable byte becomes.
const replacementChar cpt = 0xFFFD

// maxCodepoint bounds the code points that have Unicode properties.
const maxCodepoint = 0x110000

// cflags are the per-code-point properties of llama.cpp's unicode_cpt_flags:
// one general category bit (N, L, Z, M, P, S, C, or undefined for Cn) plus
// the White_Space property.
type cflags uint16

const (
	fUndefined  cflags = 1 << iota // Cn (unassigned), or outside Unicode
	fNumber                        // \p{N}
	fLetter                        // \p{L}
	fSeparator                     // \p{Z}
	fMark                          // \p{M}
	fPunct                         // \p{P}
	fSymbol                        // \p{S}
	fControl                       // \p{C} other than Cn
	fWhitespace                    // White_Space (PropList.txt)
)

func (f cflags) has(m cflags) bool { return f&m != 0 }

// isWhitespaceCpt reports the White_Space property, the set llama.cpp's
// unicode_set_whitespace holds.
func isWhitespaceCpt(c cpt) bool {
	switch {
	case c >= 0x09 && c <= 0x0D, c == 0x20, c == 0x85, c == 0xA0, c == 0x1680:
		return true
	case c >= 0x2000 && c <= 0x200A, c == 0x2028, c == 0x2029, c == 0x202F, c == 0x205F, c == 0x3000:
		return true
	}
	return false
}

// categoryOf computes the flags of one code point from Go's Unicode tables.
func categoryOf(c cpt) cflags {
	if c < 0 || c >= maxCodepoint {
		return fUndefined
	}
	var f cflags
	switch {
	case unicode.Is(unicode.L, c):
		f = fLetter
	case unicode.Is(unicode.M, c):
		f = fMark
	case unicode.Is(unicode.N, c):
		f = fNumber
	case unicode.Is(unicode.P, c):
		f = fPunct
	case unicode.Is(unicode.S, c):
		f = fSymbol
	case unicode.Is(unicode.Z, c):
		f = fSeparator
	case unicode.Is(unicode.Cc, c), unicode.Is(unicode.Cf, c), unicode.Is(unicode.Co, c), unicode.Is(unicode.Cs, c):
		f = fControl
	default:
		f = fUndefined
	}
	if isWhitespaceCpt(c) {
		f |= fWhitespace
	}
	return f
}

// bmpFlags caches categoryOf for the Basic Multilingual Plane (128 KiB); it
// is built once, on first use, and never written afterwards.
var bmpFlags = sync.OnceValue(func() *[0x10000]cflags {
	var t [0x10000]cflags
	for c := range t {
		t[c] = categoryOf(cpt(c))
	}
	return &t
})

// flagsOf returns llama.cpp's unicode_cpt_flags_from_cpt for c.
func flagsOf(c cpt) cflags {
	if c >= 0 && c < 0x10000 {
		return bmpFlags()[c]
	}
	return categoryOf(c)
}

// toLower is llama.cpp's unicode_tolower: the simple lowercase mapping.
func toLower(c cpt) cpt {
	if c < 0 || c >= maxCodepoint {
		return c
	}
	return unicode.ToLower(c)
}

// utf8Len is llama.cpp's unicode_len_utf8: the sequence length announced by
// a lead byte (continuation bytes count as 1).
func utf8Len(b byte) int {
	switch b >> 4 {
	case 0xC, 0xD:
		return 2
	case 0xE:
		return 3
	case 0xF:
		return 4
	}
	return 1
}

// decodeCpt is llama.cpp's unicode_cpt_from_utf8: it checks only that the
// continuation bytes are present and of the form 10xxxxxx, so overlong forms
// and surrogates decode. ok is false for an undecodable lead byte.
func decodeCpt(s string, i int) (c cpt, n int, ok bool) {
	b0 := s[i]
	switch {
	case b0&0x80 == 0:
		return cpt(b0), 1, true
	case b0&0x40 == 0:
		return 0, 0, false
	case b0&0x20 == 0:
		if i+1 >= len(s) || s[i+1]&0xC0 != 0x80 {
			return 0, 0, false
		}
		return cpt(b0&0x1F)<<6 | cpt(s[i+1]&0x3F), 2, true
	case b0&0x10 == 0:
		if i+2 >= len(s) || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 {
			return 0, 0, false
		}
		return cpt(b0&0x0F)<<12 | cpt(s[i+1]&0x3F)<<6 | cpt(s[i+2]&0x3F), 3, true
	case b0&0x08 == 0:
		if i+3 >= len(s) || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 || s[i+3]&0xC0 != 0x80 {
			return 0, 0, false
		}
		return cpt(b0&0x07)<<18 | cpt(s[i+1]&0x3F)<<12 | cpt(s[i+2]&0x3F)<<6 | cpt(s[i+3]&0x3F), 4, true
	}
	return 0, 0, false
}

// decodeCpts is llama.cpp's unicode_cpts_from_utf8: every undecodable byte
// becomes one U+FFFD.
func decodeCpts(s string, dst []cpt) []cpt {
	dst = dst[:0]
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			dst = append(dst, cpt(s[i]))
			i++
			continue
		}
		c, n, ok := decodeCpt(s, i)
		if !ok {
			dst = append(dst, replacementChar)
			i++
			continue
		}
		dst = append(dst, c)
		i += n
	}
	return dst
}

// appendCpt is llama.cpp's unicode_cpt_to_utf8, which encodes surrogates
// like any other value. llama.cpp throws for values above U+10FFFF; here they
// become U+FFFD so that no input can fail.
func appendCpt(dst []byte, c cpt) []byte {
	switch {
	case c >= 0 && c <= 0x7F:
		return append(dst, byte(c))
	case c >= 0x80 && c <= 0x7FF:
		return append(dst, 0xC0|byte(c>>6), 0x80|byte(c&0x3F))
	case c >= 0x800 && c <= 0xFFFF:
		return append(dst, 0xE0|byte(c>>12), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	case c >= 0x10000 && c <= 0x10FFFF:
		return append(dst, 0xF0|byte(c>>18), 0x80|byte(c>>12&0x3F), 0x80|byte(c>>6&0x3F), 0x80|byte(c&0x3F))
	}
	return append(dst, 0xEF, 0xBF, 0xBD)
}

// byteRunes is GPT-2's bytes_to_unicode: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 onwards in byte order.
var byteRunes = func() (t [256]rune) {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			t[b] = rune(b)
		} else {
			t[b] = 0x100 + n
			n++
		}
	}
	return t
}()

// byteRuneStrings holds byteRunes as UTF-8 strings.
var byteRuneStrings = func() (t [256]string) {
	for b, r := range byteRunes {
		t[b] = string(r)
	}
	return t
}()

// runeByte inverts byteRunes: the byte for a rune below 0x144, or -1.
var runeByte = func() (t [0x144]int16) {
	for i := range t {
		t[i] = -1
	}
	for b, r := range byteRunes {
		t[r] = int16(b)
	}
	return t
}()

// nfdFirst is llama.cpp's unicode_cpts_normalize_nfd for one code point: the
// first code point of its canonical decomposition (see nfd_table.go).
func nfdFirst(c cpt) cpt {
	lo, hi := 0, len(nfdRanges)
	for lo < hi {
		m := (lo + hi) / 2
		if nfdRanges[m].first <= c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return c
	}
	r := nfdRanges[lo-1]
	if c <= r.last {
		return r.nfd
	}
	return c
}
