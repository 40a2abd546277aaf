package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

type benchOptions struct {
	model     string
	prompt    int        // -p: prompt tokens (0: no prompt test)
	gen       int        // -n: generated tokens (0: no generation test)
	depth     int        // -d: tokens in the cache before each test
	cacheType quant.Type // --cache-type: the KV cache's elements
	threads   []int      // -t
	reps      int        // -r
	json      bool
	noRoof    bool   // skip calibration: no roofline column
	device    string // -device: "auto" (where tern run places the model) or "cpu"
	probe     bool   // -probe: the bandwidth measured again around each generation repetition
}

// maxBenchDepth bounds -d: a cache of that many tokens for a model of
// Llama-3.1-8B's shape holds 4 GiB of float32 keys and values.
const maxBenchDepth = 1 << 15

// probeStep is how long -probe reads memory before each repetition, and
// probeBytes what it reads (above the caches, as the calibration's).
const (
	probeStep  = 200 * time.Millisecond
	probeBytes = 256 << 20
)

var benchCommand = command{
	name:  "bench",
	args:  "MODEL",
	short: "prompt-processing and generation speed, like llama-bench",
	summary: `Measures prompt processing (ppN: N prompt tokens in one batch) and generation
(tgN: N tokens one at a time) in tokens per second, mean ± standard deviation over
-r repetitions after a warm-up, for each thread count of -t. Beside each result is
its roofline: for generation, the memory bandwidth the calibration measured over the
bytes a token reads; for prompts, the calibrated matrix-matrix rate of the model's
main weight format over the flops a token takes. On a machine with an NVIDIA GPU the
model runs where tern run would place it (-device cpu: on the CPU alone): the
generation roofline then sums each part's bytes over its device's bandwidth, and the
plan's predicted speed is printed beside each result. With -d, each test runs after
that many tokens are in the cache (llama-bench's -d: "tg32 @ d4096"), and the
generation roofline counts the cache's keys and values a token reads (--cache-type).`,
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		o := benchOptions{}
		var threads string
		fs.IntVar(&o.prompt, "p", 64, "prompt tokens (0: skip the prompt test)")
		fs.IntVar(&o.gen, "n", 32, "generated tokens (0: skip the generation test)")
		fs.IntVar(&o.depth, "d", 0, "tokens in the cache before each test (its prompt, untimed)")
		cacheTypeFlag(fs, &o.cacheType)
		fs.StringVar(&threads, "t", "0", "thread counts, comma-separated (0: one per core)")
		fs.IntVar(&o.reps, "r", 3, "repetitions")
		fs.BoolVar(&o.json, "json", false, "print JSON instead of a table")
		fs.StringVar(&o.device, "device", "auto", "where to run: auto (where tern run would place the model: the GPU when there is one; the\nroofline then sums each part's bytes over its device's bandwidth) or cpu (the CPU alone)")
		fs.BoolVar(&o.noRoof, "no-roofline", false, "skip the calibration (first run on a machine: under 10 s) and the roofline column")
		fs.BoolVar(&o.probe, "probe", false, "measure the memory bandwidth again before and after each generation repetition and set each\nrepetition beside the bandwidth read around it (on a shared host the bandwidth moves by the minute);\non two threads or more, also a cache line's round trip between two threads (where a host moves its\nvCPUs, it tells the minutes they share a core from those they do not)")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 1); err != nil {
				return err
			}
			o.model = args[0]
			for _, s := range strings.Split(threads, ",") {
				t, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || t < 0 {
					return usageErrorf("-t %q: want thread counts like 1,2", threads)
				}
				o.threads = append(o.threads, t)
			}
			if o.device != "auto" && o.device != "cpu" {
				return usageErrorf("-device %q: want auto or cpu", o.device)
			}
			if o.reps < 1 || o.prompt < 0 || o.gen < 0 || o.prompt+o.gen == 0 {
				return usageErrorf("-r %d, -p %d, -n %d: need at least one repetition and one test", o.reps, o.prompt, o.gen)
			}
			if o.depth < 0 || o.depth > maxBenchDepth {
				return usageErrorf("-d %d: want 0 to %d tokens", o.depth, maxBenchDepth)
			}
			return runBench(ctx, o, io)
		}
	},
}

