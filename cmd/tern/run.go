package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/sample"
	"github.com/tern-llm/tern/tokenizer"
)

// Defaults of `tern run`. The temperature is 0 (greedy): the same command
// gives the same text, the text llama.cpp's greedy decoding gives. The
// other sampling defaults are llama.cpp's (common/common.h,
// common_params_sampling), so that with --temp 0.8 the two sample alike.
const (
	defaultTemp   = 0
	defaultTopK   = 40
	defaultTopP   = 0.95
	defaultMinP   = 0.05
	defaultRepeat = 1.0 // llama.cpp's penalty_repeat: off
	// defaultMaxContext caps the default context: a model's trained
	// context (128k for Llama 3) would make a KV cache of many GiB.
	defaultMaxContext = plan.DefaultContext
	// defaultMinContext is the shortest the default context is shrunk to
	// when memory is short, before layers are streamed (a context the user
	// names is not shrunk).
	defaultMinContext = 512
)

// runOptions is what `tern run` was asked.
type runOptions struct {
	model        string
	prompt       string
	maxTokens    int // < 0: until an end-of-generation token or the context's end
	context      int // 0: min(model's, defaultMaxContext)
	threads      int // 0: one per CPU
	memoryLimit  string
	noBOS        bool
	parseSpecial bool
	echo         bool
	verbose      bool
	sampling     sample.Params
	cacheType    quant.Type
}

var runCommand = command{
	name:    "run",
	args:    "MODEL [PROMPT]",
	short:   "generate text that continues a prompt",
	summary: "Generate text that continues PROMPT and stream it to stdout. Without PROMPT, the prompt\nis read from stdin (less one final newline). Decoding is greedy by default (the same\nprompt gives the same text); --temp 0.8 samples as llama.cpp does. Generation stops at an\nend-of-generation token, after -n tokens, or when the context is full.",
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		o := runOptions{}
		p := &o.sampling
		fs.IntVar(&o.maxTokens, "n", -1, "tokens to generate (-1: until the model ends the text or the context is full)")
		fs.IntVar(&o.maxTokens, "max-tokens", -1, "same as -n")
		fs.IntVar(&o.context, "ctx", 0, fmt.Sprintf("context length in tokens, prompt included (0: the model's, at most %d)", defaultMaxContext))
		fs.IntVar(&o.threads, "threads", 0, "CPU threads (0: one per CPU)")
		fs.StringVar(&o.memoryLimit, "memory-limit", "", memoryLimitUsage)
		cacheTypeFlag(fs, &o.cacheType)
		fs.BoolVar(&o.noBOS, "no-bos", false, "do not add the BOS (and EOS) tokens the vocabulary asks for")
		fs.BoolVar(&o.parseSpecial, "parse-special", true, "read special-token text in the prompt (\"<s>\") as those tokens")
		fs.BoolVar(&o.echo, "echo", false, "print the prompt before the generated text")
		fs.BoolVar(&o.verbose, "v", false, "print the seed and speeds (tokens/s) to stderr")
		fs.BoolVar(&o.verbose, "verbose", false, "same as -v")
		float32Var(fs, &p.Temperature, "temp", defaultTemp, "temperature (0: greedy, always the most likely token)")
		fs.IntVar(&p.TopK, "top-k", defaultTopK, "keep the K most likely tokens (0: off)")
		float32Var(fs, &p.TopP, "top-p", defaultTopP, "keep the most likely tokens up to this probability mass (1: off)")
		float32Var(fs, &p.MinP, "min-p", defaultMinP, "keep tokens at least this fraction as likely as the best (0: off)")
		float32Var(fs, &p.RepeatPenalty, "repeat-penalty", defaultRepeat, "divide the logits of recent tokens by this (1: off)")
		fs.IntVar(&p.RepeatLastN, "repeat-last-n", sample.DefaultRepeatLastN, "tokens the repeat penalty looks back at (-1: all)")
		float32Var(fs, &p.PresencePenalty, "presence-penalty", 0, "lower the logits of generated tokens by this (OpenAI's)")
		float32Var(fs, &p.FrequencyPenalty, "frequency-penalty", 0, "lower the logits of generated tokens by this per use (OpenAI's)")
		seedSet := false
		fs.Func("seed", "random seed, for reproducible sampling (default: a random one)", func(s string) error {
			v, err := strconv.ParseUint(s, 0, 64)
			p.Seed, seedSet = v, true
			return err
		})
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 2); err != nil {
				return err
			}
			o.model = args[0]
			if err := checkLimits(o.memoryLimit); err != nil {
				return err // before waiting for a prompt on stdin
			}
			if len(args) == 2 {
				o.prompt = args[1]
			} else {
				text, err := io.readInput("prompt")
				if err != nil {
					return err
				}
				// echo and editors end a prompt with a newline that is not part of it.
				o.prompt = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
			}
			if !seedSet {
				p.Seed = randomSeed()
			}
			return runGenerate(ctx, o, io)
		}
	},
}

