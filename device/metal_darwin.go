//go:build darwin && !nogpu

package device

import (
	"fmt"
	"io/fs"

	"github.com/ebitengine/purego"
	"github.com/ebitengine/purego/objc"

	"github.com/tern-llm/tern/backend"
)

// metalFramework is Metal's library; every macOS since 10.11 has it.
const metalFramework = "/System/Library/Frameworks/Metal.framework/Metal"

// Metal describes the system's default Metal GPU. A Mac without Metal is
// no device and no error.
func Metal(fsys fs.FS) ([]*Device, error) {
	lib, err := purego.Dlopen(metalFramework, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, nil
	}
	sym, err := purego.Dlsym(lib, "MTLCreateSystemDefaultDevice")
	if err != nil {
		return nil, fmt.Errorf("device: metal: %w", err)
	}
	var create func() objc.ID
	purego.RegisterFunc(&create, sym)
	dev := create()
	if dev == 0 {
		return nil, nil
	}
	var (
		selName      = objc.RegisterName("name")
		selUTF8      = objc.RegisterName("UTF8String")
		selUnified   = objc.RegisterName("hasUnifiedMemory")
		selWorkSet   = objc.RegisterName("recommendedMaxWorkingSetSize")
		selAllocated = objc.RegisterName("currentAllocatedSize")
	)
	name := "Apple GPU"
	if ns := dev.Send(selName); ns != 0 {
		if p := objc.Send[*byte](ns, selUTF8); p != nil {
			name = goString(p)
		}
	}
	unified := objc.Send[bool](dev, selUnified)
	d := &Device{
		Name:    "metal0",
		Kind:    backend.Metal,
		Model:   name,
		Unified: unified,
	}
	if unified {
		d.Features = []string{"unified"}
	}
	d.ReadMemory = func() (Memory, error) {
		total := objc.Send[uint64](dev, selWorkSet)
		used := objc.Send[uint64](dev, selAllocated)
		free := uint64(0)
		if used < total {
			free = total - used
		}
		m := Memory{Total: total, Free: free, Physical: total, Available: free}
		if unified {
			// The GPU's memory is the host's: what other processes hold
			// is not free to it either.
			h, err := hostMemory(fsys)
			if err != nil {
				return Memory{}, err
			}
			m.Free = min(m.Free, h.Free)
		}
		return m, nil
	}
	return []*Device{d}, nil
}
