package device

import "io/fs"

func cpuModel(fsys fs.FS) string {
	data, err := fs.ReadFile(fsys, "proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	if m := cpuModelFromInfo(data); m != "" {
		return m
	}
	return "unknown"
}

func hostMemory(fsys fs.FS) (Memory, error) { return LinuxHostMemory(fsys) }
