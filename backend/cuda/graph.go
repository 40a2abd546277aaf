package cuda

import (
	"errors"
	"time"
	"unsafe"
)

// Decode steps as CUDA graphs (backend.Stepper).
//
// A step of a small model is a few hundred small kernels; queued one by one
// through purego each costs about 4 µs of host time, more than most of them
// run on the GPU. Step records a step's kernels once (stream capture) and
// replays the recording for later steps of the same key with one
// cuGraphLaunch.
//
// What changes between steps of one shape is data, not kernel parameters:
// token ids and batch tables are staged by put into a buffer of the graph's
// own, whose device address is baked into the recorded kernels; a replay
// writes the new values into the graph's page-locked host copy and queues
// one copy of it before the launch. Everything else a kernel reads
// (weights, activations, the KV cache, the conversion scratch) is at
// addresses the recorded parameters name.
//
// A replay runs the caller's queue function again with every op in replay
// mode: the ops do their host-side checks and staging as usual, but launch
// compares each kernel and its parameters with the recording instead of
// calling the driver. Any difference (another shape, a reallocated tensor,
// a grown scratch buffer) abandons the replay, drops the graph and runs the
// rest of the step op by op, so a replay always does what the same ops run
// one by one would have done.
//
// A recording is cut into parts of 16, 32, 64, … kernels, each its own
// executable graph, and a replay launches each part as soon as it has
// checked the part's kernels: the GPU then runs the first part while the
// host checks the next, which takes less time than the GPU takes to run
// the part before, so that of the check only the first part's (a few
// microseconds) keeps the GPU waiting, not the whole step's (50–300 µs on
// the models of bench/cuda.md). When a later part does not match, the parts
// launched already did what op by op would have done; the step runs again
// with their kernels skipped (modeSkip) and the rest launched one by one.

// Graph modes of a Device (graphRun.mode).
const (
	modeEager   = iota // ops launch kernels
	modeCapture        // ops launch kernels into a stream capture, recorded
	modeReplay         // ops check their kernels against a recording
	modeSkip           // ops launch kernels, except the first graphRun.skip (a replay ran them)
)

// Tuning of the graph cache.
const (
	// graphStageBytes is the staging buffer of one graph: ids and batch
	// tables of a step (32 sequences with 4096-token block tables of
	// 16-token blocks take 32 KiB). A bigger step is not recorded.
	graphStageBytes = 256 << 10
	// maxGraphs bounds the recorded shapes kept (each holds its staging
	// buffers, 512 KiB, and the driver's executable graph); past it the
	// least recently used goes. Under serving a shape is the number of
	// sequences stepped together with the capacity of their block tables
	// (backend.TableCap), so a server sees a few dozen.
	maxGraphs = 32
	// recordAfter: a key is recorded at its second step; the first runs op
	// by op, which also grows activations and scratch buffers to the
	// shape's size, so that the recording does not allocate.
	recordAfter = 2
	// maxGraphFailures: a key whose recording or replays failed this many
	// times runs op by op from then on.
	maxGraphFailures = 3
	// maxSeenKeys bounds the tables of keys seen once and of failures.
	maxSeenKeys = 4096
)

// firstPart is the number of kernels in the first part of a recording
// (each next part is twice the one before); 0 records a step as one graph
// (tests and benchmarks compare).
var firstPart = 16

// errGraphMismatch is returned by ops in capture or replay mode when the
// step cannot be recorded or does not match its recording.
var errGraphMismatch = errors.New("cuda: step does not match its graph")

// graph is one recorded step.
type graph struct {
	parts    []graphPart
	copied   uintptr // event recorded after the last staging copy of the last launch
	host     unsafe.Pointer
	dev      uint64
	used     int // staged bytes
	launches []launchRec
	puts     []stagedPut
	lastUse  uint64 // graphState.clock at its last launch
}

// launchRec is one recorded kernel launch.
type launchRec struct {
	fn            uintptr
	grid, block   dims
	shared, nargs int
	args          [maxParams]uint64
}

// graphPart is one part of a recorded step: its kernels end before launch
// end, and staged is how many bytes of the staging buffer the step had
// filled by then (what must be on the device before the part runs).
type graphPart struct {
	exec   uintptr // CUgraphExec
	end    int
	staged int
}

