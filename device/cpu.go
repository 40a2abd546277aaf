package device

import (
	"bufio"
	"bytes"
	"io/fs"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"

	"github.com/tern-llm/tern/backend"
)

// CPU describes the host processor: its model, the logical cores this
// process may run on, its SIMD features, and the host memory reader
// (bounded by the cgroup on Linux). fsys is rooted at "/".
func CPU(fsys fs.FS) (*Device, error) {
	d := &Device{
		Name:     "cpu",
		Kind:     backend.CPU,
		Model:    cpuModel(fsys),
		Cores:    runtime.NumCPU(),
		Features: simdFeatures(),
		Unified:  true,
	}
	d.ReadMemory = func() (Memory, error) { return hostMemory(fsys) }
	return d, nil
}

// cpuModelFromInfo reads the processor's name from /proc/cpuinfo: x86's
// "model name", or on ARM the implementer and part numbers.
func cpuModelFromInfo(data []byte) string {
	var impl, part string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name", "Model", "cpu model":
			if v != "" {
				return v
			}
		case "CPU implementer":
			impl = v
		case "CPU part":
			part = v
		}
	}
	if impl != "" {
		return "ARM implementer " + impl + " part " + part
	}
	return ""
}

// simdFeatures lists the vector extensions that matter to Tern's kernels,
// as golang.org/x/sys/cpu reports them (it checks OS support too).
func simdFeatures() []string {
	var f []string
	add := func(has bool, name string) {
		if has {
			f = append(f, name)
		}
	}
	switch runtime.GOARCH {
	case "amd64", "386":
		x := &cpu.X86
		add(x.HasSSE3, "sse3")
		add(x.HasSSSE3, "ssse3")
		add(x.HasSSE41, "sse4.1")
		add(x.HasSSE42, "sse4.2")
		add(x.HasAVX, "avx")
		add(x.HasF16C, "f16c")
		add(x.HasFMA, "fma")
		add(x.HasAVX2, "avx2")
		add(x.HasAVXVNNI, "avxvnni")
		add(x.HasAVX512F, "avx512f")
		add(x.HasAVX512BW, "avx512bw")
		add(x.HasAVX512VL, "avx512vl")
		add(x.HasAVX512VNNI, "avx512vnni")
		add(x.HasAVX512BF16, "avx512bf16")
		add(x.HasAMXBF16, "amxbf16")
	case "arm64":
		a := &cpu.ARM64
		add(a.HasASIMD, "asimd")
		add(a.HasASIMDHP, "asimdhp")
		add(a.HasASIMDDP, "asimddp")
		add(a.HasI8MM, "i8mm")
		add(a.HasSVE, "sve")
		add(a.HasSVE2, "sve2")
	}
	return f
}
