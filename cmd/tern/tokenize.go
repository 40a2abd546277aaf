package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/tern-llm/tern/tokenizer"
)

// tokenizeOptions is what `tern tokenize` was asked.
type tokenizeOptions struct {
	model        string
	text         string
	addSpecial   bool // add BOS/EOS as the vocabulary asks
	parseSpecial bool // special-token text becomes special tokens
	showPieces   bool // llama-tokenize's default output: one "id -> 'piece'" per line
	showCount    bool
}

var tokenizeCommand = command{
	name:  "tokenize",
	args:  "MODEL [TEXT]",
	short: "token ids of a text",
	summary: "Print the token ids of TEXT (read from stdin, as it is, when omitted) as a list,\n" +
		"[1, 403, 407], like llama-tokenize --ids; --show-pieces prints llama-tokenize's\n" +
		"default \"id -> 'piece'\" lines instead. MODEL may be a vocabulary-only file.",
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		o := tokenizeOptions{}
		fs.BoolVar(&o.addSpecial, "add-special", true, "add the BOS/EOS tokens the vocabulary asks for")
		fs.BoolFunc("no-bos", "same as --add-special=false (llama-tokenize's name)", func(string) error { o.addSpecial = false; return nil })
		fs.BoolVar(&o.parseSpecial, "parse-special", true, "read special-token text (\"<s>\", \"<|im_end|>\") as those tokens")
		fs.BoolFunc("no-parse-special", "same as --parse-special=false (llama-tokenize's name)", func(string) error { o.parseSpecial = false; return nil })
		fs.BoolVar(&o.showPieces, "show-pieces", false, "print one token per line with its text")
		fs.BoolVar(&o.showCount, "show-count", false, "print the number of tokens after them")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 2); err != nil {
				return err
			}
			o.model = args[0]
			if len(args) == 2 {
				o.text = args[1]
			} else {
				text, err := io.readInput("text")
				if err != nil {
					return err
				}
				o.text = text
			}
			return runTokenize(o, io)
		}
	},
}

func runTokenize(o tokenizeOptions, io stdio) error {
	f, err := openGGUF(o.model)
	if err != nil {
		return err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return inFile(o.model, err)
	}
	ids := tok.Encode(o.text, o.addSpecial, o.parseSpecial)
	var b strings.Builder
	if o.showPieces {
		for _, id := range ids {
			fmt.Fprintf(&b, "%6d -> '%s'\n", id, tok.TokenPiece(id))
		}
	} else {
		b.WriteByte('[')
		for i, id := range ids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(int(id)))
		}
		b.WriteString("]\n")
	}
	if o.showCount {
		fmt.Fprintf(&b, "Total number of tokens: %d\n", len(ids))
	}
	_, err = io.out.Write([]byte(b.String()))
	return err
}
