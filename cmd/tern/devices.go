package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/tern-llm/tern/plan"
)

var devicesCommand = command{
	name:  "devices",
	args:  "",
	short: "the devices, their memory and calibrated speeds",
	summary: `Lists the devices Tern found: each one's memory (total, free now, and the
budget Tern would use under --memory-limit) and its calibrated speeds (memory
bandwidth, the fixed cost of an op, and per weight format the throughput of
one token and of a batch). The first run on a machine calibrates (a few
seconds, progress on stderr) and caches the result; --calibrate measures again.`,
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		var force bool
		var limits string
		var threads int
		fs.BoolVar(&force, "calibrate", false, "calibrate again, replacing the cached figures")
		fs.StringVar(&limits, "memory-limit", "", memoryLimitUsage)
		fs.IntVar(&threads, "threads", 0, "CPU threads to calibrate with (0: one per CPU)")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 0, 0); err != nil {
				return err
			}
			if threads < 0 {
				return usageErrorf("--threads %d must not be negative", threads)
			}
			log := slog.New(slog.NewTextHandler(io.err, nil))
			m, err := probe(ctx, io, log, threads, limits, force)
			if err != nil {
				return err
			}
			defer m.Close()
			return plan.WriteDevices(io.out, m.found, m.profiles, plan.Options{Limits: m.limits})
		}
	},
}