// stagedPut is one array staged by a recorded step.
type stagedPut struct{ off, n int }

// graphRun is the state of the step being captured or replayed.
type graphRun struct {
	mode     int
	g        *graph
	launches int // kernels launched, checked or skipped so far
	puts     int
	parts    int // parts closed (capture) or launched (replay)
	cut      int // capture: launches at which the open part closes
	staged   int // replay: bytes of the staging buffer copied to the device
	skip     int // modeSkip: the kernels a replay ran
	start    time.Time
}

// graphState is a Device's graph cache.
type graphState struct {
	graphs map[string]*graph
	seen   map[string]int // steps run per key while it has no graph
	failed map[string]int
	run    graphRun
	// stepping is set while Step runs: the goroutine is locked to its
	// thread with the context current, so ops skip enter's driver call.
	stepping bool
	// off runs every step op by op (tests and benchmarks compare).
	off bool
	// clock counts graph launches, for the least-recently-used eviction
	clock uint64
	// counters, for tests and benchmarks
	recorded, replayed, fellBack int
	// checking is the host time replays spent running their steps' ops
	// in replay mode before they launched their first part (the GPU
	// waiting), checkingAll the time until they launched their last
	checking, checkingAll time.Duration
}

// SetGraphs turns the recording of steps on (the default) or off.
func (d *Device) SetGraphs(on bool) { d.gs.off = !on }

