package sample

import (
	"bufio"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	nan32 := float32(math.NaN())
	tests := []struct {
		name string
		p    Params
		ok   bool
		want string // part of the message
	}{
		{"zero value", Params{}, true, ""},
		{"llama.cpp defaults", Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1, RepeatLastN: 64}, true, ""},
		{"openai extremes", Params{Temperature: 2, TopP: 1, PresencePenalty: -2, FrequencyPenalty: 2}, true, ""},
		{"top_p tiny", Params{Temperature: 1, TopP: 1e-9}, true, ""},
		{"min_p 1", Params{MinP: 1}, true, ""},
		{"repeat penalty below 1", Params{RepeatPenalty: 0.5, RepeatLastN: -1}, true, ""},
		{"negative temperature", Params{Temperature: -0.1}, false, "temperature"},
		{"NaN temperature", Params{Temperature: nan32}, false, "temperature"},
		{"Inf temperature", Params{Temperature: inf}, false, "temperature"},
		{"negative top_k", Params{TopK: -1}, false, "top_k"},
		{"top_p above 1", Params{TopP: 1.01}, false, "top_p"},
		{"negative top_p", Params{TopP: -0.1}, false, "top_p"},
		{"NaN top_p", Params{TopP: nan32}, false, "top_p"},
		{"min_p above 1", Params{MinP: 1.5}, false, "min_p"},
		{"negative min_p", Params{MinP: -0.01}, false, "min_p"},
		{"NaN min_p", Params{MinP: nan32}, false, "min_p"},
		{"negative repeat penalty", Params{RepeatPenalty: -1}, false, "repeat_penalty"},
		{"Inf repeat penalty", Params{RepeatPenalty: inf}, false, "repeat_penalty"},
		{"repeat_last_n -2", Params{RepeatLastN: -2}, false, "repeat_last_n"},
		{"NaN presence", Params{PresencePenalty: nan32}, false, "presence_penalty"},
		{"-Inf frequency", Params{FrequencyPenalty: ninf}, false, "frequency_penalty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.ok {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want ErrInvalid naming %q", err, tt.want)
			}
		})
	}
}

// readGolden parses testdata/rng_golden.txt (written by testdata/rng_golden.py) into
// kind → seed → values.
func readGolden(t *testing.T) map[string]map[uint64][]uint64 {
	t.Helper()
	f, err := os.Open("testdata/rng_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[uint64][]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		var nums []uint64
		for _, s := range fields[1:] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			nums = append(nums, v)
		}
		if out[fields[0]] == nil {
			out[fields[0]] = map[uint64][]uint64{}
		}
		out[fields[0]][nums[0]] = nums[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRNGGolden(t *testing.T) {
	g := readGolden(t)
	if len(g["rng"]) == 0 || len(g["derive"]) == 0 {
		t.Fatal("golden file has no rng or derive lines")
	}
	for seed, want := range g["rng"] {
		r := newRNG(seed)
		for i, w := range want {
			if got := r.uint64(); got != w {
				t.Errorf("seed %d output %d = %d, want %d", seed, i, got, w)
			}
		}
	}
	for seed, want := range g["derive"] {
		for i, w := range want {
			if got := DeriveSeed(seed, i); got != w {
				t.Errorf("DeriveSeed(%d, %d) = %d, want %d", seed, i, got, w)
			}
		}
	}
}

func TestRNGFloat64(t *testing.T) {
	r := newRNG(123)
	sum := 0.0
	const n = 100000
	for range n {
		u := r.float64()
		if u < 0 || u >= 1 {
			t.Fatalf("float64() = %v, outside [0, 1)", u)
		}
		sum += u
	}
	// Mean 0.5, standard error 0.29/sqrt(n) ≈ 0.0009.
	if mean := sum / n; math.Abs(mean-0.5) > 0.006 {
		t.Errorf("mean of %d draws = %v, want 0.5", n, mean)
	}
}

func TestDeriveSeedDistinct(t *testing.T) {
	seen := map[uint64]int{}
	for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
		for i := range 64 {
			d := DeriveSeed(seed, i)
			if j, ok := seen[d]; ok {
				t.Errorf("DeriveSeed(%d, %d) = %d repeats entry %d", seed, i, d, j)
			}
			seen[d] = i
		}
	}
}
