//go:build amd64 && gc && !purego

package cpu

// x4Expected says whether the four-token kernels must run at the current
// level.
func x4Expected() bool { return useVNNI && useX4 }