// benchResult is one row of the table (and one object of --json).
type benchResult struct {
	Model   string `json:"model"`
	Type    string `json:"type"`
	Size    int64  `json:"size_bytes"`
	Params  int64  `json:"params"`
	Threads int    `json:"threads"`
	// Devices are where the model's parts ran: "cpu", or as tern run
	// places them on a machine with a GPU ("cuda0", "cuda0+cpu").
	Devices string `json:"devices"`
	Test    string `json:"test"`
	Tokens  int    `json:"tokens"`
	Depth   int    `json:"n_depth,omitempty"`
	// TypeK and TypeV are the KV cache's element type (llama-bench's).
	TypeK    string    `json:"type_k"`
	TypeV    string    `json:"type_v"`
	Samples  []float64 `json:"samples_ts"`
	Mean     float64   `json:"avg_ts"`
	Stddev   float64   `json:"stddev_ts"`
	Roofline float64   `json:"roofline_ts,omitempty"`
	// RooflineNote says what the roofline is made of.
	RooflineNote string `json:"roofline,omitempty"`
	// Probes are the bandwidths (bytes/s) measured with -probe before each
	// generation repetition and after the last (one more than Samples),
	// ProbeRoofline the roofline of their mean, and ProbeShares each
	// repetition's speed over the roofline of the mean of the two probes
	// around it.
	Probes        []float64 `json:"probe_bytes_per_s,omitempty"`
	ProbeRoofline float64   `json:"probe_roofline_ts,omitempty"`
	ProbeShares   []float64 `json:"probe_shares,omitempty"`
	// RoundTrips are the round trips of a cache line between two threads
	// (ns, calibrate.RoundTrip), read with each probe where the test runs
	// on two threads or more, 0 where none could be read (a thread
	// descheduled past the measure's limit, or GOMAXPROCS 1): on a shared
	// host they tell the minutes when the threads share a core's path to
	// memory from those they do not.
	RoundTrips []float64 `json:"probe_round_trip_ns,omitempty"`
	// Predicted is the plan's speed for the test where a plan placed the
	// model (a machine with a GPU).
	Predicted float64 `json:"predicted_ts,omitempty"`
}

