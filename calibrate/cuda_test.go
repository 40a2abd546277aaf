package calibrate

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend/cuda"
	"github.com/tern-llm/tern/quant"
)

// TestCUDA calibrates the first NVIDIA GPU through the generic benchmarks
// (the backend has no Calibrator yet) and the decode probes. It needs a GPU, so it runs only when
// asked (TERN_CALIBRATE_CUDA=1).
func TestCUDA(t *testing.T) {
	if os.Getenv("TERN_CALIBRATE_CUDA") == "" {
		t.Skip("set TERN_CALIBRATE_CUDA=1 on a machine with an NVIDIA GPU")
	}
	d, err := cuda.New(0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p, err := Device(context.Background(), d, "", Options{Formats: []quant.Type{quant.F32, quant.F16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K, quant.Q5_K}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %.1fs: bandwidth %.0f GB/s, op latency %.1f µs, host→device %.1f GB/s, device→host %.1f GB/s",
		p.Device, time.Since(start).Seconds(), p.Bandwidth/1e9, p.OpLatency*1e6, p.HostToDevice/1e9, p.DeviceToHost/1e9)
	for f, v := range p.MatVec {
		t.Logf("%-5s matvec %7.1f GB/s, matmat %8.1f GFLOP/s", f, v/1e9, p.MatMat[f]/1e9)
	}
	for _, c := range p.Decode {
		t.Logf("decode %s %-5s %6.1f MB: %6.1f µs a layer with graphs, %6.1f op by op, attention %.2f ns a position, step %.1f / %.1f µs",
			c.Class, c.Format, float64(c.Bytes)/1e6, c.Graph*1e6, c.Eager*1e6, c.Attn*1e9, c.StepGraph*1e6, c.StepEager*1e6)
	}
	if len(p.Decode) == 0 {
		t.Error("no decode layers measured on a device that replays graphs")
	}
	if p.MatVec["Q4_0"] <= 0 || p.HostToDevice <= 0 || p.OpLatency <= 0 {
		t.Errorf("profile %+v", p)
	}
	if _, ok := p.MatVec["Q5_K"]; ok {
		t.Error("Q5_K measured on a backend without it")
	}
}