// Step runs queue as one step of shape key (backend.Stepper): op by op the
// first time, recorded the second, replayed after that.
func (d *Device) Step(key string, queue func() error) error {
	if d.gs.off {
		return queue()
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	gs := &d.gs
	if gs.graphs == nil {
		gs.graphs, gs.seen, gs.failed = map[string]*graph{}, map[string]int{}, map[string]int{}
	}
	gs.stepping = true
	defer func() { gs.stepping = false }()
	if g := gs.graphs[key]; g != nil {
		ran, ok, err := d.replay(g, queue)
		if ok || err != nil {
			return err
		}
		d.dropGraph(key)
		gs.failed[key]++
		gs.fellBack++
		if ran > 0 {
			return d.skipRun(ran, queue)
		}
		return queue()
	}
	if gs.failed[key] >= maxGraphFailures {
		return queue()
	}
	if len(gs.seen) >= maxSeenKeys || len(gs.failed) >= maxSeenKeys {
		clear(gs.seen)
		clear(gs.failed)
	}
	gs.seen[key]++
	if gs.seen[key] < recordAfter {
		return queue()
	}
	delete(gs.seen, key)
	return d.record(key, queue)
}

// replay runs queue in replay mode against g, launching each part of g
// once queue has asked for exactly its kernels and staged arrays, the last
// when queue has returned and asked for nothing else. It reports false (and
// no error) when they differ, and how many kernels the parts it launched
// ran then.
func (d *Device) replay(g *graph, queue func() error) (ran int, ok bool, err error) {
	// the last launch's staging copy must have read the host buffer
	if err := d.drv.call(fnEventSynchronize, g.copied); err != nil {
		return 0, false, err
	}
	d.forget()
	d.gs.run = graphRun{mode: modeReplay, g: g, start: time.Now()}
	err = queue()
	r := &d.gs.run
	defer func() { d.gs.run = graphRun{} }()
	d.forget()
	if r.parts > 0 {
		ran = g.parts[r.parts-1].end
	}
	if errors.Is(err, errGraphMismatch) || (err == nil && (r.launches != len(g.launches) || r.puts != len(g.puts))) {
		return ran, false, nil
	}
	if err != nil {
		return ran, false, err
	}
	for r.parts < len(g.parts) {
		if err := d.launchPart(); err != nil {
			return 0, false, err
		}
	}
	d.gs.replayed++
	return len(g.launches), true, d.drv.call(fnEventRecord, g.copied, d.stream)
}

// checked is called by launch in replay mode once a kernel matched the
// recording: it launches the part that kernel ends, unless that is the
// last part (replay launches it once queue has returned).
func (d *Device) checked() error {
	r := &d.gs.run
	if r.parts >= len(r.g.parts)-1 || r.launches != r.g.parts[r.parts].end {
		return nil
	}
	return d.launchPart()
}

// launchPart queues the copy of what the step has staged since the last
// part, and the next part of the replayed graph.
func (d *Device) launchPart() error {
	r := &d.gs.run
	g, p := r.g, r.g.parts[r.parts]
	if r.parts == 0 {
		d.gs.checking += time.Since(r.start)
		d.gs.clock++
		g.lastUse = d.gs.clock
	}
	if r.parts == len(g.parts)-1 {
		d.gs.checkingAll += time.Since(r.start)
	}
	if n := p.staged - r.staged; n > 0 {
		if err := d.drv.call(fnMemcpyHtoDAsync, uintptr(g.dev)+uintptr(r.staged), uintptr(unsafe.Add(g.host, r.staged)), uintptr(n), d.stream); err != nil {
			return err
		}
		r.staged = p.staged
	}
	r.parts++
	return d.drv.call(fnGraphLaunch, p.exec, d.stream)
}

// skipRun runs queue op by op after a replay's parts ran its first ran
// kernels: those are skipped, the rest launched.
func (d *Device) skipRun(ran int, queue func() error) error {
	d.forget()
	d.gs.run = graphRun{mode: modeSkip, skip: ran}
	defer func() { d.gs.run = graphRun{} }()
	return queue()
}

// record captures queue's kernels into a new graph for key, in parts, and
// launches it; when the capture fails, the step runs op by op.
func (d *Device) record(key string, queue func() error) error {
	g, err := d.newGraph()
	if err != nil {
		return err
	}
	d.forget()
	if err := d.drv.call(fnStreamBeginCapture, d.stream, captureRelaxed); err != nil {
		d.freeGraph(g)
		return err
	}
	d.gs.run = graphRun{mode: modeCapture, g: g, cut: firstPart}
	qerr := queue()
	eerr := d.closePart(false)
	d.gs.run = graphRun{}
	d.forget()
	if qerr != nil || eerr != nil || len(g.parts) == 0 {
		// a capture that failed records nothing; the ops run one by one,
		// where a genuine error of queue's shows again
		d.freeGraph(g)
		d.gs.failed[key]++
		d.gs.fellBack++
		return queue()
	}
	if len(d.gs.graphs) >= maxGraphs {
		d.dropGraph(d.gs.leastUsed())
	}
	d.gs.graphs[key] = g
	d.gs.recorded++
	return d.launchGraph(g)
}

// closePart ends the stream capture of the open part of the graph being
// recorded and instantiates it (unless it has no kernels), then, with
// more, begins the next part's capture, twice as long.
func (d *Device) closePart(more bool) error {
	r := &d.gs.run
	g := r.g
	start := 0
	if n := len(g.parts); n > 0 {
		start = g.parts[n-1].end
	}
	var cg uintptr
	err := d.drv.call(fnStreamEndCapture, d.stream, uintptr(unsafe.Pointer(&cg)))
	if err == nil && r.launches > start {
		p := graphPart{end: r.launches, staged: g.used}
		if err = d.drv.call(fnGraphInstantiate, uintptr(unsafe.Pointer(&p.exec)), cg, 0); err == nil {
			g.parts = append(g.parts, p)
		}
	}
	if cg != 0 {
		d.drv.raw(fnGraphDestroy, cg)
	}
	if err != nil || !more {
		return err
	}
	r.cut = r.launches + 2*(r.launches-start)
	return d.drv.call(fnStreamBeginCapture, d.stream, captureRelaxed)
}

// leastUsed is the key of the graph launched longest ago.
func (gs *graphState) leastUsed() string {
	var key string
	var oldest *graph
	for k, g := range gs.graphs {
		if oldest == nil || g.lastUse < oldest.lastUse {
			key, oldest = k, g
		}
	}
	return key
}

// launchGraph queues the copy of g's staged arrays and g's parts.
func (d *Device) launchGraph(g *graph) error {
	d.gs.clock++
	g.lastUse = d.gs.clock
	if g.used > 0 {
		if err := d.drv.call(fnMemcpyHtoDAsync, uintptr(g.dev), uintptr(g.host), uintptr(g.used), d.stream); err != nil {
			return err
		}
	}
	if err := d.drv.call(fnEventRecord, g.copied, d.stream); err != nil {
		return err
	}
	for _, p := range g.parts {
		if err := d.drv.call(fnGraphLaunch, p.exec, d.stream); err != nil {
			return err
		}
	}
	return nil
}

// newGraph allocates the staging buffers and event of a graph.
func (d *Device) newGraph() (*graph, error) {
	g := &graph{}
	const disableTiming = 2 // CU_EVENT_DISABLE_TIMING
	if err := d.drv.call(fnEventCreate, uintptr(unsafe.Pointer(&g.copied)), disableTiming); err != nil {
		return nil, err
	}
	if err := d.drv.call(fnMemAllocHost, uintptr(unsafe.Pointer(&g.host)), graphStageBytes); err != nil {
		d.freeGraph(g)
		return nil, err
	}
	p, err := d.malloc(graphStageBytes)
	if err != nil {
		d.freeGraph(g)
		return nil, err
	}
	g.dev = p
	return g, nil
}

// dropGraph forgets the graph of key, once the stream no longer uses it.
func (d *Device) dropGraph(key string) {
	g := d.gs.graphs[key]
	if g == nil {
		return
	}
	delete(d.gs.graphs, key)
	d.drv.raw(fnStreamSynchronize, d.stream)
	d.freeGraph(g)
}

// freeGraph releases what newGraph and record allocated. The caller holds
// the context and knows the stream is done with g.
func (d *Device) freeGraph(g *graph) {
	for _, p := range g.parts {
		d.drv.raw(fnGraphExecDestroy, p.exec)
	}
	g.parts = nil
	if g.host != nil {
		d.drv.raw(fnMemFreeHost, uintptr(g.host))
		g.host = nil
	}
	if g.dev != 0 {
		d.drv.raw(fnMemFree, uintptr(g.dev))
		g.dev = 0
	}
	if g.copied != 0 {
		d.drv.raw(fnEventDestroy, g.copied)
		g.copied = 0
	}
}

// freeGraphs releases every graph (Close).
func (d *Device) freeGraphs() {
	for k := range d.gs.graphs {
		d.dropGraph(k)
	}
}

// forget drops the host-side caches of staged batches and converted
// activations, so that a step queues the same kernels whether it is
// recorded, replayed or run after either.
func (d *Device) forget() {
	d.batch.valid = false
	d.conv.valid = false
	d.convHint, d.mmaHint = "", ""
}

// stage is put in capture and replay modes: v goes to the graph's own
// staging buffer, at the offset the recording gave it.
func (r *graphRun) stage(v []int32) (uint64, error) {
	g := r.g
	n := (4*len(v) + stagingAlign - 1) &^ (stagingAlign - 1)
	if n == 0 {
		return g.dev, nil
	}
	var off int
	switch r.mode {
	case modeCapture:
		if g.used+n > graphStageBytes {
			return 0, errGraphMismatch
		}
		off = g.used
		g.puts = append(g.puts, stagedPut{off: off, n: len(v)})
		g.used += n
	default:
		if r.puts >= len(g.puts) || g.puts[r.puts].n != len(v) {
			return 0, errGraphMismatch
		}
		off = g.puts[r.puts].off
	}
	r.puts++
	copy(unsafe.Slice((*int32)(unsafe.Add(g.host, off)), len(v)), v)
	return g.dev + uint64(off), nil
}

// check is launch in replay mode: the kernel must be the next recorded one,
// with the same dimensions and parameters.
func (r *graphRun) check(fn uintptr, grid, block dims, shared int, params []uint64) error {
	g := r.g
	if r.launches >= len(g.launches) {
		return errGraphMismatch
	}
	l := &g.launches[r.launches]
	if l.fn != fn || l.grid != grid || l.block != block || l.shared != shared || l.nargs != len(params) {
		return errGraphMismatch
	}
	for i, p := range params {
		if l.args[i] != p {
			return errGraphMismatch
		}
	}
	r.launches++
	return nil
}

// note records a kernel launched in capture mode.
func (r *graphRun) note(fn uintptr, grid, block dims, shared int, params []uint64) {
	l := launchRec{fn: fn, grid: grid, block: block, shared: shared, nargs: len(params)}
	copy(l.args[:], params)
	r.g.launches = append(r.g.launches, l)
	r.launches++
}
