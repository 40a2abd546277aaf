package cuda

import (
	"bytes"
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

func TestPTXModulesFromDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvPTXDir, dir)
	if _, err := PTXModules(); err == nil {
		t.Fatal("an empty $TERN_CUDA_PTX_DIR gave no error")
	}
	want := []byte("// tern-source-sha256: x\n.visible .entry k(\n")
	if err := os.WriteFile(filepath.Join(dir, "m.ptx"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a module"), 0o644); err != nil {
		t.Fatal(err)
	}
	mods, err := PTXModules()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || !bytes.Equal(mods["m.ptx"], want) {
		t.Fatalf("modules from the directory: %q", mods)
	}
	t.Setenv(EnvPTXDir, "")
	if mods, err = PTXModules(); err != nil || len(mods) != len(embeddedPTX()) {
		t.Fatalf("without the variable: %d modules, %v; want the %d embedded", len(mods), err, len(embeddedPTX()))
	}
}