func runBench(ctx context.Context, o benchOptions, io stdio) error {
	f, err := openGGUF(o.model)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := model.ReadConfig(f)
	if err != nil {
		return inFile(o.model, err)
	}
	w := weightStats(f)
	if o.depth > 0 && o.gen > 0 {
		// a generated token at position p reads the keys and values of
		// p+1 positions: depth+2 … depth+gen+1 after the depth and the
		// one token benchGen starts from
		w.perToken += int64(o.depth+1) * int64(c.CacheBytes(o.cacheType))
		w.perToken += int64(o.gen+1) * int64(c.CacheBytes(o.cacheType)) / 2
	}
	log := slog.New(slog.NewTextHandler(io.err, nil))
	var results []benchResult
	var bwProbe *calibrate.BandwidthProbe // -probe's memory, kept across repetitions
	if o.probe {
		bwProbe = calibrate.NewBandwidthProbe(probeBytes)
		defer bwProbe.Close()
	}
	for _, t := range o.threads {
		bm, err := loadBench(ctx, io, log, o, f, &c, w, t)
		if err != nil {
			return err
		}
		base := benchResult{Model: c.Name, Type: typeName(f, w), Size: w.total, Params: w.params, Threads: bm.threads, Devices: bm.devices}
		if base.Model == "" {
			base.Model = c.Arch
		}
		for _, test := range []struct {
			name   string
			tokens int
			run    func(*model.Sequence, *model.Model, int, int) (float64, error)
		}{{"pp", o.prompt, benchPrompt}, {"tg", o.gen, benchGen}} {
			if test.tokens == 0 {
				continue
			}
			r := base
			r.Test, r.Tokens, r.Depth = fmt.Sprintf("%s%d", test.name, test.tokens), test.tokens, o.depth
			r.TypeK, r.TypeV = strings.ToLower(o.cacheType.String()), strings.ToLower(o.cacheType.String())
			if o.depth > 0 {
				r.Test += fmt.Sprintf(" @ d%d", o.depth)
			}
			probing := o.probe && bm.host && test.name == "tg" // the probe reads host memory
			if err := repeatTest(ctx, o, bm, bwProbe, probing, test.run, &r); err != nil {
				bm.close()
				return err
			}
			r.Mean, r.Stddev = meanStd(r.Samples)
			if test.name == "tg" {
				r.Roofline, r.RooflineNote, r.Predicted = bm.tgRoof, bm.tgNote, bm.predTG
			} else {
				r.Roofline, r.RooflineNote, r.Predicted = bm.ppRoof, bm.ppNote, bm.predPP
			}
			r.ProbeRoofline, r.ProbeShares = probeRooflines(r.Samples, r.Probes, w.perToken)
			results = append(results, r)
		}
		bm.close()
	}
	if o.json {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	writeBenchTable(io.out, results)
	return nil
}

// repeatTest runs a test (run, r.Tokens tokens) o.reps times after its
// warm-up, appending each repetition's tokens/s to r.Samples and, when
// probing, the probes read around them to r.Probes.
//
// The repetitions share one sequence, reset before each, as llama-bench
// clears its context's memory: a new cache each time gave CUDA's step
// recordings (keyed by the cache) a new key each repetition, so whether a
// timed step replayed one came down to where Go placed the cache
// (bench/cuda.md, session 26). Off the host the warm-up runs twice: a
// step's shape is recorded the second time it runs (a CUDA graph) and
// replayed from the third.
func repeatTest(ctx context.Context, o benchOptions, bm *benchModel, bwProbe *calibrate.BandwidthProbe, probing bool,
	run func(*model.Sequence, *model.Model, int, int) (float64, error), r *benchResult) error {
	seq, err := bm.m.NewSequenceOf(o.depth+r.Tokens+1, o.cacheType)
	if err != nil {
		return inFile(o.model, err)
	}
	defer seq.Free()
	warm := 1
	if !bm.host {
		warm = 2
	}
	for i := -warm; i < o.reps; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if probing && i >= 0 {
			if err := measureProbe(ctx, bwProbe, bm.threads, r); err != nil {
				return err
			}
		}
		seq.Reset()
		ts, err := run(seq, bm.m, r.Tokens, o.depth)
		if err != nil {
			return inFile(o.model, err)
		}
		if i >= 0 {
			r.Samples = append(r.Samples, ts)
		}
	}
	if len(r.Probes) > 0 { // and after the last repetition
		return measureProbe(ctx, bwProbe, bm.threads, r)
	}
	return nil
}

// measureProbe reads the probe's memory for probeStep and appends the
// bandwidth to r.Probes, and on two threads or more a cache line's round
// trip between two of them to r.RoundTrips.
func measureProbe(ctx context.Context, p *calibrate.BandwidthProbe, threads int, r *benchResult) error {
	bw, err := p.Measure(ctx, threads, probeStep)
	if err != nil {
		return err
	}
	r.Probes = append(r.Probes, bw)
	if threads < 2 {
		return nil
	}
	rt, err := calibrate.RoundTrip(ctx, roundTripBounces, probeStep)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if err != nil {
		rt = 0 // no reading (see RoundTrips), not a failed bench
	}
	r.RoundTrips = append(r.RoundTrips, float64(rt.Nanoseconds()))
	return nil
}

