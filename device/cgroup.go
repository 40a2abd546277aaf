package device

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// cgroupMemory is what the process's memory cgroup allows and uses.
type cgroupMemory struct {
	limit   uint64 // 0: no limit
	usage   uint64 // all charged memory, page cache included
	working uint64 // usage less inactive file pages (what docker stats shows)
}

// unlimited is the smallest cgroup v1 limit taken to mean "no limit": v1
// writes "no limit" as the largest page-aligned int64 (0x7FFFFFFFFFFFF000).
const unlimited = 1 << 62

// readCgroup finds the memory cgroup of the process (proc/self/cgroup),
// where its hierarchy is mounted (proc/self/mountinfo), and reads the
// tightest limit from the cgroup up to the mount's root together with the
// cgroup's own usage. A process in no memory cgroup, or one whose cgroup
// files cannot be seen, has no limit: that is not an error.
func readCgroup(fsys fs.FS) (cgroupMemory, error) {
	cgdata, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if errors.Is(err, fs.ErrNotExist) {
		return cgroupMemory{}, nil
	}
	if err != nil {
		return cgroupMemory{}, fmt.Errorf("device: %w", err)
	}
	v1Path, v2Path, hasV1, hasV2 := parseProcCgroup(cgdata)
	mounts, err := fs.ReadFile(fsys, "proc/self/mountinfo")
	if errors.Is(err, fs.ErrNotExist) {
		return cgroupMemory{}, nil
	}
	if err != nil {
		return cgroupMemory{}, fmt.Errorf("device: %w", err)
	}
	v1Mount, v1Root, v2Mount, v2Root := parseMountinfo(mounts)
	// A v1 memory controller takes precedence: when it is mounted, the
	// unified hierarchy (hybrid mode) has no memory controller.
	if hasV1 && v1Mount != "" {
		return readCgroupDir(fsys, v1Mount, v1Root, v1Path, cgroupV1)
	}
	if hasV2 && v2Mount != "" {
		return readCgroupDir(fsys, v2Mount, v2Root, v2Path, cgroupV2)
	}
	return cgroupMemory{}, nil
}

// parseProcCgroup reads lines "id:controllers:path": the v1 hierarchy with
// the memory controller, and the v2 one ("0::path").
func parseProcCgroup(data []byte) (v1, v2 string, hasV1, hasV2 bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		id, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		ctrls, p, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if id == "0" && ctrls == "" {
			v2, hasV2 = p, true
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == "memory" {
				v1, hasV1 = p, true
			}
		}
	}
	return
}

// parseMountinfo finds the mount points and roots of the v1 memory
// hierarchy and of the v2 unified hierarchy. A mountinfo line is
// "id parent maj:min root mountpoint options [optional…] - fstype source superoptions".
func parseMountinfo(data []byte) (v1Mount, v1Root, v2Mount, v2Root string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+3 > len(f) {
			continue
		}
		root, mnt := unescapeMount(f[3]), unescapeMount(f[4])
		switch f[sep+1] {
		case "cgroup":
			for _, o := range strings.Split(f[sep+3], ",") {
				if o == "memory" && v1Mount == "" {
					v1Mount, v1Root = mnt, root
				}
			}
		case "cgroup2":
			if v2Mount == "" {
				v2Mount, v2Root = mnt, root
			}
		}
	}
	return
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupFiles names one cgroup version's files.
type cgroupFiles struct {
	limit, usage string
	inactive     string // key in memory.stat of the inactive file pages
	none         string // the limit file's word for "no limit"
}

var (
	cgroupV1 = cgroupFiles{limit: "memory.limit_in_bytes", usage: "memory.usage_in_bytes", inactive: "total_inactive_file"}
	cgroupV2 = cgroupFiles{limit: "memory.max", usage: "memory.current", inactive: "inactive_file", none: "max"}
)

// readCgroupDir reads a cgroup's memory under the hierarchy mounted at
// mount (whose root is the cgroup path root): the limit as the tightest
// over the cgroup and its ancestors up to the mount, usage at the cgroup.
func readCgroupDir(fsys fs.FS, mount, root, cg string, files cgroupFiles) (cgroupMemory, error) {
	rel := cg
	switch {
	case root == "/" || root == "":
	case cg == root:
		rel = "/"
	case strings.HasPrefix(cg, root+"/"):
		rel = strings.TrimPrefix(cg, root)
	default:
		// The process's cgroup lies outside what this mount shows (a
		// cgroup namespace shows "/" for it): the mount root is it.
		rel = "/"
	}
	base := strings.TrimPrefix(path.Clean(mount), "/")
	dir := path.Join(base, rel)
	var m cgroupMemory
	for d := dir; ; d = path.Dir(d) {
		lim, ok, err := readCgroupValue(fsys, path.Join(d, files.limit), files.none)
		if err != nil {
			return m, err
		}
		if ok && lim < unlimited && (m.limit == 0 || lim < m.limit) {
			m.limit = lim
		}
		if d == base || d == "." || d == "/" || !strings.HasPrefix(d, base) {
			break
		}
	}
	usage, ok, err := readCgroupValue(fsys, path.Join(dir, files.usage), "")
	if err != nil || !ok {
		return m, err
	}
	m.usage, m.working = usage, usage
	stat, err := fs.ReadFile(fsys, path.Join(dir, "memory.stat"))
	if err == nil {
		sc := bufio.NewScanner(bytes.NewReader(stat))
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), " ")
			if k != files.inactive {
				continue
			}
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil && n <= usage {
				m.working = usage - n
			}
		}
	}
	return m, nil
}

// readCgroupValue reads a one-number cgroup file. A missing file is
// (0, false, nil); none is the file's word for "no limit".
func readCgroupValue(fsys fs.FS, name, none string) (uint64, bool, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("device: %w", err)
	}
	s := strings.TrimSpace(string(data))
	if none != "" && s == none {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("device: %s: %q is not a byte count", name, s)
	}
	return n, true, nil
}
