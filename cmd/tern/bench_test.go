package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

func TestBenchJSON(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"bench", "--json", "--no-roofline", "-p", "16", "-n", "4", "-r", "2", "-t", "1,2", path}, stdio{out: &out, err: &errb})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rs []benchResult
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	want := []string{"pp16", "tg4", "pp16", "tg4"} // on the CPU: no GPU here (load_test.go's discovery)
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d: %s", len(rs), len(want), out.String())
	}
	for i, r := range rs {
		if r.Test != want[i] || len(r.Samples) != 2 || !(r.Mean > 0) || r.Type != "Q8_0" || r.Params != 292800 || r.Devices != "cpu" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if rs[0].Threads != 1 || rs[2].Threads != 2 {
		t.Errorf("threads %d, %d", rs[0].Threads, rs[2].Threads)
	}
}

// TestBenchProbe checks -probe: a bandwidth read before each generation
// repetition and after the last (none for the prompt test), the roofline
// of their mean over the bytes a token reads, and each repetition's share
// of the roofline of the two probes around it, in the JSON and the table.
func TestBenchProbe(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf")
	f, err := openGGUF(path)
	if err != nil {
		t.Fatal(err)
	}
	perToken := weightStats(f).perToken
	f.Close()
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"bench", "--json", "--no-roofline", "-probe", "-p", "8", "-n", "4", "-r", "3", "-t", "1", path}, stdio{out: &out, err: &errb})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rs []benchResult
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(rs) != 2 || rs[0].Test != "pp8" || rs[1].Test != "tg4" {
		t.Fatalf("results %s", out.String())
	}
	if len(rs[0].Probes) != 0 || rs[0].ProbeRoofline != 0 {
		t.Errorf("pp8 has probes: %+v", rs[0])
	}
	tg := rs[1]
	if len(tg.Probes) != 4 || len(tg.Samples) != 3 || len(tg.ProbeShares) != 3 {
		t.Fatalf("tg4: %d probes, %d samples, %d shares, want 4, 3, 3", len(tg.Probes), len(tg.Samples), len(tg.ProbeShares))
	}
	var sum float64
	for _, bw := range tg.Probes {
		if !(bw > 1e8 && bw < 1e13) { // 0.1 GB/s … 10 TB/s
			t.Errorf("probe %g bytes/s", bw)
		}
		sum += bw
	}
	if want := sum / 4 / float64(perToken); math.Abs(tg.ProbeRoofline-want) > 1e-9*want {
		t.Errorf("probe roofline %g, want %g", tg.ProbeRoofline, want)
	}
	for i, share := range tg.ProbeShares {
		roof := (tg.Probes[i] + tg.Probes[i+1]) / 2 / float64(perToken)
		if want := tg.Samples[i] / roof; math.Abs(share-want) > 1e-9*want {
			t.Errorf("repetition %d: share %g, want %g (%g t/s, roofline %g)", i, share, want, tg.Samples[i], roof)
		}
	}
	out.Reset()
	if code := Main(context.Background(), []string{"bench", "--no-roofline", "-probe", "-p", "0", "-n", "2", "-r", "1", "-t", "1", path}, stdio{out: &out, err: &errb}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "bandwidth read around each tg2 repetition, 1 threads") {
		t.Errorf("table without the probe line:\n%s", out.String())
	}
	if len(tg.RoundTrips) != 0 || strings.Contains(out.String(), "round trip") {
		t.Errorf("one thread: round trips %v", tg.RoundTrips)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		return
	}
	out.Reset()
	if code := Main(context.Background(), []string{"bench", "--json", "--no-roofline", "-probe", "-p", "0", "-n", "2", "-r", "2", "-t", "2", path}, stdio{out: &out, err: &errb}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	rs = nil
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("%v: %s", err, out.String())
	}
	// 0 marks a reading a descheduled thread spoiled (a busy test machine)
	if rts := rs[0].RoundTrips; len(rts) != 3 || slices.Min(rts) < 0 {
		t.Errorf("two threads, 2 repetitions: round trips %v, want 3, none below 0", rts)
	}
}

