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
// a grown scratch buffer) abandons the replay before anything was queued,
// drops the graph and runs the step op by op, so a replay always does what
// the same ops run one by one would have done.

// Graph modes of a Device (graphRun.mode).
const (
	modeEager   = iota // ops launch kernels
	modeCapture        // ops launch kernels into a stream capture, recorded
	modeReplay         // ops check their kernels against a recording
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

// errGraphMismatch is returned by ops in capture or replay mode when the
// step cannot be recorded or does not match its recording.
var errGraphMismatch = errors.New("cuda: step does not match its graph")

// graph is one recorded step.
type graph struct {
	exec     uintptr // CUgraphExec
	copied   uintptr // event recorded after the staging copy of the last launch
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

// stagedPut is one array staged by a recorded step.
type stagedPut struct{ off, n int }

// graphRun is the state of the step being captured or replayed.
type graphRun struct {
	mode     int
	g        *graph
	launches int // kernels launched or checked so far
	puts     int
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
	// in replay mode, before their launch
	checking time.Duration
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
		ok, err := d.replay(g, queue)
		if ok || err != nil {
			return err
		}
		d.dropGraph(key)
		gs.failed[key]++
		gs.fellBack++
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

// replay runs queue in replay mode against g and launches g when queue
// asked for exactly the recorded kernels and staged arrays. It reports
// false (and no error) when they differ: nothing was queued then.
func (d *Device) replay(g *graph, queue func() error) (bool, error) {
	// the last launch's staging copy must have read the host buffer
	if err := d.drv.call(fnEventSynchronize, g.copied); err != nil {
		return false, err
	}
	d.forget()
	d.gs.run = graphRun{mode: modeReplay, g: g}
	start := time.Now()
	err := queue()
	d.gs.checking += time.Since(start)
	r := d.gs.run
	d.gs.run = graphRun{}
	d.forget()
	if errors.Is(err, errGraphMismatch) || (err == nil && (r.launches != len(g.launches) || r.puts != len(g.puts))) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	d.gs.replayed++
	return true, d.launchGraph(g)
}

// record captures queue's kernels into a new graph for key and launches
// it; when the capture fails, the step runs op by op.
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
	d.gs.run = graphRun{mode: modeCapture, g: g}
	qerr := queue()
	d.gs.run = graphRun{}
	var cg uintptr
	eerr := d.drv.call(fnStreamEndCapture, d.stream, uintptr(unsafe.Pointer(&cg)))
	d.forget()
	if qerr == nil && eerr == nil {
		eerr = d.drv.call(fnGraphInstantiate, uintptr(unsafe.Pointer(&g.exec)), cg, 0)
	}
	if cg != 0 {
		d.drv.raw(fnGraphDestroy, cg)
	}
	if qerr != nil || eerr != nil {
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

// launchGraph queues the copy of g's staged arrays and g itself.
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
	return d.drv.call(fnGraphLaunch, g.exec, d.stream)
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
	if g.exec != 0 {
		d.drv.raw(fnGraphExecDestroy, g.exec)
		g.exec = 0
	}
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
	d.convHint = ""
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
