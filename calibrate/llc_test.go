package calibrate

import (
	"testing"
	"testing/fstest"
)

func TestCacheBytes(t *testing.T) {
	cache := func(fsys fstest.MapFS, cpu, index, level, typ, size, shared string) {
		d := "cpu" + cpu + "/cache/index" + index + "/"
		fsys[d+"level"] = &fstest.MapFile{Data: []byte(level + "\n")}
		fsys[d+"type"] = &fstest.MapFile{Data: []byte(typ + "\n")}
		fsys[d+"size"] = &fstest.MapFile{Data: []byte(size + "\n")}
		fsys[d+"shared_cpu_list"] = &fstest.MapFile{Data: []byte(shared + "\n")}
	}
	// Two CCDs of two cores each: 32 MiB of L3 per CCD, private L1/L2.
	server := fstest.MapFS{}
	for cpu, shared := range []string{"0-1", "0-1", "2-3", "2-3"} {
		c := string(rune('0' + cpu))
		cache(server, c, "0", "1", "Data", "32K", c)
		cache(server, c, "1", "1", "Instruction", "32K", c)
		cache(server, c, "2", "2", "Unified", "1024K", c)
		cache(server, c, "3", "3", "Unified", "32768K", shared)
	}
	// One core, L2 the last level, in megabytes.
	small := fstest.MapFS{}
	cache(small, "0", "0", "1", "Data", "48K", "0")
	cache(small, "0", "2", "2", "Unified", "2M", "0")
	// A damaged size is skipped.
	damaged := fstest.MapFS{}
	cache(damaged, "0", "0", "2", "Unified", "1024K", "0")
	cache(damaged, "0", "1", "3", "Unified", "lots", "0")
	for _, c := range []struct {
		name string
		fsys fstest.MapFS
		want int64
	}{
		{"two L3s", server, 64 << 20},
		{"L2 last", small, 2 << 20},
		{"damaged L3", damaged, 1 << 20},
		{"no sysfs", fstest.MapFS{}, 0},
	} {
		if got := cacheBytes(c.fsys); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
	}
}

func TestHostMatVecBytes(t *testing.T) {
	for _, c := range []struct {
		llc  int64
		free uint64
		want int
	}{
		{64 << 20, 0, 256 << 20},         // 4× the cache
		{4 << 20, 0, DefaultMatVecBytes}, // at least the default
		{1 << 30, 0, 1 << 30},            // at most 1 GiB
		{0, 0, 256 << 20},                // cache unknown
		{64 << 20, 400 << 20, 100 << 20}, // a quarter of free memory
		{64 << 20, 1 << 20, 1 << 20},     // but at least 1 MiB
	} {
		if got := hostMatVecBytes(c.llc, c.free); got != c.want {
			t.Errorf("hostMatVecBytes(%d, %d) = %d, want %d", c.llc, c.free, got, c.want)
		}
	}
}
