package cuda

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// The kernels, as PTX built by kernels/build.sh from kernels/*.cu.
//
//go:embed kernels/*.ptx
var ptxFiles embed.FS

// hashHeader starts the first line of every built .ptx.
const hashHeader = "// tern-source-sha256: "

// EnvPTXDir names a directory of .ptx files that the device loads instead
// of the embedded ones: kernels built by kernels/build.sh on a machine with
// the CUDA toolkit, tried (by the tests, tern bench, tern run) before they
// are committed and embedded. Their source hashes are not checked.
const EnvPTXDir = "TERN_CUDA_PTX_DIR"

// PTXModules returns the PTX modules a device loads, by file name: those in
// $TERN_CUDA_PTX_DIR when it is set, the embedded ones otherwise.
func PTXModules() (map[string][]byte, error) {
	dir := os.Getenv(EnvPTXDir)
	if dir == "" {
		return embeddedPTX(), nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.ptx"))
	if err != nil {
		return nil, fmt.Errorf("cuda: $%s: %w", EnvPTXDir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("cuda: $%s=%s holds no .ptx files", EnvPTXDir, dir)
	}
	mods := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cuda: $%s: %w", EnvPTXDir, err)
		}
		mods[filepath.Base(f)] = data
	}
	return mods, nil
}

// embeddedPTX returns the embedded PTX modules by file name.
func embeddedPTX() map[string][]byte {
	mods := map[string][]byte{}
	entries, _ := ptxFiles.ReadDir("kernels") // embedded: cannot fail
	for _, e := range entries {
		data, _ := ptxFiles.ReadFile(path.Join("kernels", e.Name()))
		mods[e.Name()] = data
	}
	return mods
}

// ptxKernel is one kernel (.entry) of a PTX module.
type ptxKernel struct {
	name string
	// pdl: the kernel waits for the kernels queued before it
	// (griddepcontrol.wait, common.cuh's pdl_begin), so it may be launched
	// to start while they still run.
	pdl bool
}

// ptxKernels lists the kernels a PTX module defines, in order.
func ptxKernels(ptx []byte) []ptxKernel {
	var ks []ptxKernel
	for line := range bytes.Lines(ptx) {
		s := strings.TrimSpace(string(line))
		rest, ok := strings.CutPrefix(s, ".visible .entry ")
		if !ok {
			rest, ok = strings.CutPrefix(s, ".entry ")
		}
		if !ok {
			if len(ks) > 0 && strings.HasPrefix(s, "griddepcontrol.wait") {
				ks[len(ks)-1].pdl = true
			}
			continue
		}
		if i := strings.IndexByte(rest, '('); i >= 0 {
			rest = rest[:i]
		}
		ks = append(ks, ptxKernel{name: strings.TrimSpace(rest)})
	}
	return ks
}

// moduleCompute splits a module's file name into the source it was built
// from and the compute capability it needs (10·major + minor): NAME.ptx
// runs on every GPU the package supports, NAME.smNN.ptx needs NN
// (kernels/build.sh).
func moduleCompute(file string) (base string, cc int) {
	base = strings.TrimSuffix(file, ".ptx")
	if i := strings.LastIndex(base, ".sm"); i >= 0 {
		if n, err := strconv.Atoi(base[i+3:]); err == nil {
			return base[:i], n
		}
	}
	return base, minCompute
}

// forCompute keeps, of each source's modules, the one for the newest
// compute capability a GPU of capability cc runs.
func forCompute(mods map[string][]byte, cc int) map[string][]byte {
	best := map[string]string{} // source → file
	for file := range mods {
		base, need := moduleCompute(file)
		if need > cc {
			continue
		}
		if cur, ok := best[base]; ok {
			if _, have := moduleCompute(cur); have >= need {
				continue
			}
		}
		best[base] = file
	}
	out := make(map[string][]byte, len(best))
	for _, file := range best {
		out[file] = mods[file]
	}
	return out
}

// ptxSourceHash is the source hash recorded in a built module's header.
func ptxSourceHash(ptx []byte) (string, bool) {
	line, _, _ := bytes.Cut(ptx, []byte("\n"))
	h, ok := strings.CutPrefix(string(line), hashHeader)
	return strings.TrimSpace(h), ok
}
