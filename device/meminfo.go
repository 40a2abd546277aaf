package device

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
)

// LinuxHostMemory reads the host's memory as this process sees it on Linux:
// MemTotal and MemAvailable from proc/meminfo, bounded by the memory limit
// of the process's cgroup (v1 or v2, the tightest of it and its parents),
// since inside a container the cgroup, not the RAM, is what the kernel's
// OOM killer enforces. fsys is rooted at "/".
func LinuxHostMemory(fsys fs.FS) (Memory, error) {
	total, avail, err := readMeminfo(fsys)
	if err != nil {
		return Memory{}, err
	}
	m := Memory{Physical: total, Available: avail, Total: total, Free: avail}
	cg, err := readCgroup(fsys)
	if err != nil {
		return Memory{}, err
	}
	if cg.limit > 0 {
		m.CgroupLimit, m.CgroupUsage, m.CgroupWorking = cg.limit, cg.usage, cg.working
		m.Total = min(m.Total, cg.limit)
		room := uint64(0)
		if cg.working < cg.limit {
			room = cg.limit - cg.working
		}
		m.Free = min(m.Free, room)
	}
	return m, nil
}

// readMeminfo returns MemTotal and MemAvailable in bytes. Kernels before
// 3.14 lack MemAvailable; MemFree + Buffers + Cached stands in for it.
func readMeminfo(fsys fs.FS) (total, avail uint64, err error) {
	data, err := fs.ReadFile(fsys, "proc/meminfo")
	if err != nil {
		return 0, 0, fmt.Errorf("device: %w", err)
	}
	v := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			continue
		}
		if len(f) >= 3 && string(f[2]) == "kB" {
			n *= 1024
		}
		v[string(bytes.TrimSuffix(f[0], []byte(":")))] = n
	}
	total, ok := v["MemTotal"]
	if !ok || total == 0 {
		return 0, 0, fmt.Errorf("device: proc/meminfo has no MemTotal")
	}
	avail, ok = v["MemAvailable"]
	if !ok {
		avail = v["MemFree"] + v["Buffers"] + v["Cached"]
	}
	return total, min(avail, total), nil
}
