package tokenizer

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"
)

func TestDecodeCpts(t *testing.T) {
	const fffd = replacementChar
	for _, c := range []struct {
		in   string
		want []cpt
	}{
		{"", nil},
		{"aé€😀", []cpt{'a', 0xE9, 0x20AC, 0x1F600}},
		{"\x80", []cpt{fffd}},
		{"\xe2\x82", []cpt{fffd, fffd}},       // truncated: one U+FFFD per byte
		{"\xe2\x82a", []cpt{fffd, fffd, 'a'}}, // bad continuation
		{"\xc0\x80", []cpt{0}},                // overlong forms decode
		{"\xed\xa0\x80", []cpt{0xD800}},       // so do surrogates
		{"\xf5\x80\x80\x80", []cpt{0x140000}}, // and values above U+10FFFF
		{"\xf8\x80\x80\x80\x80", []cpt{fffd, fffd, fffd, fffd, fffd}},
		{"\xff", []cpt{fffd}},
	} {
		if got := decodeCpts(c.in, nil); !slices.Equal(got, c.want) {
			t.Errorf("decodeCpts(%q) = %X, want %X", c.in, got, c.want)
		}
	}
	if got := string(appendCpt(nil, 0xD800)); got != "\xed\xa0\x80" {
		t.Errorf("surrogate encodes as %q", got)
	}
	if got := string(appendCpt(nil, 0x140000)); got != "\uFFFD" {
		t.Errorf("U+140000 encodes as %q", got)
	}
	// On valid UTF-8 the lenient decoder and encoder agree with Go's.
	rng := rand.New(rand.NewPCG(7, 8))
	for range 1000 {
		rs := make([]rune, rng.IntN(9))
		for i := range rs {
			for {
				rs[i] = rune(rng.IntN(0x110000))
				if utf8.ValidRune(rs[i]) {
					break
				}
			}
		}
		s := string(rs)
		got := decodeCpts(s, nil)
		if !slices.Equal(got, rs) && !(len(rs) == 0 && len(got) == 0) {
			t.Fatalf("decodeCpts(%q) = %X", s, got)
		}
		var b []byte
		for _, c := range got {
			b = appendCpt(b, c)
		}
		if string(b) != s {
			t.Fatalf("re-encoding %q gave %q", s, b)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		c    cpt
		want cflags
	}{
		{'A', fLetter}, {'z', fLetter}, {'0', fNumber}, {'~', fSymbol}, {'$', fSymbol}, {'!', fPunct},
		{' ', fSeparator | fWhitespace}, {'\n', fControl | fWhitespace}, {0x00, fControl}, {0x1C, fControl},
		{0x85, fControl | fWhitespace}, {0xA0, fSeparator | fWhitespace}, {0x3000, fSeparator | fWhitespace},
		{0x200B, fControl}, {0x0301, fMark}, {0x0663, fNumber}, {0x00BD, fNumber}, {0x65E5, fLetter},
		{0x1F600, fSymbol}, {0xE000, fControl}, {0xD800, fControl}, {0x0378, fUndefined}, {0x110000, fUndefined},
		{0xFFFD, fSymbol}, {0x2028, fSeparator | fWhitespace}, {0x00AD, fControl}, {0x3001, fPunct},
	} {
		if got := flagsOf(c.c); got != c.want {
			t.Errorf("flagsOf(%U) = %b, want %b", c.c, got, c.want)
		}
	}
	// The BMP cache is categoryOf.
	for c := cpt(0); c < 0x10000; c++ {
		if flagsOf(c) != categoryOf(c) {
			t.Fatalf("%U: cache %b, categoryOf %b", c, flagsOf(c), categoryOf(c))
		}
	}
}

func TestNFDAndLower(t *testing.T) {
	for _, c := range []struct{ in, want cpt }{
		{'a', 'a'}, {0xE9, 'e'}, {0xC5, 'A'}, {0x1EA4, 'A'}, {0x01D6, 'u'}, {0xAC00, 0x1100}, {0x212B, 'A'}, {0x0300, 0x0300},
	} {
		if got := nfdFirst(c.in); got != c.want {
			t.Errorf("nfdFirst(%U) = %U, want %U", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want cpt }{
		{'A', 'a'}, {'a', 'a'}, {0xC9, 0xE9}, {0x130, 'i'}, {0x41F, 0x43F}, {0x1E9E, 0xDF}, {-1, -1}, {0x110000, 0x110000},
	} {
		if got := toLower(c.in); got != c.want {
			t.Errorf("toLower(%U) = %U, want %U", c.in, got, c.want)
		}
	}
}

func TestByteRunes(t *testing.T) {
	seen := map[rune]bool{}
	for b, r := range byteRunes {
		if seen[r] {
			t.Fatalf("rune %U used twice", r)
		}
		seen[r] = true
		if runeByte[r] != int16(b) {
			t.Fatalf("runeByte[%U] = %d, want %d", r, runeByte[r], b)
		}
	}
	for _, c := range []struct {
		b byte
		r rune
	}{{' ', 'Ġ'}, {'\n', 'Ċ'}, {'!', '!'}, {0xAD, 0x143}, {0x00, 0x100}, {0xFF, 0xFF}} {
		if byteRunes[c.b] != c.r {
			t.Errorf("byteRunes[%#x] = %U, want %U", c.b, byteRunes[c.b], c.r)
		}
	}
	if got := decodeByteLevel("ĠhelloĊ"); got != " hello\n" {
		t.Errorf("decodeByteLevel = %q", got)
	}
	if got := decodeByteLevel("aЖ"); got != "a[UNK_BYTE_0xd096aЖ]" {
		t.Errorf("decodeByteLevel of a non-byte rune = %q", got)
	}
}
