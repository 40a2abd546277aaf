//go:build (!amd64 && !arm64) || purego || !gc

package cpu

// levels: only the generic code exists here.
func levels() []struct {
	name string
	set  func() func()
} {
	return []struct {
		name string
		set  func() func()
	}{{"generic", func() func() { return func() {} }}}
}
