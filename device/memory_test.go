package device

import (
	"testing"
	"testing/fstest"
)

const (
	kib = 1024
	mib = 1024 * kib
	gib = 1024 * mib
)

const meminfo16G = `MemTotal:       16777216 kB
MemFree:         1048576 kB
MemAvailable:    8388608 kB
Buffers:          102400 kB
Cached:          4194304 kB
`

const mountsV1 = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const mountsV2 = `25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
`

func TestLinuxHostMemory(t *testing.T) {
	v1Unlimited := "9223372036854771712\n"
	tests := []struct {
		name  string
		files map[string]string
		want  Memory
	}{
		{
			name:  "no cgroup files",
			files: map[string]string{"proc/meminfo": meminfo16G},
			want:  Memory{Total: 16 * gib, Free: 8 * gib, Physical: 16 * gib, Available: 8 * gib},
		},
		{
			name:  "old kernel without MemAvailable",
			files: map[string]string{"proc/meminfo": "MemTotal: 1024 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n"},
			want:  Memory{Total: 1024 * kib, Free: 310 * kib, Physical: 1024 * kib, Available: 310 * kib},
		},
		{
			name: "cgroup v1 unlimited (this machine's layout)",
			files: map[string]string{
				"proc/meminfo":        meminfo16G,
				"proc/self/cgroup":    "9:name=systemd:/\n4:memory:/process_api/abc\n0::/\n",
				"proc/self/mountinfo": mountsV1,
				"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": v1Unlimited,
				"sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes": "694308864\n",
				"sys/fs/cgroup/memory/memory.limit_in_bytes":                 v1Unlimited,
			},
			want: Memory{Total: 16 * gib, Free: 8 * gib, Physical: 16 * gib, Available: 8 * gib},
		},
		{
			name: "cgroup v1 limit on a parent, working set less inactive file",
			files: map[string]string{
				"proc/meminfo":        meminfo16G,
				"proc/self/cgroup":    "4:memory:/docker/abc\n",
				"proc/self/mountinfo": mountsV1,
				"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": v1Unlimited,
				"sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes": "1073741824\n",
				"sys/fs/cgroup/memory/docker/abc/memory.stat":           "cache 5\ntotal_inactive_file 268435456\ntotal_rss 7\n",
				"sys/fs/cgroup/memory/docker/memory.limit_in_bytes":     "4294967296\n",
			},
			want: Memory{Total: 4 * gib, Free: 4*gib - 768*mib, Physical: 16 * gib, Available: 8 * gib,
				CgroupLimit: 4 * gib, CgroupUsage: 1 * gib, CgroupWorking: 768 * mib},
		},
		{
			name: "cgroup v2 with limit below MemAvailable",
			files: map[string]string{
				"proc/meminfo":        meminfo16G,
				"proc/self/cgroup":    "0::/user.slice/app.scope\n",
				"proc/self/mountinfo": mountsV2,
				"sys/fs/cgroup/user.slice/app.scope/memory.max":     "2147483648\n",
				"sys/fs/cgroup/user.slice/app.scope/memory.current": "536870912\n",
				"sys/fs/cgroup/user.slice/app.scope/memory.stat":    "anon 1\ninactive_file 134217728\nactive_file 3\n",
				"sys/fs/cgroup/user.slice/memory.max":               "max\n",
			},
			want: Memory{Total: 2 * gib, Free: 2*gib - 384*mib, Physical: 16 * gib, Available: 8 * gib,
				CgroupLimit: 2 * gib, CgroupUsage: 512 * mib, CgroupWorking: 384 * mib},
		},
		{
			name: "cgroup v2 limit above MemAvailable: MemAvailable wins for free",
			files: map[string]string{
				"proc/meminfo":                   meminfo16G,
				"proc/self/cgroup":               "0::/a\n",
				"proc/self/mountinfo":            mountsV2,
				"sys/fs/cgroup/a/memory.max":     "12884901888\n",
				"sys/fs/cgroup/a/memory.current": "1073741824\n",
			},
			want: Memory{Total: 12 * gib, Free: 8 * gib, Physical: 16 * gib, Available: 8 * gib,
				CgroupLimit: 12 * gib, CgroupUsage: 1 * gib, CgroupWorking: 1 * gib},
		},
		{
			name: "cgroup namespace: the mount root is the process's cgroup",
			files: map[string]string{
				"proc/meminfo":                 meminfo16G,
				"proc/self/cgroup":             "0::/\n",
				"proc/self/mountinfo":          "25 30 0:22 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
				"sys/fs/cgroup/memory.max":     "1073741824\n",
				"sys/fs/cgroup/memory.current": "1610612736\n",
			},
			// usage above the limit (reclaim pending): nothing free
			want: Memory{Total: 1 * gib, Free: 0, Physical: 16 * gib, Available: 8 * gib,
				CgroupLimit: 1 * gib, CgroupUsage: 1536 * mib, CgroupWorking: 1536 * mib},
		},
		{
			name: "mount point with an escaped space",
			files: map[string]string{
				"proc/meminfo":                  meminfo16G,
				"proc/self/cgroup":              "0::/x\n",
				"proc/self/mountinfo":           `25 30 0:22 / /sys/fs/my\040cg rw - cgroup2 cgroup2 rw` + "\n",
				"sys/fs/my cg/x/memory.max":     "1073741824\n",
				"sys/fs/my cg/x/memory.current": "0\n",
			},
			want: Memory{Total: 1 * gib, Free: 1 * gib, Physical: 16 * gib, Available: 8 * gib, CgroupLimit: 1 * gib},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tc.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			got, err := LinuxHostMemory(fsys)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLinuxHostMemoryErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"no meminfo", map[string]string{}},
		{"no MemTotal", map[string]string{"proc/meminfo": "MemFree: 3 kB\n"}},
		{"garbage limit", map[string]string{
			"proc/meminfo":               meminfo16G,
			"proc/self/cgroup":           "0::/a\n",
			"proc/self/mountinfo":        mountsV2,
			"sys/fs/cgroup/a/memory.max": "lots\n",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tc.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			if m, err := LinuxHostMemory(fsys); err == nil {
				t.Fatalf("got %+v, want an error", m)
			}
		})
	}
}

func TestCPUModelFromInfo(t *testing.T) {
	tests := []struct{ info, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9454\nflags\t: fpu\n", "AMD EPYC 9454"},
		{"processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n", "ARM implementer 0x41 part 0xd0c"},
		{"processor\t: 0\n", ""},
	}
	for _, tc := range tests {
		if got := cpuModelFromInfo([]byte(tc.info)); got != tc.want {
			t.Errorf("cpuModelFromInfo(%q) = %q, want %q", tc.info, got, tc.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {300 * mib, "300.0 MiB"}, {8 * gib, "8.0 GiB"}}
	for _, tc := range tests {
		if got := FormatBytes(tc.n); got != tc.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