// runGenerate loads the model, feeds it the prompt and streams the
// generated text to io.out.
func runGenerate(ctx context.Context, o runOptions, io stdio) error {
	if err := o.sampling.Validate(); err != nil {
		return &usageError{err}
	}
	if o.context < 0 || o.threads < 0 {
		return usageErrorf("--ctx %d and --threads %d must not be negative", o.context, o.threads)
	}
	log := slog.New(slog.NewTextHandler(io.err, nil))
	lo := loadOptions{threads: o.threads, limits: o.memoryLimit, plan: planOptions{context: o.context, kvType: o.cacheType}}
	if o.context == 0 {
		lo.plan.minContext = defaultMinContext
	}
	lm, err := loadModel(ctx, io, log, o.model, lo)
	if err != nil {
		return err
	}
	defer lm.Close()
	tok, err := tokenizer.FromGGUF(lm.file)
	if err != nil {
		return inFile(o.model, err)
	}
	cfg := lm.model.Config
	if tok.VocabSize() != cfg.Vocab {
		return inFile(o.model, fmt.Errorf("the tokenizer has %d tokens, the model %d", tok.VocabSize(), cfg.Vocab))
	}

	ctxLen := lm.plan.Context
	if o.verbose {
		fmt.Fprintf(io.err, "plan: %s\n", lm.plan.Summary())
	}
	prompt := tok.Encode(o.prompt, !o.noBOS, o.parseSpecial)
	if len(prompt) == 0 {
		return usageErrorf("the prompt is empty and the vocabulary adds no BOS token: give a prompt")
	}
	if len(prompt) >= ctxLen {
		return fmt.Errorf("the prompt is %d tokens, which leaves no room in a context of %d (see --ctx)", len(prompt), ctxLen)
	}
	seq, err := lm.model.NewSequenceOf(ctxLen, o.cacheType)
	if err != nil {
		return err
	}
	defer seq.Free()
	smp, err := sample.New(o.sampling)
	if err != nil {
		return err
	}
	smp.AcceptPrompt(prompt...)

	if o.echo {
		if _, err := io.out.Write([]byte(o.prompt)); err != nil {
			return err
		}
	}
	// next runs tokens through the model and samples the token after
	// them: from the best logits, selected where the logits are, when the
	// sampler needs no others (greedy, top-k) and the output device selects
	// them; from all of them otherwise.
	var logits, vals []float32
	var ids []int32
	next := func(tokens []int32, chunk int) (int32, error) {
		var err error
		if k := smp.Candidates(cfg.Vocab); k > 0 && k <= lm.model.MaxTopK() {
			if vals, ids, err = seq.AppendTopK(ctx, tokens, chunk, k, vals, ids); err != nil {
				return -1, err
			}
			return smp.SampleTop(vals, ids, cfg.Vocab)
		}
		if logits, err = seq.Append(ctx, tokens, chunk); err != nil {
			return -1, err
		}
		return smp.Sample(logits)
	}
	start := time.Now()
	id, err := next(prompt, lm.plan.PrefillChunk)
	if err != nil {
		return err
	}
	promptTime := time.Since(start)

	// The decoder strips the space SentencePiece puts before the first
	// token of a text; the generated tokens continue a text, so it is
	// started with a control token, which renders as nothing.
	dec := tok.NewDecoder()
	if bos, ok := tok.BOS(); ok && tok.TokenAttr(bos)&tokenizer.AttrControl != 0 {
		dec.Add(bos)
	}
	start = time.Now()
	var generated int
	var last string
	stop := "the token limit"
	for o.maxTokens < 0 || generated < o.maxTokens {
		if err := ctx.Err(); err != nil {
			return flushInterrupted(io, dec, err)
		}
		if tok.IsEOG(id) {
			stop = "an end-of-generation token"
			break
		}
		smp.Accept(id)
		generated++
		if text := dec.Add(id); text != "" {
			last = text
			if _, err := io.out.Write([]byte(text)); err != nil {
				return err
			}
		}
		if o.maxTokens >= 0 && generated == o.maxTokens {
			break
		}
		if seq.Len() == ctxLen {
			stop = fmt.Sprintf("the end of the context (%d tokens, see --ctx)", ctxLen)
			break
		}
		if id, err = next([]int32{id}, 1); err != nil {
			return flushInterrupted(io, dec, err)
		}
	}
	genTime := time.Since(start)
	if text := dec.Flush(); text != "" {
		last = text
		if _, err := io.out.Write([]byte(text)); err != nil {
			return err
		}
	}
	openLine := last == "" || last[len(last)-1] != '\n'
	if io.tty && openLine {
		fmt.Fprintln(io.out)
	}
	if o.verbose {
		if !io.tty && openLine {
			// stdout stays exactly the text; the report starts on a line of
			// its own where both streams reach one terminal or file
			fmt.Fprintln(io.err)
		}
		fmt.Fprintf(io.err, "seed %d; stopped at %s\n", o.sampling.Seed, stop)
		fmt.Fprintf(io.err, "prompt: %d tokens in %s (%s); generation: %d tokens in %s (%s)\n",
			len(prompt), round(promptTime), rate(len(prompt), promptTime),
			generated, round(genTime), rate(generated, genTime))
		fmt.Fprintf(io.err, "memory charged: %s; peak %s\n", lm.acct, device.FormatBytes(lm.acct.Usage().Peak))
		if lm.pages != nil {
			fmt.Fprintf(io.err, "streamed weights: mapped in at %.2f GB/s (the plan assumed %.2f GB/s to map and read them)\n",
				lm.pages.Rate()/1e9, lm.plan.Options.DiskRead/1e9)
		}
	}
	return nil
}

// flushInterrupted prints what the decoder holds and returns err, so that
// an interrupted run leaves whole characters behind.
func flushInterrupted(io stdio, dec *tokenizer.Decoder, err error) error {
	io.out.Write([]byte(dec.Flush()))
	return err
}

func rate(n int, d time.Duration) string {
	if d <= 0 || n == 0 {
		return "- tokens/s"
	}
	return fmt.Sprintf("%.1f tokens/s", float64(n)/d.Seconds())
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// randomSeed is a seed for a run that did not ask for one.
func randomSeed() uint64 {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.LittleEndian.Uint64(b[:])
}

// float32Var defines a float32 flag.
func float32Var(fs *flag.FlagSet, p *float32, name string, value float32, usage string) {
	*p = value
	fs.Func(name, fmt.Sprintf("%s (default %g)", usage, value), func(s string) error {
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return err
		}
		*p = float32(v)
		return nil
	})
}
