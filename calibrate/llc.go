package calibrate

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// lastLevelCache is the total size of the host's last-level caches in
// bytes (every instance of the highest cache level, counted once), read
// from Linux's sysfs; 0 where it is not known.
func lastLevelCache() int64 { return cacheBytes(os.DirFS("/sys/devices/system/cpu")) }

// cacheBytes reads the caches of the CPUs under fsys (sysfs's
// devices/system/cpu: cpuN/cache/indexM/{level,type,size,shared_cpu_list})
// and sums the distinct instances, by the CPUs that share them, of the
// highest level holding data.
func cacheBytes(fsys fs.FS) int64 {
	dirs, _ := fs.Glob(fsys, "cpu[0-9]*/cache/index[0-9]*")
	top := 0
	sizes := map[string]int64{} // "level/shared CPUs" → size
	for _, d := range dirs {
		read := func(name string) string {
			b, err := fs.ReadFile(fsys, path.Join(d, name))
			if err != nil {
				return ""
			}
			return strings.TrimSpace(string(b))
		}
		if read("type") == "Instruction" {
			continue
		}
		level, err := strconv.Atoi(read("level"))
		size := parseCacheSize(read("size"))
		if err != nil || size <= 0 {
			continue
		}
		top = max(top, level)
		sizes[strconv.Itoa(level)+"/"+read("shared_cpu_list")] = size
	}
	var total int64
	for k, v := range sizes {
		if strings.HasPrefix(k, strconv.Itoa(top)+"/") {
			total += v
		}
	}
	return total
}

// parseCacheSize reads sysfs's "32768K" (or "2M", or bytes); 0 when it
// cannot.
func parseCacheSize(s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n * mult
}

// Bounds of the host's matrix×vector benchmark size.
const (
	// llcFactor times the last-level cache is the weight the benchmark
	// reads, so that at most a quarter of it can come from the cache (a
	// 16-core server's 64 MiB L3 held most of a 48 MiB benchmark, which
	// then predicted 2.4 times the decode speed of a 1 GB model).
	llcFactor = 4
	// unknownCacheMatVecBytes is the size where the cache is not known:
	// four times the L3 of most desktop and laptop processors.
	unknownCacheMatVecBytes = 256 << 20
	// maxHostMatVecBytes caps the size (allocating it costs time), and
	// the benchmark takes at most a quarter of the free memory.
	maxHostMatVecBytes = 1 << 30
)

// hostMatVecBytes is the weight size of the host's matrix×vector
// benchmark: llcFactor times the last-level cache (llc bytes; 0: not
// known), at least DefaultMatVecBytes, at most maxHostMatVecBytes and a
// quarter of free memory (0: not known).
func hostMatVecBytes(llc int64, free uint64) int {
	n := int64(unknownCacheMatVecBytes)
	if llc > 0 {
		n = llcFactor * llc
	}
	n = min(max(n, DefaultMatVecBytes), maxHostMatVecBytes)
	if free > 0 {
		n = min(n, int64(free/4))
	}
	return int(max(n, 1<<20))
}