// TestBenchDepth checks -d: the tests named as llama-bench names them and
// run after that many tokens, and the generation roofline counting the
// keys and values each generated token reads (positions d+1 … d+n, after
// the depth and the token generation starts from).
func TestBenchDepth(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf")
	f, err := openGGUF(path)
	if err != nil {
		t.Fatal(err)
	}
	perToken := weightStats(f).perToken
	c, err := model.ReadConfig(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	const d, n = 40, 4
	for _, typ := range []quant.Type{quant.F32, quant.F16} {
		var out, errb bytes.Buffer
		args := []string{"bench", "--json", "--no-roofline", "-probe", "-d", "40", "-p", "8", "-n", "4", "-r", "1", "-t", "1"}
		if typ == quant.F16 {
			args = append(args, "--cache-type", "f16")
		}
		code := Main(context.Background(), append(args, path), stdio{out: &out, err: &errb})
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var rs []benchResult
		if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		want := strings.ToLower(typ.String())
		if len(rs) != 2 || rs[0].Test != "pp8 @ d40" || rs[1].Test != "tg4 @ d40" || rs[0].Depth != d || !(rs[1].Mean > 0) || rs[1].TypeK != want || rs[1].TypeV != want {
			t.Fatalf("results %s", out.String())
		}
		rows := 0
		for p := d + 1; p <= d+n; p++ {
			rows += p + 1
		}
		kv := float64(rows) / n * float64(c.CacheBytes(typ))
		tg := rs[1]
		if want := (tg.Probes[0] + tg.Probes[1]) / 2 / (float64(perToken) + kv); math.Abs(tg.ProbeRoofline-want) > 1e-9*want {
			t.Errorf("%s cache: probe roofline %g, want %g (weights %d bytes, cache %g a token)", typ, tg.ProbeRoofline, want, perToken, kv)
		}
	}
}

// TestProbeRooflines checks the arithmetic of -probe's rooflines: the
// probes' mean over the bytes a token reads, and each sample over the
// roofline of the probes before and after it.
func TestProbeRooflines(t *testing.T) {
	for _, tc := range []struct {
		samples, probes []float64
		perToken        int64
		roof            float64
		shares          []float64
	}{
		{[]float64{10, 20}, []float64{100, 300, 200}, 10, 20, []float64{0.5, 0.8}},
		{[]float64{4}, []float64{40, 40}, 5, 8, []float64{0.5}},
		{[]float64{10, 20}, []float64{100, 300}, 10, 0, nil}, // no probe after the last sample
		{[]float64{10}, []float64{100, 300}, 0, 0, nil},
		{nil, nil, 10, 0, nil},
	} {
		roof, shares := probeRooflines(tc.samples, tc.probes, tc.perToken)
		if math.Abs(roof-tc.roof) > 1e-12 || len(shares) != len(tc.shares) {
			t.Errorf("probeRooflines(%v, %v, %d) = %g, %v; want %g, %v", tc.samples, tc.probes, tc.perToken, roof, shares, tc.roof, tc.shares)
			continue
		}
		for i := range shares {
			if math.Abs(shares[i]-tc.shares[i]) > 1e-12 {
				t.Errorf("probeRooflines(%v, %v, %d): share %d = %g, want %g", tc.samples, tc.probes, tc.perToken, i, shares[i], tc.shares[i])
			}
		}
	}
}

// TestBenchMixType checks the type column of a mixture: tern gen's Q4_K_M
// (Q4_K and Q6_K matrices) is named by its file type, a pure file by its
// weights' type.
func TestBenchMixType(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ typ, want string }{{"Q4_K_M", "Q4_K_M"}, {"Q4_K_S", "Q4_K"}} {
		path := filepath.Join(dir, c.typ+".gguf")
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{"gen", "-q", "tiny", path, c.typ}, stdio{out: &out, err: &errb}); code != exitOK {
			t.Fatalf("gen %s: exit %d: %s", c.typ, code, errb.String())
		}
		code := Main(context.Background(), []string{"bench", "--json", "--no-roofline", "-p", "0", "-n", "2", "-r", "1", "-t", "1", "-device", "cpu", path}, stdio{out: &out, err: &errb})
		if code != exitOK {
			t.Fatalf("bench %s: exit %d: %s", c.typ, code, errb.String())
		}
		var rs []benchResult
		if err := json.Unmarshal(out.Bytes(), &rs); err != nil || len(rs) != 1 {
			t.Fatalf("%v: %s", err, out.String())
		}
		if rs[0].Type != c.want {
			t.Errorf("%s: type %q, want %q", c.typ, rs[0].Type, c.want)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"bench"}, {"bench", "-t", "x", "m.gguf"}, {"bench", "-p", "0", "-n", "0", "m.gguf"}, {"bench", "-r", "0", "m.gguf"}, {"bench", "-device", "gpu", "m.gguf"}, {"bench", "-d", "-1", "m.gguf"}, {"bench", "-d", "1000000", "m.gguf"}, {"bench", "--cache-type", "q8_0", "m.gguf"}} {
		var errb bytes.Buffer
		if code := Main(context.Background(), args, stdio{out: &bytes.Buffer{}, err: &errb}); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (%s)", args, code, exitUsage, errb.String())
		}
	}
}

// TestRoofline checks the arithmetic of both rooflines on stories260K.
func TestRoofline(t *testing.T) {
	f, err := openGGUF(testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := weightStats(f)
	// the file has its own output.weight, so a token reads one row of the 512-row embedding
	emb, _ := f.Tensor("token_embd.weight")
	var all int64
	for i := range f.Tensors {
		all += f.Tensors[i].Size
	}
	if want := all - emb.Size + emb.Size/512; w.perToken != want {
		t.Errorf("bytes per token %d, want %d", w.perToken, want)
	}
	if w.mainType != quant.Q8_0 {
		t.Errorf("main type %s", w.mainType)
	}
	p := &calibrate.Profile{Bandwidth: 10e9, ByThreads: map[int]float64{2: 20e9}, MatMat: map[string]float64{"Q8_0": 1e12}}
	tg, note := roofline("tg", w, p, 2)
	if math.Abs(tg-20e9/float64(w.perToken)) > 1e-6 || !strings.Contains(note, "20.0 GB/s") {
		t.Errorf("tg roofline %g (%s)", tg, note)
	}
	pp, _ := roofline("pp", w, p, 1)
	if math.Abs(pp-1e12/float64(2*w.matmul)) > 1e-6 {
		t.Errorf("pp roofline %g", pp)
	}
	if r, _ := roofline("tg", w, nil, 1); r != 0 {
		t.Errorf("roofline without a profile: %g", r)
	}
}
