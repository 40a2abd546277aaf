package calibrate

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// buildIdentity names the running build for the cache key: the kernels are
// part of the binary, and a faster kernel must be measured again rather
// than planned with an old calibration's speeds.
var buildIdentity = sync.OnceValue(func() string {
	var settings []debug.BuildSetting
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings = bi.Settings
	}
	var size int64
	var mod time.Time
	exe, err := os.Executable()
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(exe); err == nil {
			size, mod = st.Size(), st.ModTime()
		}
	}
	return identity(settings, size, mod, err)
})

// identity is the build's name from its build settings and its
// executable's size and modification time (exeErr when they could not be
// read): the VCS revision of a clean build (the same binary however often
// it is copied), and the executable's size and time as well where the
// tree had changes or no revision is known, since those builds differ
// without the revision telling.
func identity(settings []debug.BuildSetting, size int64, mod time.Time, exeErr error) string {
	rev, modified := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	id := "rev=" + rev
	if rev != "" && !modified {
		return id
	}
	if modified {
		id += "+modified"
	}
	if exeErr != nil {
		return id + " exe=unknown"
	}
	return id + fmt.Sprintf(" exe=%d@%d", size, mod.UnixNano())
}
