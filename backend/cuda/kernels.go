package cuda

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
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

// ptxEntries lists the kernels (.entry directives) a PTX module defines.
func ptxEntries(ptx []byte) []string {
	var names []string
	for line := range bytes.Lines(ptx) {
		s := strings.TrimSpace(string(line))
		rest, ok := strings.CutPrefix(s, ".visible .entry ")
		if !ok {
			rest, ok = strings.CutPrefix(s, ".entry ")
		}
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '('); i >= 0 {
			rest = rest[:i]
		}
		names = append(names, strings.TrimSpace(rest))
	}
	return names
}

// ptxSourceHash is the source hash recorded in a built module's header.
func ptxSourceHash(ptx []byte) (string, bool) {
	line, _, _ := bytes.Cut(ptx, []byte("\n"))
	h, ok := strings.CutPrefix(string(line), hashHeader)
	return strings.TrimSpace(h), ok
}
