package calibrate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cache hygiene. Every build of Tern has its own calibration key, so a
// developer's cache gains a file per build; Store keeps the newest few
// per device and drops the rest.
const (
	// KeepProfiles is how many calibrations of one device the cache
	// keeps: the builds in use at once (an installed release, a build being
	// tested, a benchmark's two sides) without measuring again.
	KeepProfiles = 8
	// staleTemp is the age past which a half-written temporary file (its
	// writer died before the rename) is removed.
	staleTemp = time.Hour
	// keyHexLen is the length of a key's hash (Key: name-hex16).
	keyHexLen = 16
)

// touch marks a cached file as used now, so that pruning, which keeps the
// newest, keeps the calibrations in use rather than the last measured.
func (c Cache) touch(key string) {
	now := time.Now()
	os.Chtimes(c.path(key), now, now) // best effort: a read-only cache is still read
}

// prune removes from the cache directory the profiles of each device
// beyond the KeepProfiles most recently used, disk measurements of other
// versions, and temporary files older than staleTemp. Other files are left
// alone.
func (c Cache) prune() error {
	dir := filepath.Dir(c.path("x"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	type file struct {
		name string
		mod  time.Time
	}
	byDevice := map[string][]file{}
	var remove []string
	now := time.Now()
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if strings.HasPrefix(name, ".tmp-") {
			if now.Sub(info.ModTime()) > staleTemp {
				remove = append(remove, name)
			}
			continue
		}
		key, ok := strings.CutSuffix(name, ".json")
		if !ok {
			continue
		}
		if v, ok := diskVersion(key); ok {
			if v != Version {
				remove = append(remove, name)
			}
			continue
		}
		if dev, ok := profileDevice(key); ok {
			byDevice[dev] = append(byDevice[dev], file{name, info.ModTime()})
		}
	}
	for _, files := range byDevice {
		slices.SortFunc(files, func(a, b file) int { return b.mod.Compare(a.mod) })
		for _, f := range files[min(len(files), KeepProfiles):] {
			remove = append(remove, f.name)
		}
	}
	var errs []error
	for _, name := range remove {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("calibrate: pruning the cache: %w", errs[0])
	}
	return nil
}

// diskVersion is the version of a disk measurement's key (diskKey:
// disk-vN-hex); ok is false for other keys.
func diskVersion(key string) (int, bool) {
	rest, ok := strings.CutPrefix(key, "disk-v")
	if !ok {
		return 0, false
	}
	v, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// profileDevice is the device name of a profile's key (Key: name-hex16);
// ok is false for other keys.
func profileDevice(key string) (string, bool) {
	i := strings.LastIndexByte(key, '-')
	if i <= 0 || len(key)-i-1 != keyHexLen {
		return "", false
	}
	for _, r := range key[i+1:] {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return "", false
		}
	}
	return key[:i], true
}
