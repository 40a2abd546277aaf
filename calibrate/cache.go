package calibrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/device"
)

// Cache keeps calibrations on disk, one JSON file per device and machine,
// under Dir (os.UserCacheDir()/tern by default). A file whose version is
// not Version is stale and ignored.
type Cache struct {
	Dir string
}

// DefaultCache is the cache in the user's cache directory.
func DefaultCache() (Cache, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return Cache{}, fmt.Errorf("calibrate: %w", err)
	}
	return Cache{Dir: filepath.Join(d, "tern")}, nil
}

// KernelVersioner is implemented by devices whose kernels change speed
// between releases (new SIMD paths): its version is part of the cache key,
// so a faster kernel is measured again.
type KernelVersioner interface {
	KernelVersion() string
}

// Key names the calibration of d on this machine with this build of Tern:
// Version, the build (its VCS revision, and its executable's size and time
// when built from a changed tree), the OS and architecture, the device's
// kind, name, model, cores and features, and the kernels' version when the
// device tells it.
func Key(d backend.Device, info *device.Device) string {
	return key(d, info, buildIdentity())
}

func key(d backend.Device, info *device.Device, build string) string {
	parts := []string{fmt.Sprintf("v%d", Version), build, runtime.GOOS, runtime.GOARCH, string(d.Kind()), d.Name()}
	if info != nil {
		parts = append(parts, info.Model, fmt.Sprint(info.Cores), strings.Join(info.Features, ","), info.Compute)
	}
	if t, ok := d.(interface{ Threads() int }); ok {
		parts = append(parts, fmt.Sprintf("threads=%d", t.Threads()))
	}
	if k, ok := d.(KernelVersioner); ok {
		parts = append(parts, "kernels="+k.KernelVersion())
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return d.Name() + "-" + hex.EncodeToString(h[:8])
}

func (c Cache) path(name string) string { return filepath.Join(c.Dir, "calibration", name+".json") }

// Load returns the cached profile under key, or nil when there is none or
// it is stale.
func (c Cache) Load(key string) (*Profile, error) {
	var p Profile
	ok, err := c.read(key, &p)
	if !ok || err != nil || p.Version != Version {
		return nil, err
	}
	return &p, nil
}

// Store writes p under key (atomically: a reader sees the old file or the
// new one).
func (c Cache) Store(key string, p *Profile) error { return c.write(key, p) }

// LoadDisk returns the cached speed of the file system with device id
// dev, or nil.
func (c Cache) LoadDisk(dev uint64) (*Disk, error) {
	var d Disk
	ok, err := c.read(diskKey(dev), &d)
	if !ok || err != nil || d.Version != Version {
		return nil, err
	}
	return &d, nil
}

// StoreDisk writes a disk measurement.
func (c Cache) StoreDisk(d *Disk) error { return c.write(diskKey(d.Device), d) }

func diskKey(dev uint64) string { return fmt.Sprintf("disk-v%d-%x", Version, dev) }

func (c Cache) read(key string, v any) (bool, error) {
	data, err := os.ReadFile(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("calibrate: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		// A damaged cache file is measured again, not fatal.
		return false, nil
	}
	return true, nil
}

func (c Cache) write(key string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("calibrate: writing %s: %w", p, errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("calibrate: %w", err)
	}
	return nil
}

// DefaultMaxContention is the largest share of the machine's CPU time
// other processes may take while the host is measured for Cache.Get to
// keep the calibration (Options.MaxContention): on a 2-core machine one
// busy process beside it already takes half, and its figures then describe
// a machine half as fast.
const DefaultMaxContention = 0.25

// ErrContended comes with the profile from Cache.Get when other processes
// took more than Options.MaxContention of the CPU while it was measured: the
// profile serves the run that asked, and the next run measures again.
var ErrContended = errors.New("calibrate: other processes were using the CPU while it was measured")

// Get returns d's calibration: from the cache unless force is set or it
// is absent or stale, else measured now and stored (unless contended:
// ErrContended, with the profile).
func (c Cache) Get(ctx context.Context, d backend.Device, info *device.Device, force bool, o Options) (*Profile, error) {
	key := Key(d, info)
	if !force {
		p, err := c.Load(key)
		if err != nil {
			return nil, err
		}
		if p != nil {
			c.touch(key)
			return p, nil
		}
	}
	model := ""
	if info != nil {
		model = info.Model
	}
	p, err := Device(ctx, d, model, o)
	if err != nil {
		return nil, err
	}
	limit := o.MaxContention
	if limit <= 0 {
		limit = DefaultMaxContention
	}
	if p.Contention > limit {
		return p, fmt.Errorf("%w: %.0f%% of the machine's CPU time", ErrContended, 100*p.Contention)
	}
	if err := c.Store(key, p); err != nil {
		return p, err
	}
	return p, c.prune()
}

// GetDisk returns the read speed of the file system holding path: from the
// cache unless force is set, it is absent, or it was measured on fewer
// bytes than this file offers (a small file measures latency more than
// speed); else measured on the file (MeasureDisk, for at most step per
// pass) and stored.
func (c Cache) GetDisk(path string, force bool, step time.Duration) (*Disk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	dev, size, err := fileDevice(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	if !force {
		d, err := c.LoadDisk(dev)
		if err != nil {
			return nil, err
		}
		if d != nil && d.Probed >= min(size, diskProbeBytes) {
			return d, nil
		}
	}
	d, err := MeasureDisk(path, step)
	if err != nil {
		return nil, err
	}
	if err := c.StoreDisk(d); err != nil {
		return d, err
	}
	return d, c.prune()
}
