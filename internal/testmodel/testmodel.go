// Package testmodel loads the shared test models for tests of the packages
// above model (engine, server, the CLI), so each needs one line.
package testmodel

import (
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
)

// Load opens the test data file at elem (under ../shared/testdata) and
// loads its model on dev, or on the CPU when dev is nil. The file and the
// model are closed when the test ends; the test skips without test data.
func Load(t testing.TB, dev backend.Device, elem ...string) (*gguf.File, *model.Model) {
	t.Helper()
	f, err := gguf.Open(testdata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c, err := model.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if dev == nil {
		dev = cpu.New(0)
	}
	m, err := model.Load(f, model.OnDevice(dev, c.Layers))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return f, m
}
