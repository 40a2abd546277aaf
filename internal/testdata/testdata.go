// Package testdata finds the shared, read-only test data (real GGUF files and
// llama.cpp's reference outputs) that lives beside the repository in
// ../shared/testdata. Tests read it from there; it is never copied into the
// repository.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names an environment variable that, when set, overrides where the
// test data is looked for.
const EnvDir = "TERN_TESTDATA"

// Dir returns the shared test data directory, or "" when it cannot be found.
// It looks at $TERN_TESTDATA, then at ../shared/testdata beside the module root
// (the directory holding go.mod, found by walking up from the working directory).
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			td := filepath.Join(d, "..", "shared", "testdata")
			if fi, err := os.Stat(td); err == nil && fi.IsDir() {
				return td
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// Path returns the path of a file under the shared test data directory, and
// skips the test when the directory is absent (CI always has it).
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	d := Dir()
	if d == "" {
		t.Skip("shared test data (../shared/testdata) not found; set " + EnvDir)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test data: %v", err)
	}
	return p
}
