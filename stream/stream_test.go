package stream

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/budget"
)

const (
	layers     = 8
	layerBytes = 2 << 20
)

// mapped writes a file of layers·layerBytes bytes, maps it read-only as
// gguf.Open does, and cuts each layer into three regions at offsets that
// are not page-aligned (tensors in a GGUF are 32-byte aligned).
func mapped(t *testing.T) ([]byte, map[int][][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "weights.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20+8)
	for i := range block {
		block[i] = byte(i*31 + i>>12)
	}
	for i := 0; i < layers*layerBytes>>20; i++ {
		if _, err := f.Write(block[i%8 : i%8+1<<20]); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, layers*layerBytes, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(data) })
	regions := map[int][][]byte{}
	for i := 0; i < layers; i++ {
		l := data[i*layerBytes : (i+1)*layerBytes]
		a, b := layerBytes/3+32, 2*layerBytes/3+96
		regions[i] = [][]byte{l[:a], l[a:b], l[b:]}
	}
	return data, regions
}

// rssFile reads RssFile (file-backed resident pages) from /proc/self/status.
func rssFile(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// pass runs the layers in order, reading every byte of each, as a forward
// pass would, and returns the largest rise of RssFile over the start and
// the sum of the bytes read.
func pass(t *testing.T, p *Prefetcher, regions map[int][][]byte, release bool) (peak int64, sum uint64) {
	base := rssFile(t)
	for i := 0; i < layers; i++ {
		if err := p.Begin(i); err != nil {
			t.Fatal(err)
		}
		for _, r := range regions[i] {
			sum += sumBytes(r)
		}
		peak = max(peak, rssFile(t)-base)
		if release {
			p.End(i)
		}
	}
	return peak, sum
}

func TestResidentStaysUnderTwoLayers(t *testing.T) {
	data, regions := mapped(t)
	want := sumBytes(data)
	// With Overlap the running layer and the prefetched one are charged;
	// without, the running one.
	for _, overlap := range []bool{false, true} {
		// The model starts cold in this process.
		if err := unix.Madvise(data, unix.MADV_DONTNEED); err != nil {
			t.Fatal(err)
		}
		acct := budget.New("cpu", 2*layerBytes)
		p := New(regions, acct)
		p.Overlap = overlap
		peak, sum := pass(t, p, regions, true)
		p.Close()
		if sum != want {
			t.Fatalf("overlap %v: read sum %d, want %d: the pages read back wrong", overlap, sum, want)
		}
		// The running layer and the prefetched one, and a page each side of
		// the partial pages at region edges.
		if limit := int64(2*layerBytes + 64<<10); peak > limit {
			t.Errorf("overlap %v: RssFile rose by %d KiB, want at most %d KiB", overlap, peak>>10, limit>>10)
		}
		if r := p.Rate(); r <= 0 {
			t.Errorf("overlap %v: prefetch rate %g after a pass", overlap, r)
		}
		held := uint64(layerBytes)
		if overlap {
			held = 2 * layerBytes
		}
		if u := acct.Usage(); u.Used != 0 || u.Peak != held {
			t.Errorf("overlap %v: budget after the pass: %+v; want nothing charged, peak %d bytes", overlap, u, held)
		}
		t.Logf("overlap %v: streamed pass: RssFile peak +%d KiB for %d KiB of layers", overlap, peak>>10, layers*layerBytes>>10)
	}

	// Without End nothing is released: the same pass holds the whole
	// file, which shows the measurement above can fail.
	if err := unix.Madvise(data, unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	q := New(regions, nil)
	held, _ := pass(t, q, regions, false)
	q.Close()
	if held < int64(layers-1)*layerBytes {
		t.Errorf("without release RssFile rose by only %d KiB: RssFile does not see the mapping", held>>10)
	}
}

func TestBudget(t *testing.T) {
	_, regions := mapped(t)
	// Room for one and a half layers: every layer runs, none is prefetched.
	acct := budget.New("cpu", layerBytes*3/2)
	p := New(regions, acct)
	for i := 0; i < layers; i++ {
		if err := p.Begin(i); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		if u := acct.Usage(); u.Used != layerBytes {
			t.Fatalf("layer %d: %d charged, want one layer", i, u.Used)
		}
		p.End(i)
	}
	// Room for less than a layer: Begin fails as the budget says.
	small := New(regions, budget.New("cpu", layerBytes-1))
	if err := small.Begin(0); !errors.Is(err, backend.ErrOutOfMemory) {
		t.Fatalf("err %v, want ErrOutOfMemory", err)
	}
	// A layer that is not streamed is not paged.
	if err := p.Begin(layers + 5); err != nil {
		t.Fatal(err)
	}
	p.End(layers + 5)
}

// sumBytes adds b's bytes, eight at a time (the race detector checks each
// read, and a byte at a time is slow under it).
func sumBytes(b []byte) uint64 {
	var s uint64
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		for k := 0; k < 8; k++ {
			s += w >> (8 * k) & 0xff
		}
		b = b[8:]
	}
	for _, x := range b {
		s += uint64(x)
	}
	return s
}
