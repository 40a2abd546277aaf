package plan

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits are the user's memory limits (--memory-limit).
type Limits struct {
	// Total caps the memory Tern uses on all devices together; 0: none.
	Total uint64
	// Device caps one device's memory, by name ("cpu", "cuda0").
	Device map[string]uint64
}

// ParseLimits reads --memory-limit: a size for all devices together
// ("8GiB") or a list of device=size ("cpu=8GiB,cuda0=20GiB"); an entry
// without a name ("8GiB,cuda0=20GiB") is the total.
func ParseLimits(s string) (Limits, error) {
	var l Limits
	s = strings.TrimSpace(s)
	if s == "" {
		return l, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		name, size, named := strings.Cut(item, "=")
		if !named {
			size = name
		}
		n, err := ParseSize(size)
		if err != nil {
			return Limits{}, fmt.Errorf("plan: memory limit %q: %w", item, err)
		}
		if !named {
			if l.Total != 0 {
				return Limits{}, fmt.Errorf("plan: memory limit %q: two totals", s)
			}
			l.Total = n
			continue
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return Limits{}, fmt.Errorf("plan: memory limit %q: no device name", item)
		}
		if l.Device == nil {
			l.Device = map[string]uint64{}
		}
		if _, dup := l.Device[name]; dup {
			return Limits{}, fmt.Errorf("plan: memory limit: %s given twice", name)
		}
		l.Device[name] = n
	}
	return l, nil
}

// String writes the limits back in ParseLimits's syntax.
func (l Limits) String() string {
	var parts []string
	if l.Total > 0 {
		parts = append(parts, formatSize(l.Total))
	}
	names := make([]string, 0, len(l.Device))
	for n := range l.Device {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, n+"="+formatSize(l.Device[n]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// units are the size suffixes ParseSize knows, in bytes. As in most tools
// that size memory, K, M, G and T alone are binary.
var units = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1e3, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1e6, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1e9, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1e12, "tib": 1 << 40,
}

// ParseSize reads a byte count: "300MiB", "8GiB", "1.5G", "2GB", "4096".
func ParseSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mul, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q (use B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)", s[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	b := v * mul
	if b < 1 || b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q out of range", s)
	}
	return uint64(b), nil
}

// formatSize writes n in the largest binary unit that keeps it whole, or
// with one decimal.
func formatSize(n uint64) string {
	for _, u := range []struct {
		name string
		b    uint64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.b {
			if n%u.b == 0 {
				return fmt.Sprintf("%d%s", n/u.b, u.name)
			}
			return fmt.Sprintf("%.1f%s", float64(n)/float64(u.b), u.name)
		}
	}
	return fmt.Sprintf("%dB", n)
}