// roundTripBounces is how many times -probe hands a cache line between two
// threads: a millisecond or a few on the development host.
const roundTripBounces = 5000

// probeRooflines returns the roofline of the probes' mean bandwidth and
// each sample's share of the roofline of the two probes read around it
// (probes[i] before sample i, probes[i+1] after it), for a token reading
// perToken bytes; zeros where there is no probe around every sample.
func probeRooflines(samples, probes []float64, perToken int64) (float64, []float64) {
	if len(probes) != len(samples)+1 || perToken <= 0 {
		return 0, nil
	}
	bw, _ := meanStd(probes)
	shares := make([]float64, len(samples))
	for i, ts := range samples {
		shares[i] = ts * float64(perToken) / ((probes[i] + probes[i+1]) / 2)
	}
	return bw / float64(perToken), shares
}

// benchPrompt runs n random tokens through seq (empty) in one batch,
// after depth random tokens.
func benchPrompt(seq *model.Sequence, m *model.Model, n, depth int) (float64, error) {
	if err := fillDepth(seq, m, depth); err != nil {
		return 0, err
	}
	toks := randomTokens(m.Config.Vocab, n)
	start := time.Now()
	if _, err := seq.Append(context.Background(), toks, n); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// benchGen generates n tokens one at a time (greedy) in seq (empty) after
// depth random tokens and one more.
func benchGen(seq *model.Sequence, m *model.Model, n, depth int) (float64, error) {
	if err := fillDepth(seq, m, depth); err != nil {
		return 0, err
	}
	logits, err := seq.Append(context.Background(), randomTokens(m.Config.Vocab, 1), 0)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for range n {
		if logits, err = seq.Append(context.Background(), []int32{argmax(logits)}, 0); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// fillDepth runs depth random tokens through seq, in prompts of at most
// depthChunk, untimed.
func fillDepth(seq *model.Sequence, m *model.Model, depth int) error {
	if depth == 0 {
		return nil
	}
	_, err := seq.Append(context.Background(), randomTokens(m.Config.Vocab, depth), depthChunk)
	return err
}

// depthChunk is the most tokens fillDepth runs at once.
const depthChunk = 512

func randomTokens(vocab, n int) []int32 {
	r := rand.New(rand.NewPCG(1, 2))
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(r.IntN(vocab))
	}
	return t
}

func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

func meanStd(x []float64) (float64, float64) {
	var s float64
	for _, v := range x {
		s += v
	}
	mean := s / float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// weights summarizes what a token reads and computes.
type weights struct {
	total    int64      // all tensor bytes (the file's size, less metadata)
	perToken int64      // bytes a decoded token reads: every matrix, one embedding row
	params   int64      // elements of all tensors
	matmul   int64      // elements of the matrices a token multiplies by (2 flops each)
	mainType quant.Type // the type holding the most bytes
}

func weightStats(f *gguf.File) weights {
	var w weights
	byType := map[quant.Type]int64{}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		w.total += t.Size
		w.params += int64(t.Elements())
		byType[t.Type] += t.Size
	}
	p := partsOf(f) // what a token reads and multiplies by, part by part
	w.perToken, w.matmul = p.embed+p.output, p.outputFlops/2
	for i := range p.layers {
		w.perToken, w.matmul = w.perToken+p.layers[i], w.matmul+p.layerFlops[i]/2
	}
	for t, b := range byType {
		if b > byType[w.mainType] {
			w.mainType = t
		}
	}
	return w
}

// typeName is the bench table's type of the model in f: its main weight
// type, or for a mixture of matrix types (llama-quantize's Q4_K_M), the
// file type's name.
func typeName(f *gguf.File, w weights) string {
	ft, ok := f.Uint("general.file_type")
	if !ok || fileTypeNames[ft] == "" {
		return w.mainType.String()
	}
	var first quant.Type
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if len(t.Shape) < 2 || t.Type == quant.F32 {
			continue
		}
		if first == 0 {
			first = t.Type
		} else if t.Type != first {
			return fileTypeName(ft)
		}
	}
	return w.mainType.String()
}

// roofline is the speed the calibration says the test cannot beat.
func roofline(test string, w weights, p *calibrate.Profile, threads int) (float64, string) {
	if p == nil {
		return 0, ""
	}
	switch test {
	case "tg":
		bw := p.Bandwidth
		if b, ok := p.ByThreads[threads]; ok {
			bw = b
		}
		if bw <= 0 || w.perToken <= 0 {
			return 0, ""
		}
		return bw / float64(w.perToken), fmt.Sprintf("%.1f GB/s ÷ %s per token", bw/1e9, byteSize(w.perToken))
	case "pp":
		peak := p.MatMat[w.mainType.String()]
		if peak <= 0 || w.matmul <= 0 {
			return 0, ""
		}
		return peak / float64(2*w.matmul), fmt.Sprintf("%.0f GFLOP/s (%s) ÷ %.3g GFLOP per token", peak/1e9, w.mainType, float64(2*w.matmul)/1e9)
	}
	return 0, ""
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
}

func writeBenchTable(out io.Writer, rs []benchResult) {
	fmt.Fprintln(out, "| model | type | size | params | devices | threads | test | t/s | roofline t/s | of roofline |")
	fmt.Fprintln(out, "|---|---|--:|--:|---|--:|--:|--:|--:|--:|")
	for _, r := range rs {
		roof, share := "", ""
		if r.Roofline > 0 {
			roof = fmt.Sprintf("%.1f", r.Roofline)
			share = fmt.Sprintf("%.0f%%", 100*r.Mean/r.Roofline)
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %d | %s | %.2f ± %.2f | %s | %s |\n",
			r.Model, r.Type, byteSize(r.Size), count(r.Params), r.Devices, r.Threads, r.Test, r.Mean, r.Stddev, roof, share)
	}
	for _, r := range rs {
		if r.RooflineNote != "" {
			fmt.Fprintf(out, "roofline of %s, %d threads: %s\n", r.Test, r.Threads, r.RooflineNote)
		}
		if r.TypeK != "" && r.TypeK != "f32" {
			fmt.Fprintf(out, "keys and values of %s in %s\n", r.Test, strings.ToUpper(r.TypeK))
		}
		if r.Predicted > 0 {
			fmt.Fprintf(out, "the plan predicted %s on %s at %.1f t/s: %.2f t/s is %.0f%% of it\n", r.Test, r.Devices, r.Predicted, r.Mean, 100*r.Mean/r.Predicted)
		}
		if r.ProbeRoofline > 0 {
			bw, sd := meanStd(r.Probes)
			share, ssd := meanStd(r.ProbeShares)
			fmt.Fprintf(out, "bandwidth read around each %s repetition, %d threads: %.1f ± %.1f GB/s, roofline %.1f t/s: %.2f t/s is %.0f%% of it; each repetition against the bandwidth read just before and after it: %.0f ± %.0f%% (lowest %.0f%%)\n",
				r.Test, r.Threads, bw/1e9, sd/1e9, r.ProbeRoofline, r.Mean, 100*r.Mean/r.ProbeRoofline, 100*share, 100*ssd, 100*slices.Min(r.ProbeShares))
		}
		if read := slices.DeleteFunc(slices.Clone(r.RoundTrips), func(ns float64) bool { return ns <= 0 }); len(read) > 0 {
			fmt.Fprintf(out, "a cache line's round trip between two threads, read with each probe: %.0f–%.0f ns\n", slices.Min(read), slices.Max(read))
		}
	}
}

// count writes a parameter count as llama-bench does (1.10 B), in M below a billion.
func count(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.2f B", float64(n)/1e9)
	}
	return fmt.Sprintf("%.2f M", float64(n)/1e6)
}
