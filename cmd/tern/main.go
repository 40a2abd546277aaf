// Command tern runs GGUF language models and prepares their files.
//
//	tern run MODEL [PROMPT]        generate text (the prompt from stdin when omitted)
//	tern serve MODEL               OpenAI-compatible API server
//	tern devices                   the devices, their memory and calibrated speeds
//	tern plan MODEL                where a model would run, and why
//	tern show MODEL                architecture, parameters, tokenizer, tensors by type
//	tern tokenize MODEL [TEXT]     token ids of a text (from stdin when omitted)
//	tern quantize IN OUT TYPE      re-quantize a model
//	tern gen SHAPE OUT TYPE        write a random-weight model of a real model's shape
//	tern help [COMMAND]            usage
//
// Flags may come before or after the arguments; "--" ends them. Output goes
// to stdout, diagnostics to stderr; on error tern prints
// "tern: COMMAND: FILE: what is wrong" and exits with status 1 (130 after
// an interrupt). Only this package reads flags and the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tern-llm/tern/gguf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, tty: isTerminal(os.Stdout), inTTY: isTerminal(os.Stdin), errTTY: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// stdio is where a command reads and writes.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	tty      bool // out is a terminal: end the output with a newline
	inTTY    bool // in is a terminal: say that tern waits for it
	errTTY   bool // err is a terminal: progress may rewrite its line
}

// readInput reads a text from stdin, first saying so when stdin is a
// terminal (else tern would seem to hang).
func (s stdio) readInput(what string) (string, error) {
	if s.inTTY {
		fmt.Fprintf(s.err, "tern: reading the %s from stdin (end it with Ctrl-D)\n", what)
	}
	if s.in == nil {
		return "", nil
	}
	b, err := io.ReadAll(s.in)
	if err != nil {
		return "", fmt.Errorf("reading the %s from stdin: %w", what, err)
	}
	return string(b), nil
}

// command is one subcommand.
type command struct {
	name    string
	args    string // the positional arguments, for usage
	short   string // one line, for tern help
	summary string // what `tern help COMMAND` says above the flags
	// flags defines the command's flags on fs and returns the function
	// that runs it with the positional arguments.
	flags func(fs *flag.FlagSet) func(ctx context.Context, io stdio, args []string) error
}

// commands are tern's subcommands, in the order help lists them.
var commands = []command{runCommand, serveCommand, benchCommand, devicesCommand, planCommand, showCommand, tokenizeCommand, quantizeCommand, genCommand}

// Exit statuses.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2   // flag package convention
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// usageError is an error in the command line: tern prints it with the
// command's usage line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf makes a usageError; %w wraps as in fmt.Errorf.
func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// Main runs tern with arguments args (without the program name) and returns
// the exit status.
func Main(ctx context.Context, args []string, io stdio) int {
	if len(args) == 0 {
		usage(io.err)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 {
			if c, ok := lookup(args[1]); ok {
				fs := newFlagSet(c, io.out)
				c.flags(fs)
				fs.Usage()
				return exitOK
			}
			fmt.Fprintf(io.err, "tern: help: unknown command %q\n", args[1])
			return exitUsage
		}
		usage(io.out)
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(io.err, "tern: unknown command %q\n", name)
		usage(io.err)
		return exitUsage
	}
	fs := newFlagSet(c, io.err)
	run := c.flags(fs)
	pos, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage // the flag package has printed the error and usage
	}
	err = run(ctx, io, pos)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintf(io.err, "\ntern: %s: interrupted\n", c.name)
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintf(io.err, "tern: %s: %v\nUsage: tern %s [flags] %s (see tern help %s)\n", c.name, err, c.name, c.args, c.name)
		return exitUsage
	default:
		fmt.Fprintf(io.err, "tern: %s: %v\n", c.name, err)
		return exitError
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Tern runs GGUF language models.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	for _, c := range commands {
		fmt.Fprintf(w, "  tern %-28s %s\n", c.name+" "+c.args, c.short)
	}
	fmt.Fprintf(w, "  tern %-28s %s\n", "help [COMMAND]", "this text, or a command's flags")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags may come before or after the arguments; \"--\" ends them.")
}

func newFlagSet(c command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tern "+c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: tern %s [flags] %s\n\n%s\n", c.name, c.args, c.summary)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. After "--" every
// argument is positional (a prompt may start with "-").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, minimum, maximum int) error {
	switch {
	case len(args) < minimum:
		return usageErrorf("%d arguments, want at least %d", len(args), minimum)
	case len(args) > maximum:
		return usageErrorf("%d arguments, want at most %d (quote a text with spaces)", len(args), maximum)
	}
	return nil
}

// fileError is an error about a file: "PATH: what is wrong". It keeps the
// underlying error for errors.Is.
type fileError struct {
	path, msg string
	err       error
}

func (e *fileError) Error() string { return e.path + ": " + e.msg }
func (e *fileError) Unwrap() error { return e.err }

// inFile names path in err once: the packages below name it in some errors
// (the os package's "open PATH: …", the gguf reader's "gguf: PATH: …"), and
// those mentions are folded into the leading one.
func inFile(path string, err error) error {
	if err == nil {
		return nil
	}
	var fe *fileError
	if errors.As(err, &fe) && fe.path == path {
		return err
	}
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		msg = pe.Err.Error()
		if pe.Op != "open" {
			msg = pe.Op + ": " + msg
		}
	} else {
		msg = strings.Replace(msg, path+": ", "", 1)
	}
	return &fileError{path: path, msg: msg, err: err}
}

// openGGUF opens a GGUF file, naming it in any error.
func openGGUF(path string) (*gguf.File, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, inFile(path, err)
	}
	return f, nil
}

// isTerminal reports whether f is a character device (a terminal, as
// opposed to a pipe or a file).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
