//go:build arm64 && gc && !purego

package cpu

// levels are the instruction-set levels this machine can run, best first;
// each entry's set function selects it and returns a restore function.
func levels() []struct {
	name string
	set  func() func()
} {
	type level = struct {
		name string
		set  func() func()
	}
	set := func(neon, dotprod bool) func() func() {
		return func() func() {
			n, d := useNEON, useDotProd
			useNEON, useDotProd = neon, dotprod
			return func() { useNEON, useDotProd = n, d }
		}
	}
	var ls []level
	if useDotProd {
		ls = append(ls, level{"dotprod", set(true, true)})
	}
	if useNEON {
		ls = append(ls, level{"neon", set(true, false)})
	}
	return append(ls, level{"generic", set(false, false)})
}
