package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/tern-llm/tern/plan"
)

var planCommand = command{
	name:  "plan",
	args:  "MODEL",
	short: "where a model would run, and why",
	summary: fmt.Sprintf(`Plans MODEL as tern run and tern serve load it, without loading it: the
placements considered (one device, splits, layers streamed from the file), each
with its predicted decode and prefill speed and memory per device against the
budget, the choice and its reason. The budget is each device's free memory now
less a margin, within --memory-limit. The context defaults to the model's, at
most %d tokens.`, plan.DefaultContext),
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		var o loadOptions
		fs.StringVar(&o.limits, "memory-limit", "", memoryLimitUsage)
		fs.IntVar(&o.plan.context, "ctx", 0, fmt.Sprintf("context length in tokens (0: the model's, at most %d)", plan.DefaultContext))
		fs.IntVar(&o.plan.batch, "batch", 1, "sequences decoded at once")
		cacheTypeFlag(fs, &o.plan.kvType)
		fs.IntVar(&o.threads, "threads", 0, "CPU threads (0: one per CPU)")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 1); err != nil {
				return err
			}
			if o.plan.context < 0 || o.plan.batch < 1 || o.threads < 0 {
				return usageErrorf("--ctx %d, --batch %d, --threads %d: out of range", o.plan.context, o.plan.batch, o.threads)
			}
			if o.plan.context == 0 {
				o.plan.minContext = defaultMinContext // as tern run and tern serve
			}
			path := args[0]
			log := slog.New(slog.NewTextHandler(io.err, nil))
			if err := checkLimits(o.limits); err != nil {
				return err
			}
			f, err := openModel(path)
			if err != nil {
				return err
			}
			defer f.Close()
			m, err := probe(ctx, io, log, o.threads, o.limits, false)
			if err != nil {
				return err
			}
			defer m.Close()
			p, err := m.makePlan(path, f, o.plan, log)
			if p != nil {
				if werr := p.Explain(io.out); werr != nil {
					return werr
				}
			}
			if err != nil && !errors.Is(err, plan.ErrNoFit) {
				return err
			}
			if err != nil {
				return noFit(path, p, m.limits, err)
			}
			return nil
		}
	},
}
