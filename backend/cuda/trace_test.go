package cuda

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// EnvTraceOut names the file TestTraceStep writes its timeline to.
const EnvTraceOut = "TERN_TRACE_OUT"

// TestTraceStep writes the timeline of a few decode steps of the first
// model of $TERN_BENCH_MODELS, replayed as graphs, to $TERN_TRACE_OUT: the
// records of kernels built with -DTERN_TRACE (common.cuh's trace), one line
// each: time (ns), event (0 at griddepcontrol.wait, 1 when it returns, 2 a
// one-token product's weights read), multiprocessor, warps a block, grid x,
// block x, grid y·z. Run it with $TERN_CUDA_PTX_DIR pointing at a traced
// build; modules built without the trace are left out.
func TestTraceStep(t *testing.T) {
	out, files := os.Getenv(EnvTraceOut), os.Getenv(EnvBenchModels)
	if out == "" || files == "" {
		t.Skipf("$%s or $%s unset", EnvTraceOut, EnvBenchModels)
	}
	dev := gpu(t)
	m := loadOn(t, dev, strings.Split(files, ",")[0])
	s, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	ctx := context.Background()
	logits, err := s.Append(ctx, []int32{1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	step := func() {
		if logits, err = s.Append(ctx, []int32{argmax(logits)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for range 12 { // record the steps' graphs and warm up
		step()
	}
	globals := traceGlobals(t, dev)
	if len(globals) == 0 {
		t.Skip("no module built with -DTERN_TRACE")
	}
	for _, g := range globals {
		if err := dev.drv.call(fnMemcpyHtoD, uintptr(g.n), uintptr(unsafe.Pointer(new(uint32))), 4); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		step()
	}
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "module,time_ns,event,sm,warps,grid_x,block_x,grid_yz")
	var recs []traceRec
	for _, g := range globals {
		var n uint32
		if err := dev.drv.call(fnMemcpyDtoHAsync, uintptr(unsafe.Pointer(&n)), uintptr(g.n), 4, dev.stream); err != nil {
			t.Fatal(err)
		}
		if err := dev.drv.call(fnStreamSynchronize, dev.stream); err != nil {
			t.Fatal(err)
		}
		n = min(n, uint32(g.cap))
		if n == 0 {
			continue
		}
		buf := make([]byte, 16*int(n))
		if err := dev.drv.call(fnMemcpyDtoHAsync, uintptr(unsafe.Pointer(&buf[0])), uintptr(g.buf), uintptr(len(buf)), dev.stream); err != nil {
			t.Fatal(err)
		}
		if err := dev.drv.call(fnStreamSynchronize, dev.stream); err != nil {
			t.Fatal(err)
		}
		for i := range int(n) {
			ts, v := binary.LittleEndian.Uint64(buf[16*i:]), binary.LittleEndian.Uint64(buf[16*i+8:])
			r := traceRec{module: dev.modNames[g.module], t: ts, ev: int(v & 3), sm: int(v >> 2 & 0xFF), warps: int(v >> 10 & 0x3F),
				gx: int(v >> 16 & 0xFFFFF), bx: int(v >> 36 & 0xFFFFF), gyz: int(v >> 56)}
			fmt.Fprintf(bw, "%s,%d,%d,%d,%d,%d,%d,%d\n", r.module, r.t, r.ev, r.sm, r.warps, r.gx, r.bx, r.gyz)
			recs = append(recs, r)
		}
		t.Logf("module %s: %d records", dev.modNames[g.module], n)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, err := os.Create(out + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	defer sum.Close()
	writeLaunches(sum, traceLaunches(recs))
}

type traceRec struct {
	module        string
	t             uint64
	ev, sm, warps int
	gx, bx, gyz   int
}

// traceLaunch is one kernel launch in a trace: when its first recorded
// block reached griddepcontrol.wait, when the wait first and last
// returned, and when the first and last block of a one-token product had
// read their weights (0: not recorded).
type traceLaunch struct {
	module                        string
	warps, gx, gyz                int
	first, rel0, rel1, end0, end1 uint64
}

// traceLaunches groups records into launches: one starts where block 0 of
// a grid reaches its wait more than 3 µs after the last launch of the same
// module and shape started (a kernel's later blocks, and its blocks along
// y and z, join it).
func traceLaunches(recs []traceRec) []*traceLaunch {
	slices.SortFunc(recs, func(a, b traceRec) int { return cmp.Compare(a.t, b.t) })
	type key struct {
		module         string
		warps, gx, gyz int
	}
	cur := map[key]*traceLaunch{}
	var ls []*traceLaunch
	for _, r := range recs {
		k := key{r.module, r.warps, r.gx, r.gyz}
		l := cur[k]
		if r.bx == 0 && r.ev == 0 && (l == nil || r.t-l.first > 3000) {
			l = &traceLaunch{module: r.module, warps: r.warps, gx: r.gx, gyz: r.gyz, first: r.t}
			cur[k] = l
			ls = append(ls, l)
		}
		if l == nil {
			continue
		}
		switch r.ev {
		case 1:
			if l.rel0 == 0 || r.t < l.rel0 {
				l.rel0 = r.t
			}
			l.rel1 = max(l.rel1, r.t)
		case 2:
			if l.end0 == 0 || r.t < l.end0 {
				l.end0 = r.t
			}
			l.end1 = max(l.end1, r.t)
		}
	}
	return ls
}

// writeLaunches writes the launches in the order they started, times in µs
// from the first: the wait's first and last return, the first and last
// block done reading (products), and the time from the last product's last
// block done to this launch's first return.
func writeLaunches(w io.Writer, ls []*traceLaunch) {
	if len(ls) == 0 {
		return
	}
	t0 := ls[0].first
	us := func(t uint64) string {
		if t == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(t-t0)/1e3)
	}
	fmt.Fprintln(w, "launch\tkernel\tat wait\treleased\t…last\tread\t…last\tafter the last product")
	var prev *traceLaunch
	for i, l := range ls {
		gap := ""
		if prev != nil && l.rel0 > prev.end1 {
			gap = fmt.Sprintf("%.2f", float64(l.rel0-prev.end1)/1e3)
		}
		name := fmt.Sprintf("%s %d×%dw", strings.TrimSuffix(strings.TrimSuffix(l.module, ".ptx"), ".sm90"), l.gx, l.warps)
		if l.gyz > 1 {
			name += fmt.Sprintf("×%d", l.gyz)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i, name, us(l.first), us(l.rel0), us(l.rel1), us(l.end0), us(l.end1), gap)
		if l.end1 != 0 {
			prev = l
		}
	}
}

type traceGlobal struct {
	module int
	buf, n uint64 // device addresses of tern_trace and tern_trace_n
	cap    int    // records tern_trace holds
}

// traceGlobals finds tern_trace and tern_trace_n in every loaded module
// that has them.
func traceGlobals(t *testing.T, d *Device) []traceGlobal {
	if d.drv.fn[fnModuleGetGlobal] == 0 {
		t.Skip("the driver has no cuModuleGetGlobal")
	}
	var gs []traceGlobal
	for i, mod := range d.modules {
		var g traceGlobal
		var size uint64
		name := append([]byte("tern_trace"), 0)
		if d.drv.call(fnModuleGetGlobal, uintptr(unsafe.Pointer(&g.buf)), uintptr(unsafe.Pointer(&size)), mod, uintptr(unsafe.Pointer(&name[0]))) != nil {
			continue
		}
		nname := append([]byte("tern_trace_n"), 0)
		var nsize uint64
		if err := d.drv.call(fnModuleGetGlobal, uintptr(unsafe.Pointer(&g.n)), uintptr(unsafe.Pointer(&nsize)), mod, uintptr(unsafe.Pointer(&nname[0]))); err != nil {
			t.Fatal(err)
		}
		g.module, g.cap = i, int(size/16)
		gs = append(gs, g)
	}
	return gs
}

// TestTraceLaunches checks how records group into launches: blocks of a
// grid (block 0 of each of its y blocks included) join the launch their
// block 0 started; the same shape 10 µs later is a new launch.
func TestTraceLaunches(t *testing.T) {
	rec := func(t uint64, ev, gx, bx, gyz int) traceRec {
		return traceRec{module: "matvec.sm90.ptx", t: t, ev: ev, warps: 4, gx: gx, bx: bx, gyz: gyz}
	}
	recs := []traceRec{
		rec(1000, 0, 512, 0, 1), rec(1500, 1, 512, 0, 1), rec(1200, 0, 512, 8, 1), rec(2500, 1, 512, 8, 1),
		rec(3000, 2, 512, 0, 1), rec(3400, 2, 512, 511, 1),
		rec(3600, 0, 1, 0, 48), rec(3610, 0, 1, 0, 48), rec(3900, 1, 1, 0, 48), rec(4100, 1, 1, 0, 48),
		rec(11000, 0, 512, 0, 1), rec(11500, 1, 512, 0, 1), rec(12000, 2, 512, 0, 1),
	}
	ls := traceLaunches(recs)
	want := []traceLaunch{
		{gx: 512, gyz: 1, first: 1000, rel0: 1500, rel1: 2500, end0: 3000, end1: 3400},
		{gx: 1, gyz: 48, first: 3600, rel0: 3900, rel1: 4100},
		{gx: 512, gyz: 1, first: 11000, rel0: 11500, rel1: 11500, end0: 12000, end1: 12000},
	}
	if len(ls) != len(want) {
		t.Fatalf("%d launches, want %d", len(ls), len(want))
	}
	for i, w := range want {
		l := ls[i]
		if l.gx != w.gx || l.gyz != w.gyz || l.first != w.first || l.rel0 != w.rel0 || l.rel1 != w.rel1 || l.end0 != w.end0 || l.end1 != w.end1 {
			t.Errorf("launch %d: %+v, want %+v", i, *l, w)
		}
	}
	var b strings.Builder
	writeLaunches(&b, ls)
	if lines := strings.Count(b.String(), "\n"); lines != 4 {
		t.Errorf("summary of %d lines, want 4:\n%s", lines, b.String())
	}
	if !strings.Contains(b.String(), "2\tmatvec 512×4w\t10.00\t10.50\t10.50\t11.00\t11.00\t8.10\n") {
		t.Errorf("third launch's line missing:\n%s", b.String())
	}
}
