package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sourceHash is what kernels/build.sh records for cu: the sha256 of
// build.sh, the *.cuh headers in byte order of their names, and cu.
func sourceHash(t *testing.T, dir, cu string) string {
	t.Helper()
	headers, err := filepath.Glob(filepath.Join(dir, "*.cuh"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(headers)
	h := sha256.New()
	for _, f := range append(append([]string{filepath.Join(dir, "build.sh")}, headers...), filepath.Join(dir, cu)) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestPTXMatchesSources fails when a kernel source changed without
// kernels/build.sh being run again (or a .ptx lacks its .cu).
func TestPTXMatchesSources(t *testing.T) {
	sources, err := filepath.Glob("kernels/*.cu")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no kernel sources: %v", err)
	}
	mods := embeddedPTX()
	for _, src := range sources {
		cu := filepath.Base(src)
		name := strings.TrimSuffix(cu, ".cu") + ".ptx"
		ptx, ok := mods[name]
		if !ok {
			t.Errorf("%s has no embedded %s: run kernels/build.sh", cu, name)
			continue
		}
		delete(mods, name)
		got, ok := ptxSourceHash(ptx)
		if !ok {
			t.Errorf("%s has no %q header", name, strings.TrimSpace(hashHeader))
			continue
		}
		if want := sourceHash(t, "kernels", cu); got != want {
			t.Errorf("%s was built from other sources (recorded %s, sources hash to %s): run kernels/build.sh", name, got, want)
		}
		if len(ptxEntries(ptx)) == 0 {
			t.Errorf("%s defines no kernels", name)
		}
	}
	for name := range mods {
		t.Errorf("embedded %s has no source", name)
	}
}

func TestPTXEntries(t *testing.T) {
	ptx := []byte(".version 8.0\n.visible .entry add_f32(\n\t.param .u64 a\n)\n{\n}\n.entry helper (\n)\n// .entry in a comment\n")
	if got, want := ptxEntries(ptx), []string{"add_f32", "helper"}; !slices.Equal(got, want) {
		t.Errorf("ptxEntries = %q, want %q", got, want)
	}
}
