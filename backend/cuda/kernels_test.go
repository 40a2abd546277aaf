package cuda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"
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
		want := sourceHash(t, "kernels", cu)
		for _, suffix := range []string{".ptx", ".sm90.ptx"} {
			name := strings.TrimSuffix(cu, ".cu") + suffix
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
			if got != want {
				t.Errorf("%s was built from other sources (recorded %s, sources hash to %s): run kernels/build.sh", name, got, want)
			}
			if len(ptxKernels(ptx)) == 0 {
				t.Errorf("%s defines no kernels", name)
			}
		}
	}
	for name := range mods {
		t.Errorf("embedded %s has no source", name)
	}
}

func TestPTXKernels(t *testing.T) {
	ptx := []byte(".version 8.0\n.visible .entry add_f32(\n\t.param .u64 a\n)\n{\n\tgriddepcontrol.launch_dependents;\n\tgriddepcontrol.wait;\n}\n" +
		".entry helper (\n)\n{\n\tret;\n}\n// .entry in a comment\n")
	want := []ptxKernel{{"add_f32", true}, {"helper", false}}
	if got := ptxKernels(ptx); !slices.Equal(got, want) {
		t.Errorf("ptxKernels = %+v, want %+v", got, want)
	}
}

// TestForCompute: each source's newest module the GPU runs is loaded.
func TestForCompute(t *testing.T) {
	mods := map[string][]byte{"a.ptx": {1}, "a.sm90.ptx": {2}, "b.ptx": {3}, "c.sm90.ptx": {4}, "d.x.ptx": {5}}
	for _, tc := range []struct {
		cc   int
		want []string
	}{
		{80, []string{"a.ptx", "b.ptx", "d.x.ptx"}},
		{86, []string{"a.ptx", "b.ptx", "d.x.ptx"}},
		{90, []string{"a.sm90.ptx", "b.ptx", "c.sm90.ptx", "d.x.ptx"}},
		{120, []string{"a.sm90.ptx", "b.ptx", "c.sm90.ptx", "d.x.ptx"}},
	} {
		got := slices.Sorted(maps.Keys(forCompute(mods, tc.cc)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("compute %d: %q, want %q", tc.cc, got, tc.want)
		}
	}
	if got := forCompute(embeddedPTX(), 90); len(got) != len(embeddedPTX())/2 {
		t.Errorf("embedded modules for compute 9.0: %d of %d", len(got), len(embeddedPTX()))
	}
}

// TestLaunchConfigLayout: CUlaunchConfig is 56 bytes, its stream at 32
// and attrs at 40; CUlaunchAttribute is 72 bytes (cuda.h, 64-bit).
func TestLaunchConfigLayout(t *testing.T) {
	var c launchConfig
	if unsafe.Sizeof(c) != 56 || unsafe.Offsetof(c.stream) != 32 || unsafe.Offsetof(c.attrs) != 40 || unsafe.Offsetof(c.nattrs) != 48 {
		t.Errorf("launchConfig: size %d, stream at %d, attrs at %d, nattrs at %d", unsafe.Sizeof(c), unsafe.Offsetof(c.stream), unsafe.Offsetof(c.attrs), unsafe.Offsetof(c.nattrs))
	}
	var a launchAttr
	if unsafe.Sizeof(a) != 72 || unsafe.Offsetof(a.value) != 8 {
		t.Errorf("launchAttr: size %d, value at %d", unsafe.Sizeof(a), unsafe.Offsetof(a.value))
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
