package tokenizer

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// pieces pre-tokenizes s with the named pre-tokenizer and returns the words
// as UTF-8 text (before byte-level encoding).
func pieces(t testing.TB, pre, s string) []string {
	t.Helper()
	p, ok := preTypes[pre]
	if !ok {
		t.Fatalf("no pre-tokenizer %q", pre)
	}
	var r runes
	r.reset(s)
	out := []string{}
	start := 0
	for _, n := range splitPieces(&r, p.splitters) {
		var b []byte
		for _, c := range r.c[start : start+n] {
			b = appendCpt(b, c)
		}
		out = append(out, string(b))
		start += n
	}
	if start != len(r.c) {
		t.Fatalf("%s: pieces cover %d of %d code points", pre, start, len(r.c))
	}
	return out
}

// TestPreTokenizerGolden compares every pre-tokenizer with the splits that
// testdata/gen_pretok.py computes by running llama.cpp's expressions through
// Python's regex engine the way unicode_regex_split does.
func TestPreTokenizerGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/pretok_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string][][2]json.RawMessage
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(golden))
	for n := range golden {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 20 {
		t.Fatalf("golden file has %d variants", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			fails := 0
			for _, c := range golden[name] {
				var in string
				var want []string
				if err := json.Unmarshal(c[0], &in); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(c[1], &want); err != nil {
					t.Fatal(err)
				}
				got := pieces(t, name, in)
				if !reflect.DeepEqual(got, want) {
					fails++
					if fails <= 5 {
						t.Errorf("%q:\n got %q\nwant %q", in, got, want)
					}
				}
			}
			if fails > 5 {
				t.Errorf("%d cases differ", fails)
			}
		})
	}
}

// TestPreTokenizerLongRuns runs every pre-tokenizer over long runs of one
// class followed by a different one, where a search that rescans the run at
// every position would take quadratic time; it also checks that the pieces
// cover the text.
func TestPreTokenizerLongRuns(t *testing.T) {
	const n = 20000
	inputs := []string{
		strings.Repeat("7", n) + "a", strings.Repeat("7", n) + "_", strings.Repeat("A", n) + "1",
		strings.Repeat("a", n) + "'", strings.Repeat(" ", n) + "x", strings.Repeat(" \n", n/2) + "x",
		strings.Repeat("é", n) + "!", strings.Repeat("!", n) + " ", strings.Repeat("日", n) + "a",
		strings.Repeat("\u0301", n) + "a", strings.Repeat("a ", n/2) + "1", strings.Repeat("'", n) + "s",
		strings.Repeat("IMGIMGA", n/7), strings.Repeat("<sentinel:", n/10), strings.Repeat("\u3000", n) + "x",
	}
	var r runes
	for _, in := range inputs {
		r.reset(in)
		for name, p := range preTypes {
			total := 0
			for _, k := range splitPieces(&r, p.splitters) {
				total += k
			}
			if total != len(r.c) {
				t.Fatalf("%s: pieces cover %d of %d code points of %q...", name, total, len(r.c), in[:10])
			}
		}
	}
}

// splitPieces is split with fresh scratch.
func splitPieces(r *runes, splitters []splitter) []int {
	pieces, _ := split(r, splitters, nil, nil)
	return pieces
}

// TestKimiK2 checks the port of llama.cpp's Kimi-K2 splitter on cases worked
// out by hand from its code (it is not the regular expression it stands for:
// "HELLOworld's" stays one word).
func TestKimiK2(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello World", []string{"Hello", " World"}},
		{"I'm 中文字abc123456", []string{"I'm", " ", "中文字", "abc", "123", "456"}},
		{"HELLOworld's", []string{"HELLOworld's"}},
		{"  x", []string{" ", " x"}},
		{"a\n\nb", []string{"a", "\n\n", "b"}},
		{"!!?x", []string{"!!?", "x"}},
		{"é\u0301", []string{"é", "\u0301"}},
	} {
		if got := pieces(t, "kimi-k2", c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
