//go:build !amd64 || purego || !gc

package cpu

func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ8_0Generic(out, w, stride, x, nb)
}

func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	dotGroupsQ4_0Generic(out, w, nb, a)
}
