package cuda

import (
	"bytes"
	"embed"
	"path"
	"strings"
)

// The kernels, as PTX built by kernels/build.sh from kernels/*.cu.
//
//go:embed kernels/*.ptx
var ptxFiles embed.FS

// hashHeader starts the first line of every built .ptx.
const hashHeader = "// tern-source-sha256: "

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
